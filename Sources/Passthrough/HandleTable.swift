import Synchronization

/// An open file or directory the guest holds a handle to.
final class Handle: Sendable {
    let fd: FileDescriptor
    let inode: Inode
    let flags: Int32
    /// Serializes lseek + getdents64 on a directory handle: they share the file position.
    let directoryLock = Mutex<Void>(())

    init(fd: FileDescriptor, inode: Inode, flags: Int32) {
        self.fd = fd
        self.inode = inode
        self.flags = flags
    }
}

/// Handle id -> open descriptor. Ids are never reused, so a stale id cannot reach a new file.
final class HandleTable: Sendable {
    private struct State {
        var handles = IDMap<Handle>()
        var next: UInt64 = 1
    }

    private let state = Mutex(State())

    func insert(_ handle: Handle) -> UInt64 {
        state.withLock { s in
            let id = s.next
            s.next += 1
            s.handles[id] = handle
            return id
        }
    }

    func get(_ id: UInt64) -> Handle? {
        state.withLock { $0.handles[id] }
    }

    func remove(_ id: UInt64) -> Handle? {
        state.withLock { $0.handles.removeValue(forKey: id) }
    }

    var count: Int { state.withLock { $0.handles.count } }
}
