import FUSE
import Glibc

extension FuseClient {
    /// One thread per queue: harvest the used ring, hand replies to their completions, sleep on
    /// the call eventfd (or spin) when nothing is there.
    func completionLoop(_ queue: DriverQueue) {
        let polling = frontend.configuration.pollUsedRings
        let batched = frontend.configuration.driverStyle == .linux
        while !isStopping {
            let done: [DriverQueue.Completion]
            // Linux style: interrupts stay off while the loop finds work (used_event is not
            // re-armed), and are re-enabled only before sleeping (virtio_fs's done work).
            do { done = try queue.harvest(rearm: !batched) } catch {
                failAll(queue: queue.index, error)
                return
            }
            if batched && !done.isEmpty {
                // What these completions submit to this queue (the refills) goes out with one
                // kick decision; submissions to other queues decide on their own.
                queue.beginBatch()
                for c in done { complete(queue: queue.index, c) }
                do { try queue.endBatch() } catch {
                    failAll(queue: queue.index, error)
                    return
                }
            } else {
                for c in done { complete(queue: queue.index, c) }
            }
            if !done.isEmpty || queue.hasPending { continue }
            if batched && queue.enableInterrupts() { continue }
            if polling { sched_yield() } else { queue.waitForCall(timeoutMs: 20) }
        }
    }

    var isStopping: Bool { stoppingFlag }

    private func complete(queue: Int, _ c: DriverQueue.Completion) {
        guard let item = pending[queue].withLock({ $0.removeValue(forKey: c.token) }) else { return }
        defer { free(item) }
        guard let reply = item.reply else {
            // FORGET and friends: nothing comes back but the chain.
            item.completion(.success(ReplyView(error: 0, unique: c.token, body: UnsafeRawBufferPointer(start: nil, count: 0), written: c.written)))
            return
        }
        let result: Result<ReplyView, DriverError>
        do {
            let total = FuseOutHeader.size + item.replyCapacity
            let p = try memory.pointer(gpa: reply.gpa, length: total)
            let headerBytes = [UInt8](UnsafeRawBufferPointer(start: p, count: FuseOutHeader.size))
            let header = try FuseOutHeader(bytes: headerBytes)
            guard c.written >= UInt32(FuseOutHeader.size) else {
                throw DriverError(.protocolViolation, "reply to opcode \(item.opcode) wrote \(c.written) bytes, less than an out header")
            }
            guard header.unique == c.token else {
                throw DriverError(.protocolViolation, "reply unique \(header.unique) for request \(c.token)")
            }
            guard header.len >= UInt32(FuseOutHeader.size), header.len <= UInt32(total) else {
                throw DriverError(.protocolViolation, "reply len \(header.len) outside 16...\(total) for opcode \(item.opcode)")
            }
            let bodyCount = Int(header.len) - FuseOutHeader.size
            result = .success(ReplyView(error: header.error, unique: header.unique,
                                        body: UnsafeRawBufferPointer(start: p + FuseOutHeader.size, count: bodyCount),
                                        written: c.written))
        } catch let e as DriverError {
            result = .failure(e)
        } catch {
            result = .failure(DriverError(.protocolViolation, "undecodable reply", cause: error))
        }
        item.completion(result)
    }

    private func failAll(queue: Int, _ error: DriverError) {
        let left = pending[queue].withLock { d in defer { d = [:] }; return Array(d.values) }
        for item in left {
            item.completion(.failure(error))
            free(item)
        }
    }
}
