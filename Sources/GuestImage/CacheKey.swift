/// The cache key of an image: recipe, resolved versions, SSH key and builder revision.
/// Any change to one of them means a different image directory, so a stale image is never reused.
public struct CacheKey: Sendable, Equatable {
    /// Bumped when the builder changes what it writes into an image.
    public static let builderRevision = 2

    public let hash: String

    public init(recipe: Recipe, versions: [String: String], publicKey: String) {
        var text = "strait-image-builder \(CacheKey.builderRevision)\n"
        text += recipe.canonical() + "\n"
        text += versions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n") + "\n"
        text += publicKey + "\n"
        hash = SHA256.hex(text)
    }

    public func directoryName(for recipe: Recipe) -> String { "\(recipe.name)-\(hash.prefix(16))" }
}
