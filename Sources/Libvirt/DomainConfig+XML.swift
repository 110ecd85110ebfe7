import Posix

/// Rendering to libvirt 9.0 domain XML. Values are escaped; structure is fixed.
extension DomainConfig {
    public func xml() throws(LibvirtError) -> String {
        try validate()
        var x = XMLText()
        x.open("domain", ["type": accelerator.rawValue, "xmlns:qemu": "http://libvirt.org/schemas/domain/qemu/1.0"])
        x.leaf("name", text: name)
        x.leaf("memory", ["unit": "MiB"], text: String(memoryMiB))
        x.leaf("vcpu", text: String(vcpus))
        // virtio-fs needs guest RAM that the daemon can map: a shared, file-backed region.
        x.open("memoryBacking")
        x.leaf("source", ["type": "file"])
        x.leaf("access", ["mode": "shared"])
        x.close("memoryBacking")
        x.open("os")
        x.leaf("type", ["arch": "x86_64", "machine": "q35"], text: "hvm")
        x.leaf("kernel", text: kernel)
        if let initrd { x.leaf("initrd", text: initrd) }
        x.leaf("cmdline", text: cmdline)
        x.close("os")
        x.open("features")
        x.leaf("acpi")
        x.close("features")
        if accelerator == .kvm {
            x.leaf("cpu", ["mode": "host-passthrough"])
        }
        x.leaf("on_poweroff", text: "destroy")
        x.leaf("on_reboot", text: restartOnReboot ? "restart" : "destroy")
        x.leaf("on_crash", text: "destroy")
        x.open("devices")
        if let emulator { x.leaf("emulator", text: emulator) }
        x.open("disk", ["type": "file", "device": "disk"])
        x.leaf("driver", ["name": "qemu", "type": diskFormat])
        x.leaf("source", ["file": disk])
        x.leaf("target", ["dev": "vda", "bus": "virtio"])
        x.close("disk")
        for fs in filesystems { renderFilesystem(fs, into: &x) }
        x.open("serial", ["type": "file"])
        x.leaf("source", ["path": consoleLog])
        x.leaf("target", ["port": "0"])
        x.close("serial")
        x.open("console", ["type": "file"])
        x.leaf("source", ["path": consoleLog])
        x.leaf("target", ["type": "serial", "port": "0"])
        x.close("console")
        x.leaf("memballoon", ["model": "none"])
        x.close("devices")
        if runAsRoot {
            x.open("seclabel", ["type": "static", "model": "dac", "relabel": "no"])
            x.leaf("label", text: "+0:+0")
            x.close("seclabel")
        }
        var passthrough: [String] = []
        if let sshPort {
            // libvirt 9.0 has <portForward> only for the passt backend, which Debian bookworm's
            // libvirt cannot rely on; QEMU's own user-mode network with hostfwd is always there.
            // The NIC gets a fixed slot on pcie.0 that libvirt never assigns (it fills root ports
            // from slot 1 up), else QEMU's auto-placement collides with libvirt's root ports.
            passthrough += ["-netdev", "user,id=straitnet,hostfwd=tcp:127.0.0.1:\(sshPort)-:22",
                            "-device", "virtio-net-pci,netdev=straitnet,bus=pcie.0,addr=0x1e"]
        }
        // DAX and multi-queue shares: slots 0x1d downwards on pcie.0, likewise never assigned by libvirt.
        for (i, fs) in passthroughShares.enumerated() {
            let slot = "bus=pcie.0,addr=0x\(String(0x1d - i, radix: 16))"
            switch fs.backend {
            case let .virtiofsDaxSocket(socket):
                passthrough += ["-chardev", "socket,id=straitdax\(i),path=\(socket)",
                                "-device", "vhost-user-test-device-pci,chardev=straitdax\(i),virtio-id=26,num_vqs=2,config_size=40," + slot]
            case let .virtiofsQueuesSocket(socket, queueSize, requestQueues):
                passthrough += ["-chardev", "socket,id=straitfs\(i),path=\(socket)",
                                "-device", "vhost-user-fs-pci,chardev=straitfs\(i),tag=\(fs.tag),queue-size=\(queueSize),"
                                    + "num-request-queues=\(requestQueues)," + slot]
            default:
                break
            }
        }
        if !passthrough.isEmpty {
            x.open("qemu:commandline")
            for arg in passthrough { x.leaf("qemu:arg", ["value": arg]) }
            x.close("qemu:commandline")
        }
        x.close("domain")
        return x.text
    }

    /// Shares that libvirt 9.0 cannot express, in `<qemu:commandline>` order.
    var passthroughShares: [Filesystem] {
        filesystems.filter {
            switch $0.backend {
            case .virtiofsDaxSocket, .virtiofsQueuesSocket: true
            default: false
            }
        }
    }

    /// The sockets of the DAX shares, in order (their tags come from the daemons' config space).
    var daxSockets: [String] {
        filesystems.compactMap { fs -> String? in
            if case let .virtiofsDaxSocket(socket) = fs.backend { return socket }
            return nil
        }
    }

