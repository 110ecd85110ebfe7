/// A dictionary keyed by the daemon's own sequence numbers (node ids, handle ids), hashed by one
/// multiplication instead of SipHash: the hashing was ~200 instructions of every READ and WRITE
/// (handle lookup) and GETATTR (node lookup). The keys stored are always the daemon's, handed
/// out in sequence, never chosen by the guest, so there is no collision flooding to defend
/// against; an id a guest makes up only misses.
struct IDMap<Value> {
    private var storage: [Key: Value] = [:]

    subscript(id: UInt64) -> Value? {
        get { storage[Key(raw: id)] }
        set { storage[Key(raw: id)] = newValue }
    }

    @discardableResult
    mutating func removeValue(forKey id: UInt64) -> Value? { storage.removeValue(forKey: Key(raw: id)) }

    var count: Int { storage.count }

    private struct Key: Hashable {
        let raw: UInt64

        func hash(into hasher: inout Hasher) { hasher.combine(raw) }

        /// Fibonacci hashing mixed with the table's seed; the table takes the low bits, which
        /// for sequential ids times an odd constant are all distinct.
        func _rawHashValue(seed: Int) -> Int {
            Int(truncatingIfNeeded: (raw ^ UInt64(UInt(bitPattern: seed))) &* 0x9E37_79B9_7F4A_7C15)
        }
    }
}
