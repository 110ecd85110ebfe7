import Foundation
import FoundationXML
import Libvirt
import Testing

struct DomainConfigXMLTests {
    func base() -> DomainConfig {
        var c = DomainConfig(name: "strait-20261122-040512-3fa9-vm0", kernel: "/img/vmlinuz", initrd: "/img/initrd.img",
                             disk: "/tmp/run/vm0.qcow2", consoleLog: "/tmp/run/console.log")
        c.sshPort = 2222
        return c
    }

    /// The XML parses and has exactly one element matching `xpath`, whose attributes are returned.
    func element(_ xml: String, _ xpath: String) throws -> XMLElement {
        let doc = try XMLDocument(xmlString: xml)
        let nodes = try doc.nodes(forXPath: xpath)
        try #require(nodes.count == 1, "\(xpath) matched \(nodes.count) nodes in\n\(xml)")
        return try #require(nodes.first as? XMLElement)
    }

    @Test func rendersSharedFileMemoryAndDirectKernelBoot() throws {
        let xml = try base().xml()
        #expect(try element(xml, "/domain").attribute(forName: "type")?.stringValue == "qemu")
        #expect(try element(xml, "/domain/memoryBacking/source").attribute(forName: "type")?.stringValue == "file")
        #expect(try element(xml, "/domain/memoryBacking/access").attribute(forName: "mode")?.stringValue == "shared")
        #expect(try element(xml, "/domain/os/kernel").stringValue == "/img/vmlinuz")
        #expect(try element(xml, "/domain/os/initrd").stringValue == "/img/initrd.img")
        #expect(try element(xml, "/domain/os/cmdline").stringValue == "root=/dev/vda rw console=ttyS0")
        #expect(try element(xml, "/domain/devices/disk/source").attribute(forName: "file")?.stringValue == "/tmp/run/vm0.qcow2")
        #expect(try element(xml, "/domain/devices/disk/driver").attribute(forName: "type")?.stringValue == "qcow2")
        #expect(try element(xml, "/domain/devices/serial/source").attribute(forName: "path")?.stringValue == "/tmp/run/console.log")
        #expect(try element(xml, "/domain/memory").stringValue == "1024")
    }

    @Test func forwardsSSHOnLoopbackOnly() throws {
        let xml = try base().xml()
        let doc = try XMLDocument(xmlString: xml)
        let args = try doc.nodes(forXPath: "/domain/*[local-name()='commandline']/*[local-name()='arg']")
            .compactMap { ($0 as? XMLElement)?.attribute(forName: "value")?.stringValue }
        #expect(args.contains("user,id=straitnet,hostfwd=tcp:127.0.0.1:2222-:22"))
        #expect(args.contains { $0.hasPrefix("virtio-net-pci,netdev=straitnet") })
        var noNet = base()
        noNet.sshPort = nil
        #expect(!(try noNet.xml()).contains("hostfwd"))
    }

    /// A DAX share: QEMU 11.1's generic vhost-user device through <qemu:commandline>, the
    /// emulator as given, no <filesystem> element (libvirt 9.0 has none for it).
    @Test func daxSharesGoThroughTheGenericDevice() throws {
        var c = base()
        c.emulator = "/opt/strait-qemu-11/bin/qemu-system-x86_64"
        c.filesystems = [
            Filesystem(.virtiofsDaxSocket(socket: "/tmp/run/d0.sock"), tag: "fs0"),
            Filesystem(.virtiofsSocket(socket: "/tmp/run/a.sock", queueSize: 1024), tag: "share"),
            Filesystem(.virtiofsDaxSocket(socket: "/tmp/run/d1.sock"), tag: "fs1"),
        ]
        let xml = try c.xml()
        #expect(try element(xml, "/domain/devices/emulator").stringValue == "/opt/strait-qemu-11/bin/qemu-system-x86_64")
        let doc = try XMLDocument(xmlString: xml)
        #expect(try doc.nodes(forXPath: "/domain/devices/filesystem").count == 1)
        let args = try doc.nodes(forXPath: "/domain/*[local-name()='commandline']/*[local-name()='arg']")
            .compactMap { ($0 as? XMLElement)?.attribute(forName: "value")?.stringValue }
        #expect(args.contains("socket,id=straitdax0,path=/tmp/run/d0.sock"))
        #expect(args.contains("vhost-user-test-device-pci,chardev=straitdax0,virtio-id=26,num_vqs=2,config_size=40,bus=pcie.0,addr=0x1d"))
        #expect(args.contains("vhost-user-test-device-pci,chardev=straitdax1,virtio-id=26,num_vqs=2,config_size=40,bus=pcie.0,addr=0x1c"))
        var comma = base()
        comma.filesystems = [Filesystem(.virtiofsDaxSocket(socket: "/tmp/a,b.sock"), tag: "x")]
        #expect(throws: LibvirtError.self) { try comma.xml() }
    }

