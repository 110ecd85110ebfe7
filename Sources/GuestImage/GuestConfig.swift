/// Namespace for image-wide constants the harness needs too.
public enum ImageMarkers {
    /// Printed on ttyS0 by strait-ready.service once sshd listens and the network is up.
    public static let readyMarker = "STRAIT-READY"
}

/// What the builder writes into the guest's tree: fstab, hostname, DHCP on every NIC through
/// systemd-networkd, the harness key for root, the share mount points, and a unit that prints
/// STRAIT-READY on the serial console once sshd listens (the harness still waits for SSH).
/// sshd is socket-activated (ssh.socket) so it listens from sockets.target on, instead of
/// starting after network.target: under TCG that is seconds off boot-to-SSH.
struct GuestConfig {
    let recipe: Recipe
    let publicKey: String

    static let readyMarker = ImageMarkers.readyMarker

    func apply(to g: Guestfs) throws(ImageError) {
        try g.write("/etc/fstab", "/dev/vda / ext4 rw,relatime 0 1\n")
        try g.write("/etc/hostname", recipe.hostname + "\n")
        try g.write("/etc/hosts", "127.0.0.1 localhost\n127.0.1.1 \(recipe.hostname)\n")
        try g.write("/etc/systemd/network/10-strait.network", """
            [Match]
            Name=e*

            [Network]
            DHCP=ipv4

            """)
        try g.mkdirP("/etc/systemd/system/multi-user.target.wants")
        try g.mkdirP("/etc/systemd/system/sockets.target.wants")
        try g.symlink(target: "/lib/systemd/system/systemd-networkd.service",
                      at: "/etc/systemd/system/multi-user.target.wants/systemd-networkd.service")
        try g.symlink(target: "/lib/systemd/system/systemd-networkd.socket",
                      at: "/etc/systemd/system/sockets.target.wants/systemd-networkd.socket")
        try g.mkdirP("/root/.ssh", mode: 0o700)
        try g.write("/root/.ssh/authorized_keys", publicKey + "\n", mode: 0o600)
        try g.removeIfPresent("/etc/systemd/system/multi-user.target.wants/ssh.service")
        try g.removeIfPresent("/etc/systemd/system/sshd.service")
        try g.symlink(target: "/lib/systemd/system/ssh.socket", at: "/etc/systemd/system/sockets.target.wants/ssh.socket")
        try g.mkdirP("/etc/systemd/journald.conf.d")
        try g.write("/etc/systemd/journald.conf.d/strait.conf", "[Journal]\nStorage=volatile\n")
        try g.mkdirP("/etc/ssh/sshd_config.d")
        try g.write("/etc/ssh/sshd_config.d/strait.conf", "PermitRootLogin prohibit-password\nUseDNS no\n")
        for mountPoint in recipe.mountPoints { try g.mkdirP(mountPoint) }
        try g.write("/etc/systemd/system/strait-ready.service", """
            [Unit]
            Description=Tell the Strait harness on the serial console that sshd is up
            After=ssh.socket systemd-networkd.service

            [Service]
            Type=oneshot
            ExecStart=/bin/sh -c 'echo \(Self.readyMarker) > /dev/ttyS0'

            [Install]
            WantedBy=multi-user.target

            """)
        try g.symlink(target: "/etc/systemd/system/strait-ready.service",
                      at: "/etc/systemd/system/multi-user.target.wants/strait-ready.service")
        for unit in recipe.maskUnits {
            try g.symlink(target: "/dev/null", at: "/etc/systemd/system/\(unit)")
        }
    }
}
