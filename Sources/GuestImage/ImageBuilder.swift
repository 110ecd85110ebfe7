import Foundation
import Glibc

/// Builds one image: mmdebstrap makes a root tarball from Debian's packages, libguestfs (C API)
/// makes the qcow2, fills it and configures the guest, and the kernel and initrd are extracted.
struct ImageBuilder {
    let recipe: Recipe
    let key: SSHKey
    let cacheKey: CacheKey
    let cache: String
    let log: @Sendable (String) -> Void

    func build(into finalDir: String) throws(ImageError) -> BuiltImage {
        let started = Date()
        try StraitPaths.ensure(cache + "/images")
        let work = "\(cache)/images/.build-\(cacheKey.hash.prefix(16))-\(getpid())"
        try? FileManager.default.removeItem(atPath: work)
        try StraitPaths.ensure(work)
        defer { try? FileManager.default.removeItem(atPath: work) }

        let tarball = work + "/root.tar"
        let t0 = Date()
        try bootstrap(work: work, tarball: tarball)
        log("image: mmdebstrap done in \(Self.seconds(since: t0)) s")
        let packages = PackageResolver.parseLines(try read(work + "/packages.txt"))
        try Self.verifyInitrd(try read(work + "/initrd.txt"), builtin: (try? read(work + "/builtin.txt")) ?? "")

        let accel = Accelerator.probe()
        log("image: libguestfs appliance accelerator: \(accel)")
        let t1 = Date()
        let kernelVersion = try makeDisk(work: work, tarball: tarball, forceTCG: accel.kind == .tcg)
        log("image: libguestfs disk done in \(Self.seconds(since: t1)) s")
        try? FileManager.default.removeItem(atPath: tarball)

        let image = BuiltImage(
            recipeName: recipe.name, hash: cacheKey.hash, directory: finalDir, kernelVersion: kernelVersion,
            cmdline: recipe.cmdline, buildSeconds: Date().timeIntervalSince(started),
            builtAt: ISO8601DateFormatter().string(from: Date()), accelerator: accel.description, packages: packages)
        try image.writeManifest(to: work)
        try? FileManager.default.removeItem(atPath: finalDir)
        do {
            try FileManager.default.moveItem(atPath: work, toPath: finalDir)
        } catch {
            throw ImageError(.io, "cannot move \(work) to \(finalDir)", cause: error)
        }
        return image
    }

    static func seconds(since date: Date) -> String { String(format: "%.0f", Date().timeIntervalSince(date)) }

    private func read(_ path: String) throws(ImageError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ImageError(.io, "cannot read \(path)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// mmdebstrap into a tarball. A setup hook installs an initramfs-tools configuration before the
    /// kernel package, so the initrd is built once, small (MODULES=list) and with the modules we need.
    private func bootstrap(work: String, tarball: String) throws(ImageError) {
        let initramfs = work + "/initramfs"
        try StraitPaths.ensure(initramfs)
        let fm = FileManager.default
        _ = fm.createFile(atPath: initramfs + "/strait.conf", contents: Data("MODULES=list\nCOMPRESS=zstd\n".utf8))
        let hook = """
            #!/bin/sh
            # Written by strait's image builder: the modules a direct-boot test VM needs.
            [ "$1" = prereqs ] && exit 0
            . /usr/share/initramfs-tools/hook-functions
            manual_add_modules \(recipe.initrdModules.joined(separator: " "))

            """
        _ = fm.createFile(atPath: initramfs + "/strait", contents: Data(hook.utf8), attributes: [.posixPermissions: 0o755])
        var args = ["--variant=essential", "--mode=root", "--architectures=\(recipe.architecture)",
                    "--include=\(recipe.allPackages.joined(separator: ","))"]
        args += recipe.excludes.map { "--dpkgopt=path-exclude=\($0)" }
        args += [
            "--setup-hook=mkdir -p \"$1/etc/initramfs-tools/conf.d\" \"$1/etc/initramfs-tools/hooks\"",
            "--setup-hook=copy-in \(initramfs)/strait.conf /etc/initramfs-tools/conf.d",
            "--setup-hook=copy-in \(initramfs)/strait /etc/initramfs-tools/hooks",
            "--customize-hook=chroot \"$1\" dpkg-query -W -f='${Package}=${Version}\\n' > \(work)/packages.txt",
            "--customize-hook=chroot \"$1\" sh -c 'lsinitramfs /boot/initrd.img-*' > \(work)/initrd.txt",
            // Built into the kernel needs no module in the initrd (trixie's 6.12 builds in virtio_pci and virtiofs).
            "--customize-hook=cat \"$1\"/lib/modules/*/modules.builtin > \(work)/builtin.txt || true",
            // An empty root password lets a human log in on the serial console when debugging.
            "--customize-hook=chroot \"$1\" passwd -d root",
            recipe.suite, tarball,
        ]
        args += recipe.sources
        let result = try HostCommand("mmdebstrap", args).run(timeout: 1800, logTo: work + "/mmdebstrap.log")
        guard result.succeeded else {
            let tail = (try? read(work + "/mmdebstrap.log")).map { String($0.suffix(3000)) } ?? ""
            throw ImageError(.bootstrap, "mmdebstrap failed (exit \(result.status)): \(tail)")
        }
    }

    /// The initrd must carry what mounts the root disk and the shares (else the guest never boots).
    static func verifyInitrd(_ listing: String, builtin: String) throws(ImageError) {
        let required = ["virtio_pci.ko", "virtio_blk.ko", "ext4.ko", "virtiofs.ko", "9p.ko"]
        // In the initrd (any compression suffix), or in modules.builtin (part of the kernel).
        let missing = required.filter { !listing.contains("/" + $0) && !builtin.contains("/" + $0) }
        guard missing.isEmpty else {
            throw ImageError(.verify, "initrd lacks \(missing.joined(separator: ", ")) (initrd_modules in the recipe)")
        }
    }

    /// Creates the qcow2, unpacks the tree, configures the guest, extracts kernel and initrd.
    /// Returns the kernel version.
    private func makeDisk(work: String, tarball: String, forceTCG: Bool) throws(ImageError) -> String {
        let disk = work + "/disk.qcow2"
        let g = try Guestfs(forceTCG: forceTCG)
        try g.createDisk(disk, format: "qcow2", sizeBytes: Int64(recipe.diskSizeMiB) << 20)
        try g.addDrive(disk, format: "qcow2")
        try g.launch()
        try g.mkfs("ext4", device: "/dev/sda", label: "strait-root")
        try g.mount("/dev/sda", at: "/")
        try g.tarIn(tarball, to: "/")
        try GuestConfig(recipe: recipe, publicKey: key.publicKey).apply(to: g)
        let kernelPath = Self.absolute(try g.readlink("/vmlinuz"))
        let initrdPath = Self.absolute(try g.readlink("/initrd.img"))
        try g.download(kernelPath, to: work + "/vmlinuz")
        try g.download(initrdPath, to: work + "/initrd.img")
        try g.shutdown()
        let name = kernelPath.split(separator: "/").last.map(String.init) ?? kernelPath
        return name.hasPrefix("vmlinuz-") ? String(name.dropFirst("vmlinuz-".count)) : name
    }

    static func absolute(_ link: String) -> String { link.hasPrefix("/") ? link : "/" + link }
}

extension PackageResolver {
    /// `name=version` lines (dpkg-query output) to a dictionary.
    static func parseLines(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }
}