    /// A share with N request queues: vhost-user-fs-pci with num-request-queues through
    /// <qemu:commandline> (libvirt 9.0 has no attribute), sharing the DAX shares' slots.
    @Test func multiQueueSharesGoThroughTheCommandLine() throws {
        var c = base()
        c.filesystems = [
            Filesystem(.virtiofsDaxSocket(socket: "/tmp/run/d0.sock"), tag: "fs0"),
            Filesystem(.virtiofsQueuesSocket(socket: "/tmp/run/q.sock", queueSize: 1024, requestQueues: 4), tag: "fs1"),
            Filesystem(.virtiofsSocket(socket: "/tmp/run/a.sock", queueSize: 1024), tag: "share"),
        ]
        let doc = try XMLDocument(xmlString: try c.xml())
        #expect(try doc.nodes(forXPath: "/domain/devices/filesystem").count == 1)
        let args = try doc.nodes(forXPath: "/domain/*[local-name()='commandline']/*[local-name()='arg']")
            .compactMap { ($0 as? XMLElement)?.attribute(forName: "value")?.stringValue }
        #expect(args.contains("socket,id=straitfs1,path=/tmp/run/q.sock"))
        #expect(args.contains("vhost-user-fs-pci,chardev=straitfs1,tag=fs1,queue-size=1024,num-request-queues=4,bus=pcie.0,addr=0x1c"))
        var bad = base()
        bad.filesystems = [Filesystem(.virtiofsQueuesSocket(socket: "/tmp/q.sock", queueSize: 1024, requestQueues: 0), tag: "x")]
        #expect(throws: LibvirtError.self) { try bad.xml() }
        bad.filesystems = [Filesystem(.virtiofsQueuesSocket(socket: "/tmp/q.sock", queueSize: 1024, requestQueues: 2), tag: "a,b")]
        #expect(throws: LibvirtError.self) { try bad.xml() }
    }

    @Test func rendersEachFilesystemVariant() throws {
        var c = base()
        c.filesystems = [
            Filesystem(.virtiofsSocket(socket: "/tmp/run/a.sock", queueSize: 1024), tag: "share"),
            Filesystem(.virtiofsBinary(binary: "/usr/lib/qemu/virtiofsd", source: "/srv/b", cache: "none", xattr: true, queueSize: 512), tag: "b"),
            Filesystem(.ninep(source: "/srv/c", accessMode: "mapped", readOnly: true), tag: "c"),
        ]
        let xml = try c.xml()
        let sock = try element(xml, "/domain/devices/filesystem[target/@dir='share']")
        #expect(sock.attribute(forName: "type")?.stringValue == "mount")
        #expect(try element(xml, "/domain/devices/filesystem[target/@dir='share']/driver").attribute(forName: "type")?.stringValue == "virtiofs")
        #expect(try element(xml, "/domain/devices/filesystem[target/@dir='share']/driver").attribute(forName: "queue")?.stringValue == "1024")
        #expect(try element(xml, "/domain/devices/filesystem[target/@dir='share']/source").attribute(forName: "socket")?.stringValue == "/tmp/run/a.sock")
        #expect(try element(xml, "/domain/devices/filesystem[target/@dir='b']").attribute(forName: "accessmode")?.stringValue == "passthrough")
        #expect(try element(xml, "/domain/devices/filesystem[target/@dir='b']/binary").attribute(forName: "path")?.stringValue == "/usr/lib/qemu/virtiofsd")
        #expect(try element(xml, "/domain/devices/filesystem[target/@dir='b']/binary").attribute(forName: "xattr")?.stringValue == "on")
        #expect(try element(xml, "/domain/devices/filesystem[target/@dir='b']/binary/cache").attribute(forName: "mode")?.stringValue == "none")
        #expect(try element(xml, "/domain/devices/filesystem[target/@dir='b']/source").attribute(forName: "dir")?.stringValue == "/srv/b")
        #expect(try element(xml, "/domain/devices/filesystem[target/@dir='c']").attribute(forName: "accessmode")?.stringValue == "mapped")
        #expect(try element(xml, "/domain/devices/filesystem[target/@dir='c']/driver").attribute(forName: "type")?.stringValue == "path")
        _ = try element(xml, "/domain/devices/filesystem[target/@dir='c']/readonly")
    }

    @Test func autoCacheIsTheDaemonDefaultAndNotRendered() throws {
        var c = base()
        c.filesystems = [Filesystem(.virtiofsBinary(binary: "/x", source: "/s", cache: "auto", xattr: false, queueSize: 1024), tag: "t")]
        let xml = try c.xml()
        #expect(!xml.contains("<cache"))
        #expect(try element(xml, "/domain/devices/filesystem/binary").attribute(forName: "xattr")?.stringValue == "off")
    }

    @Test func escapesValues() throws {
        var c = base()
        c.cmdline = "root=/dev/vda quiet msg=\"a<b&c>'d\""
        let xml = try c.xml()
        #expect(!xml.contains("a<b"))
        #expect(try element(xml, "/domain/os/cmdline").stringValue == "root=/dev/vda quiet msg=\"a<b&c>'d\"")
    }

    @Test func kvmGetsHostCPUAndRootSeclabelIsExplicit() throws {
        var c = base()
        c.accelerator = .kvm
        let xml = try c.xml()
        #expect(try element(xml, "/domain").attribute(forName: "type")?.stringValue == "kvm")
        #expect(try element(xml, "/domain/cpu").attribute(forName: "mode")?.stringValue == "host-passthrough")
        #expect(try element(xml, "/domain/seclabel/label").stringValue == "+0:+0")
        c.runAsRoot = false
        #expect(!(try c.xml()).contains("seclabel"))
    }

    @Test func rejectsInvalidConfigurations() {
        var bad = base()
        bad.name = "has space"
        #expect(throws: LibvirtError.self) { try bad.xml() }
        var dup = base()
        dup.filesystems = [Filesystem(.virtiofsSocket(socket: "/a", queueSize: 1024), tag: "t"),
                           Filesystem(.virtiofsSocket(socket: "/b", queueSize: 1024), tag: "t")]
        #expect(throws: LibvirtError.self) { try dup.xml() }
        var cache = base()
        cache.filesystems = [Filesystem(.virtiofsBinary(binary: "/x", source: "/s", cache: "metadata", xattr: false, queueSize: 1024), tag: "t")]
        #expect(throws: LibvirtError.self) { try cache.xml() }
        var port = base()
        port.sshPort = 70000
        #expect(throws: LibvirtError.self) { try port.xml() }
    }

    @Test func renderingIsDeterministic() throws {
        #expect(try base().xml() == base().xml())
    }
}
