import CShims
import Glibc
import Synchronization

/// What identifies a host inode: the same (dev, ino) on two mounts are two inodes for the guest.
struct InodeKey: Hashable, Sendable {
    var dev: UInt64
    var ino: UInt64
    var mountID: UInt64
}

/// A file handle from name_to_handle_at, kept instead of an O_PATH fd to save descriptors.
struct FileHandle: Sendable, Equatable {
    var type: Int32
    var bytes: [UInt8]
    var mountID: UInt64
}

/// One host inode the guest knows. Its identity is pinned by an O_PATH descriptor (or a file
/// handle), never by a path, so renames on the host cannot redirect it.
final class Inode: Sendable {
    let node: UInt64
    let key: InodeKey
    /// S_IFMT bits; an inode's type never changes while we hold it.
    let fileType: UInt32
    let fd: FileDescriptor?
    let handle: FileHandle?
    /// OFD-lock descriptors per FUSE lock owner: POSIX locks belong to an owner, not a handle.
    let lockFDs = Mutex<[UInt64: FileDescriptor]>([:])

    init(node: UInt64, key: InodeKey, fileType: UInt32, fd: FileDescriptor?, handle: FileHandle?) {
        self.node = node
        self.key = key
        self.fileType = fileType
        self.fd = fd
        self.handle = handle
    }

    var isDirectory: Bool { fileType == FileType.directory }
    var isRegular: Bool { fileType == FileType.regular }
    var isSymlink: Bool { fileType == FileType.symlink }
}

/// S_IFMT values (Glibc's and the kernel headers' macros collide in Swift).
enum FileType {
    static let mask: UInt32 = 0o170000
    static let directory: UInt32 = 0o040000
    static let regular: UInt32 = 0o100000
    static let symlink: UInt32 = 0o120000
}

/// The kernel's UIO_MAXIOV: the most buffers one preadv/pwritev takes.
let iovMax = 1024

/// Permission bits, for the same reason.
enum Mode {
    static let suid: UInt32 = 0o4000
    static let sgid: UInt32 = 0o2000
    static let rusr: UInt32 = 0o400
    static let wusr: UInt32 = 0o200
    static let xusr: UInt32 = 0o100
    static let rgrp: UInt32 = 0o40
    static let wgrp: UInt32 = 0o20
    static let xgrp: UInt32 = 0o10
    static let roth: UInt32 = 0o4
    static let woth: UInt32 = 0o2
    static let xoth: UInt32 = 0o1
}
