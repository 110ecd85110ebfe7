/// `--socket-group`'s name -> gid, from /etc/group. straitd is linked statically (its resident
/// memory, docs/benchmarks.md "Memory"), and a static glibc's getgrnam loads NSS modules built
/// against the shared libc: with `group: files systemd` it crashed on a name not in /etc/group.
/// So straitd reads the files database itself and takes a number as a gid (groups known only to
/// LDAP or systemd: pass their number).
public enum GroupFile {
    /// The gid of `group` (a name, or a decimal number) in `contents` (the text of /etc/group).
    public static func gid(of group: String, in contents: String) -> UInt32? {
        if let number = UInt32(group) { return number }
        for line in contents.split(separator: "\n") where !line.hasPrefix("#") {
            // name:password:gid:members
            let fields = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            if fields.count >= 3, fields[0] == group, let gid = UInt32(fields[2]) { return gid }
        }
        return nil
    }
}
