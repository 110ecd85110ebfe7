import DaemonLaunch
import Testing

struct DaemonCommandTests {
    @Test func placeholdersExpandEverywhere() {
        let argv = DaemonKind.virtiofsdC.command(binary: DaemonKind.cVirtiofsdPath)
            .expanded(socket: "/r/s.sock", dir: "/r/share", cache: "none")
        #expect(argv == [DaemonKind.cVirtiofsdPath, "--socket-path=/r/s.sock", "-o", "source=/r/share,cache=none,xattr"])
        let custom = DaemonCommandLine(name: "x", arguments: ["/bin/d", "--shared-dir", "{dir}", "--cache={cache}", "{socket}"])
        #expect(custom.expanded(socket: "S", dir: "D", cache: "C") == ["/bin/d", "--shared-dir", "D", "--cache=C", "S"])
        #expect(DaemonCommandLine(name: "y", arguments: ["{dir}{dir}/{socket}x"]).expanded(socket: "s", dir: "d") == ["dd/sx"])
    }

    @Test func oneTemplatePerKind() {
        let rust = DaemonKind.virtiofsdRust.command(binary: "/r", extra: ["--x"])
        #expect(rust.name == "virtiofsd-rust")
        #expect(rust.expanded(socket: "s", dir: "d", cache: DaemonKind.virtiofsdRust.cacheArgument("none"))
            == ["/r", "--socket-path=s", "--shared-dir=d", "--cache=never", "--xattr", "--x"])
        #expect(DaemonKind.straitd.command(binary: "/s").arguments == ["/s", "--socket-path={socket}", "-o", "source={dir},cache={cache},xattr"])
        #expect(DaemonKind.straitd.cacheArgument("none") == "none")
    }

    @Test("daemon specs split like a shell and fill placeholders")
    func daemonSpec() throws {
        let c = try DaemonCommandLine(spec: "c=/usr/bin/virtiofsd --socket-path={socket} -o 'source={dir},cache=auto' \"a b\"")
        #expect(c.name == "c")
        #expect(c.expanded(socket: "/s", dir: "/d") == ["/usr/bin/virtiofsd", "--socket-path=/s", "-o", "source=/d,cache=auto", "a b"])
        #expect(try DaemonCommandLine(spec: "host").isHost)
        #expect(throws: DaemonCommandLineError.self) { try DaemonCommandLine(spec: "nocommand") }
        #expect(throws: DaemonCommandLineError.self) { try DaemonCommandLine(spec: "x=a 'unterminated") }
    }
}
