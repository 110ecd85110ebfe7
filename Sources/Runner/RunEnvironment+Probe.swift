import Foundation
import GuestImage
import Libvirt
import Results

extension RunEnvironment {
    /// The environment a run records: accelerator with its reason, QEMU and libvirt versions,
    /// the guest kernel and image hash, the host, and the straitd commit and build of the variant.
    /// `vmm` is the QEMU the run's VMs use when it is not libvirt's default (the DAX QEMU): a
    /// DAX run's header said libvirt's QEMU 7.2 while every VM ran 11.1, and `strait merge`
    /// compared that.
    static func probe(image: BuiltImage, accelerator: Accelerator, connection: Connection,
                      variant: Variant, vmm: String? = nil) -> RunEnvironment {
        let versions = try? connection.versions()
        return RunEnvironment(
            straitdSHA: variant.straitdSHA, straitdBuild: variant.straitdBuild, imageHash: image.hash, guestKernel: image.kernelVersion,
            qemuVersion: vmm ?? versions?.hypervisor, libvirtVersion: versions?.libvirt,
            accelerator: accelerator.kind.rawValue, acceleratorReason: accelerator.reason, host: .current(),
            stepIsolation: HostFlush.isolation)
    }
}
