import Synchronization

/// Node id -> inode with the guest's lookup count, and (dev, ino, mount) -> node id so a host
/// inode reached by two names is one node. Node ids are never reused.
final class InodeTable: Sendable {
    static let rootNode: UInt64 = 1

    private struct Slot {
        let inode: Inode
        var lookups: UInt64
    }

    private struct State {
        var byNode = IDMap<Slot>()
        var byKey: [InodeKey: UInt64] = [:]
        var nextNode: UInt64 = 2
    }

    private let state = Mutex(State())

    init(root: Inode) {
        state.withLock { s in
            s.byNode[root.node] = Slot(inode: root, lookups: 1)
            s.byKey[root.key] = root.node
        }
    }

    func get(_ node: UInt64) -> Inode? {
        state.withLock { $0.byNode[node]?.inode }
    }

    /// Adds one lookup to the inode with `key` if known (and still the same file when it is
    /// kept as a handle), else makes a new inode with a fresh node id and a count of 1.
    func reference(key: InodeKey, handle: FileHandle?, make: (UInt64) -> Inode) -> Inode {
        state.withLock { s in
            if let node = s.byKey[key], var slot = s.byNode[node],
               slot.inode.handle == handle {
                slot.lookups &+= 1
                s.byNode[node] = slot
                return slot.inode
            }
            let node = s.nextNode
            s.nextNode += 1
            let inode = make(node)
            s.byNode[node] = Slot(inode: inode, lookups: 1)
            s.byKey[key] = node
            return inode
        }
    }

    /// Adds one lookup to the inode with `key` if one is known and pinned by a descriptor.
    func reference(existing key: InodeKey) -> Inode? {
        state.withLock { s in
            guard let node = s.byKey[key], var slot = s.byNode[node], slot.inode.fd != nil else { return nil }
            slot.lookups &+= 1
            s.byNode[node] = slot
            return slot.inode
        }
    }

    /// Adds one lookup to a known node (readdirplus of ".." and the like).
    func reference(node: UInt64) -> Inode? {
        state.withLock { s in
            guard var slot = s.byNode[node] else { return nil }
            slot.lookups &+= 1
            s.byNode[node] = slot
            return slot.inode
        }
    }

    /// Drops `count` lookups; at zero the node is gone (its fd closes once no request uses it).
    /// The root is never dropped. Unknown nodes are ignored: FORGET has no reply.
    func forget(_ node: UInt64, count: UInt64) {
        let dropped: Inode? = state.withLock { s in
            guard node != Self.rootNode, var slot = s.byNode[node] else { return nil }
            slot.lookups = count >= slot.lookups ? 0 : slot.lookups - count
            if slot.lookups > 0 {
                s.byNode[node] = slot
                return nil
            }
            s.byNode[node] = nil
            if s.byKey[slot.inode.key] == node { s.byKey[slot.inode.key] = nil }
            return slot.inode
        }
        _ = dropped  // released here, outside the lock: closing an fd can take a while
    }

    /// The guest's lookup count of a node (nil when unknown).
    func lookups(_ node: UInt64) -> UInt64? {
        state.withLock { $0.byNode[node]?.lookups }
    }

    var count: Int { state.withLock { $0.byNode.count } }
}