    private func renderFilesystem(_ fs: Filesystem, into x: inout XMLText) {
        switch fs.backend {
        case .virtiofsDaxSocket, .virtiofsQueuesSocket:
            return  // in <qemu:commandline>
        case let .virtiofsSocket(socket, queueSize):
            x.open("filesystem", ["type": "mount"])
            x.leaf("driver", ["type": "virtiofs", "queue": String(queueSize)])
            x.leaf("source", ["socket": socket])
            x.leaf("target", ["dir": fs.tag])
            x.close("filesystem")
        case let .virtiofsBinary(binary, source, cache, xattr, queueSize):
            x.open("filesystem", ["type": "mount", "accessmode": "passthrough"])
            x.leaf("driver", ["type": "virtiofs", "queue": String(queueSize)])
            x.open("binary", ["path": binary, "xattr": xattr ? "on" : "off"])
            // libvirt 9.0's schema knows cache modes none and always only; auto is the daemon's
            // default, so it is expressed by leaving <cache> out.
            if let cache, cache != "auto" { x.leaf("cache", ["mode": cache]) }
            x.close("binary")
            x.leaf("source", ["dir": source])
            x.leaf("target", ["dir": fs.tag])
            x.close("filesystem")
        case let .ninep(source, accessMode, readOnly):
            x.open("filesystem", ["type": "mount", "accessmode": accessMode])
            x.leaf("driver", ["type": "path"])
            x.leaf("source", ["dir": source])
            x.leaf("target", ["dir": fs.tag])
            if readOnly { x.leaf("readonly") }
            x.close("filesystem")
        }
    }

    /// Refuses configurations libvirt would accept but that cannot work (or would collide).
    public func validate() throws(LibvirtError) {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw LibvirtError(.invalidConfig, "domain name '\(name)' must be [A-Za-z0-9._-]+")
        }
        guard vcpus >= 1, memoryMiB >= 128 else {
            throw LibvirtError(.invalidConfig, "need at least 1 vCPU and 128 MiB, got \(vcpus) and \(memoryMiB)")
        }
        if let sshPort, !(1...65535).contains(sshPort) {
            throw LibvirtError(.invalidConfig, "ssh port \(sshPort) out of range")
        }
        guard passthroughShares.count <= 8 else {
            throw LibvirtError(.invalidConfig, "at most 8 DAX or multi-queue shares per VM, got \(passthroughShares.count)")
        }
        for fs in passthroughShares {
            let socket: String
            switch fs.backend {
            case let .virtiofsDaxSocket(s): socket = s
            case let .virtiofsQueuesSocket(s, _, queues):
                socket = s
                guard (1...64).contains(queues) else {
                    throw LibvirtError(.invalidConfig, "num-request-queues \(queues) is out of range (1-64)")
                }
                guard !fs.tag.contains(",") && !fs.tag.isEmpty else {
                    throw LibvirtError(.invalidConfig, "virtio-fs tag '\(fs.tag)' cannot go on QEMU's -device line")
                }
            default: continue
            }
            if socket.contains(",") {
                throw LibvirtError(.invalidConfig, "socket path '\(socket)' has a comma, which QEMU's -chardev cannot take")
            }
        }
        let tags = filesystems.map(\.tag)
        guard Set(tags).count == tags.count else {
            throw LibvirtError(.invalidConfig, "duplicate filesystem tags in \(tags)")
        }
        for cache in filesystems.compactMap({ fs -> String? in
            if case let .virtiofsBinary(_, _, cache, _, _) = fs.backend { return cache }
            return nil
        }) where !["none", "auto", "always"].contains(cache) {
            // none/always go to libvirt, auto is the default (virtiofsd's `never`/`metadata` are newer).
            throw LibvirtError(.invalidConfig, "virtiofs cache mode '\(cache)' is not one libvirt 9.0 accepts")
        }
    }
}

/// A tiny indenting XML writer with attribute and text escaping. Attribute order is sorted so
/// rendering is deterministic (tests compare whole documents).
struct XMLText {
    private(set) var text = ""
    private var depth = 0

    private func attributes(_ attrs: [String: String]) -> String {
        attrs.sorted { $0.key < $1.key }.map { " \($0.key)=\"\(XMLEscape.text($0.value))\"" }.joined()
    }

    private var indent: String { String(repeating: "  ", count: depth) }

    mutating func open(_ tag: String, _ attrs: [String: String] = [:]) {
        text += "\(indent)<\(tag)\(attributes(attrs))>\n"
        depth += 1
    }

    mutating func close(_ tag: String) {
        depth -= 1
        text += "\(indent)</\(tag)>\n"
    }

    mutating func leaf(_ tag: String, _ attrs: [String: String] = [:], text value: String? = nil) {
        if let value {
            text += "\(indent)<\(tag)\(attributes(attrs))>\(XMLEscape.text(value))</\(tag)>\n"
        } else {
            text += "\(indent)<\(tag)\(attributes(attrs))/>\n"
        }
    }
}
