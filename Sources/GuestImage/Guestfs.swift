import CGuestfs
import Glibc

/// One libguestfs handle (one appliance). Not shared across threads; closed in deinit.
/// Every call checks libguestfs's return code and turns it into an ImageError with its message.
final class Guestfs {
    private let g: OpaquePointer

    /// `forceTCG` passes `force_tcg` to the direct backend: on hosts whose KVM hangs guests the
    /// appliance would otherwise pick KVM and never come up.
    init(forceTCG: Bool) throws(ImageError) {
        guard let handle = guestfs_create() else {
            throw ImageError(.guestfs, "guestfs_create failed")
        }
        g = handle
        try check(guestfs_set_backend(g, "direct"), "set_backend direct")
        if forceTCG {
            try withCStrings(["force_tcg"]) { list throws(ImageError) in
                try check(guestfs_set_backend_settings(g, list), "set_backend_settings force_tcg")
            }
        }
    }

    deinit { guestfs_close(g) }

    private func lastError() -> String {
        guestfs_last_error(g).map { String(cString: $0) } ?? "unknown libguestfs error"
    }

    private func check(_ rc: Int32, _ what: String) throws(ImageError) {
        guard rc != -1 else { throw ImageError(.guestfs, "\(what): \(lastError())") }
    }

    func createDisk(_ path: String, format: String, sizeBytes: Int64) throws(ImageError) {
        var args = guestfs_disk_create_argv()
        args.bitmask = 0
        try check(guestfs_disk_create_argv(g, path, format, sizeBytes, &args), "disk_create \(path)")
    }

    func addDrive(_ path: String, format: String) throws(ImageError) {
        let rc = format.withCString { fmt in
            var args = guestfs_add_drive_opts_argv()
            args.bitmask = OptBit.addDriveFormat
            args.format = fmt
            return guestfs_add_drive_opts_argv(g, path, &args)
        }
        try check(rc, "add_drive \(path)")
    }

    func launch() throws(ImageError) { try check(guestfs_launch(g), "launch") }

    func mkfs(_ type: String, device: String, label: String) throws(ImageError) {
        let rc = label.withCString { lbl in
            var args = guestfs_mkfs_opts_argv()
            args.bitmask = OptBit.mkfsLabel
            args.label = lbl
            return guestfs_mkfs_opts_argv(g, type, device, &args)
        }
        try check(rc, "mkfs \(type) \(device)")
    }

    func mount(_ device: String, at mountpoint: String) throws(ImageError) {
        try check(guestfs_mount(g, device, mountpoint), "mount \(device)")
    }

    /// Unpacks a host tarball into the guest, keeping xattrs and ACLs (file capabilities live there).
    func tarIn(_ tarball: String, to dir: String) throws(ImageError) {
        var args = guestfs_tar_in_opts_argv()
        args.bitmask = OptBit.tarInXattrs | OptBit.tarInAcls
        args.xattrs = 1
        args.acls = 1
        try check(guestfs_tar_in_opts_argv(g, tarball, dir, &args), "tar_in \(tarball)")
    }

    func write(_ path: String, _ content: String, mode: Int32 = 0o644) throws(ImageError) {
        let bytes = Array(content.utf8)
        let rc = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buf.count) { guestfs_write(g, path, $0, buf.count) }
            } ?? guestfs_write(g, path, "", 0)
        }
        try check(rc, "write \(path)")
        try check(guestfs_chmod(g, mode, path), "chmod \(path)")
    }

    func mkdirP(_ path: String, mode: Int32 = 0o755) throws(ImageError) {
        try check(guestfs_mkdir_p(g, path), "mkdir_p \(path)")
        try check(guestfs_chmod(g, mode, path), "chmod \(path)")
    }

    func symlink(target: String, at link: String) throws(ImageError) {
        try check(guestfs_ln_sf(g, target, link), "ln_sf \(link)")
    }

    func removeIfPresent(_ path: String) throws(ImageError) {
        try check(guestfs_rm_f(g, path), "rm_f \(path)")
    }

    func readlink(_ path: String) throws(ImageError) -> String {
        guard let text = guestfs_readlink(g, path) else { throw ImageError(.guestfs, "readlink \(path): \(lastError())") }
        defer { free(text) }
        return String(cString: text)
    }

    func download(_ remote: String, to local: String) throws(ImageError) {
        try check(guestfs_download(g, remote, local), "download \(remote)")
    }

    func shutdown() throws(ImageError) {
        try check(guestfs_umount_all(g), "umount_all")
        try check(guestfs_shutdown(g), "shutdown")
    }
}

/// Passes a NULL-terminated `char *const *` built from Swift strings, valid only inside `body`.
func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) throws(ImageError) -> T) throws(ImageError) -> T {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return try pointers.withUnsafeBufferPointer { buf throws(ImageError) in
        guard let base = buf.baseAddress else { throw ImageError(.guestfs, "empty string list") }
        return try body(base)
    }
}

/// guestfs.h's optional-argument bitmask macros (`UINT64_C(1)<<N`) do not import into Swift;
/// these mirror them (GUESTFS_ADD_DRIVE_OPTS_FORMAT = 1, GUESTFS_MKFS_OPTS_LABEL = 4,
/// GUESTFS_TAR_IN_OPTS_XATTRS = 1, GUESTFS_TAR_IN_OPTS_ACLS = 3).
enum OptBit {
    static let addDriveFormat = UInt64(1) << UInt64(GUESTFS_ADD_DRIVE_OPTS_FORMAT)
    static let mkfsLabel = UInt64(1) << UInt64(GUESTFS_MKFS_OPTS_LABEL)
    static let tarInXattrs = UInt64(1) << UInt64(GUESTFS_TAR_IN_OPTS_XATTRS)
    static let tarInAcls = UInt64(1) << UInt64(GUESTFS_TAR_IN_OPTS_ACLS)
}
