import Foundation
@testable import GuestImage
import Testing

struct RecipeTests {
    static let yaml = """
        name: test-image
        suite: bookworm
        sources:
          - deb http://deb.debian.org/debian bookworm main
        packages: [openssh-server, fio]
        initrd_modules: [virtio_blk]
        disk_size_mib: 2048
        mount_points: [/mnt/share]
        """

    @Test func parsesWithDefaults() throws {
        let r = try Recipe.parse(Self.yaml)
        #expect(r.name == "test-image")
        #expect(r.kernel == "linux-image-amd64")
        #expect(r.architecture == "amd64")
        #expect(r.packages == ["openssh-server", "fio"])
        #expect(r.allPackages.first == "linux-image-amd64")
        #expect(r.diskSizeMiB == 2048)
        #expect(r.cmdline.contains("root=/dev/vda"))
    }

    @Test func theRepositoryRecipeParses() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let r = try Recipe.load(path: url.path + "/images/debian-bookworm.yaml")
        #expect(r.suite == "bookworm")
        #expect(r.packages.contains("openssh-server") && r.packages.contains("fio"))
        for m in ["virtio_pci", "virtio_blk", "virtiofs", "9p"] { #expect(r.initrdModules.contains(m)) }
        #expect(r.mountPoints.contains("/mnt/share"))
    }

    /// The trixie recipe (6.12 guest for the request-queue cells): trixie throughout, its
    /// renamed libaio, and the host's mirror for trixie (never a mirror in the repository).
    @Test func theTrixieRecipeParses() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let r = try Recipe.load(path: url.path + "/images/debian-trixie.yaml")
        #expect(r.name == "debian-trixie" && r.suite == "trixie")
        #expect(r.packages.contains("libaio1t64") && !r.packages.contains("libaio1"))
        #expect(!r.sources.isEmpty && r.sources.allSatisfy { $0.split(separator: " ")[2].hasPrefix("trixie") })
        let text = try String(contentsOfFile: url.path + "/images/debian-trixie.yaml", encoding: .utf8)
        #expect(!text.contains("http"), "a mirror host in the recipe")
    }

    /// A module the kernel has built in (modules.builtin) needs no file in the initrd; trixie's
    /// 6.12 builds in virtio_pci and virtiofs.
    @Test func initrdCheckAcceptsBuiltInModules() throws {
        let listing = """
            usr/lib/modules/6.12.57+deb13-amd64/kernel/drivers/block/virtio_blk.ko.xz
            usr/lib/modules/6.12.57+deb13-amd64/kernel/fs/ext4/ext4.ko.xz
            usr/lib/modules/6.12.57+deb13-amd64/kernel/fs/9p/9p.ko.xz
            """
        let builtin = "kernel/drivers/virtio/virtio_pci.ko\nkernel/fs/fuse/virtiofs.ko\n"
        try ImageBuilder.verifyInitrd(listing, builtin: builtin)
        #expect(throws: ImageError.self) { try ImageBuilder.verifyInitrd(listing, builtin: "kernel/fs/fuse/virtiofs.ko\n") }
    }

    @Test func errorsNameTheFileAndField() {
        do {
            _ = try Recipe.parse("suite: bookworm\n", file: "images/x.yaml")
            Issue.record("parsed a recipe without a name")
        } catch {
            #expect(error.code == .recipe)
            #expect(error.message.contains("images/x.yaml"))
            #expect(error.message.contains("name"))
        }
        #expect(throws: ImageError.self) { try Recipe.parse(Self.yaml.replacingOccurrences(of: "fio]", with: "fio; rm -rf /]")) }
        #expect(throws: ImageError.self) { try Recipe.parse(Self.yaml.replacingOccurrences(of: "2048", with: "100")) }
        #expect(throws: ImageError.self) { try Recipe.parse(Self.yaml.replacingOccurrences(of: "/mnt/share", with: "mnt")) }
    }
}

struct CacheKeyTests {
    let recipe: Recipe
    let versions = ["linux-image-amd64": "6.1.119-1", "openssh-server": "1:9.2p1-2+deb12u3", "fio": "3.33-3"]

    init() throws { recipe = try Recipe.parse(RecipeTests.yaml) }

    @Test func sameInputsSameKey() throws {
        #expect(CacheKey(recipe: recipe, versions: versions, publicKey: "k").hash
                == CacheKey(recipe: try Recipe.parse(RecipeTests.yaml), versions: versions, publicKey: "k").hash)
    }

    @Test func anyChangedInputChangesTheKey() throws {
        let base = CacheKey(recipe: recipe, versions: versions, publicKey: "k").hash
        var changed = recipe
        changed.packages.append("strace")
        #expect(CacheKey(recipe: changed, versions: versions, publicKey: "k").hash != base)
        var bumped = versions
        bumped["linux-image-amd64"] = "6.1.123-1"
        #expect(CacheKey(recipe: recipe, versions: bumped, publicKey: "k").hash != base)
        #expect(CacheKey(recipe: recipe, versions: versions, publicKey: "other").hash != base)
        #expect(base.count == 64)
    }

    @Test func canonicalFormIgnoresYAMLLayout() throws {
        let reordered = """
            packages:
              - openssh-server
              - fio
            mount_points: [/mnt/share]
            disk_size_mib: 2048
            initrd_modules: [virtio_blk]
            sources: ["deb http://deb.debian.org/debian bookworm main"]
            suite: bookworm
            name: test-image   # comment
            """
        #expect(try Recipe.parse(reordered).canonical() == recipe.canonical())
    }
}

struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(bytes: [UInt8](repeating: 0x61, count: 1_000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}

struct PackageResolverTests {
    @Test func parsesAptStanzas() {
        let text = """
            Package: fio
            Version: 3.33-3
            Depends: libc6

            Package: openssh-server
            Source: openssh
            Version: 1:9.2p1-2+deb12u3

            """
        #expect(PackageResolver.parseStanzas(text) == ["fio": "3.33-3", "openssh-server": "1:9.2p1-2+deb12u3"])
        #expect(PackageResolver.parseLines("a=1\nb=2:3-4\n") == ["a": "1", "b": "2:3-4"])
    }
}
