import Foundation

/// Finds or builds the image for a recipe. The key is the recipe plus the versions apt resolves
/// today, so a point release or a recipe edit gives a new image; the same inputs reuse the old one.
public struct ImageStore: Sendable {
    public let cache: String
    public var log: @Sendable (String) -> Void

    public init(cache: String = StraitPaths.cache, log: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.cache = cache
        self.log = log
    }

    public struct Lookup: Sendable {
        public let key: CacheKey
        public let directory: String
        public let versions: [String: String]
        public let image: BuiltImage?
    }

    /// Resolves versions (refreshing the private apt lists when stale) and checks the cache.
    public func lookup(_ recipe: Recipe, refresh: Bool = false) throws(ImageError) -> Lookup {
        let key = try SSHKey.harnessKey(dir: cache + "/ssh")
        let resolver = PackageResolver(recipe: recipe, cache: cache)
        try resolver.refresh(force: refresh)
        let versions = try resolver.resolve(recipe.allPackages)
        let cacheKey = CacheKey(recipe: recipe, versions: versions, publicKey: key.publicKey)
        let dir = cache + "/images/" + cacheKey.directoryName(for: recipe)
        return Lookup(key: cacheKey, directory: dir, versions: versions, image: BuiltImage.load(directory: dir))
    }

    /// The cached image, or a fresh build when missing or `force`.
    public func image(for recipe: Recipe, force: Bool = false) throws(ImageError) -> BuiltImage {
        let started = Date()
        let found = try lookup(recipe, refresh: force)
        if let image = found.image, !force {
            log("image: \(recipe.name) cached at \(found.directory) (lookup \(String(format: "%.2f", Date().timeIntervalSince(started))) s)")
            return image
        }
        let builder = ImageBuilder(recipe: recipe, key: try SSHKey.harnessKey(dir: cache + "/ssh"),
                                   cacheKey: found.key, cache: cache, log: log)
        let image = try builder.build(into: found.directory)
        log("image: built \(recipe.name) in \(String(format: "%.0f", image.buildSeconds)) s -> \(image.directory)")
        return image
    }
}
