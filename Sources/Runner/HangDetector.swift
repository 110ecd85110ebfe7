import Foundation

/// Sees a share's daemon that is alive but stopped answering (a deadlock, SIGSTOP, a thread stuck
/// in a syscall), which `WorkloadWatch` alone does not: before it such a cell ended only at fio's
/// own timeout, minutes later. Fed a sample of the daemon's process tree at every watch check
/// (host /proc only: free), it decides from two signs:
/// - a process of the tree is stopped (state T, or t under a tracer) for `stoppedFor` seconds:
///   exact, seen on the host alone;
/// - the tree used no CPU time at all for `quietFor` seconds: then, and only then, the guest is
///   asked how many of its tasks wait on the share (`GuestWaiters`); tasks still waiting
///   `confirmAfter` seconds later with the CPU time still unchanged is a hang. The
///   guest read (one ssh command, ~1 s of guest CPU under TCG) happens at most once per
///   `quietFor` seconds of an idle daemon, never while it works.
/// A daemon that legitimately holds a request without using CPU for that long (a blocking lock
/// wait, a host disk stalled for 13 s) reads as hung: that is a daemon not answering too.
struct HangDetector: Sendable {
    /// What one watch check saw of the daemon's tree.
    struct Sample: Sendable, Equatable {
        /// utime+stime of the tree (reaped children included), seconds in clock ticks.
        var cpuSeconds: Double
        /// A stopped process of the tree and its state letter.
        var stoppedPID: Int32?
        var stoppedState: Character?
        /// Every process's state ("4711 S, 4712 D"), for the reason.
        var states: String

        init(cpuSeconds: Double, stopped: (pid: Int32, state: Character)? = nil, states: String = "") {
            self.cpuSeconds = cpuSeconds
            stoppedPID = stopped?.pid
            stoppedState = stopped?.state
            self.states = states
        }
    }

    static let stoppedFor = 1.0
    static let quietFor = 10.0
    static let confirmAfter = 3.0

    private var lastCPU: Double?
    private var quietSince = 0.0
    private var stopped: (pid: Int32, since: Double)?
    /// The first guest read that found requests waiting, during the current quiet stretch.
    private var waitingSeen: Double?

    /// The hang found at `now` (seconds, monotonic), as the reason's words, or nil. `guestWaiting`
    /// counts the guest's tasks waiting on the share (nil: unknown; never taken as a hang).
    mutating func observe(_ sample: Sample, at now: Double, guestWaiting: () -> Int?) -> String? {
        if let pid = sample.stoppedPID, let state = sample.stoppedState {
            if stopped?.pid != pid { stopped = (pid, now) }
            let held = now - (stopped?.since ?? now)
            if held >= Self.stoppedFor {
                let how = state == "t" ? "stopped by a tracer" : "stopped"
                return "process \(pid) is \(how) (state \(state)) for \(seconds(held)) s"
            }
        } else {
            stopped = nil
        }
        guard lastCPU == sample.cpuSeconds else {
            lastCPU = sample.cpuSeconds
            quietSince = now
            waitingSeen = nil
            return nil
        }
        guard now - quietSince >= Self.quietFor else { return nil }
        if let first = waitingSeen {
            guard now - first >= Self.confirmAfter else { return nil }
            if let waiting = guestWaiting(), waiting > 0 {
                return "\(waiting) guest task(s) waiting on the share and no CPU time used for \(seconds(now - quietSince)) s (states \(sample.states.isEmpty ? "unknown" : sample.states))"
            }
            // Answered after all (or the guest could not say): a new quiet stretch starts.
            waitingSeen = nil
            quietSince = now
            return nil
        }
        if let waiting = guestWaiting(), waiting > 0 {
            waitingSeen = now
        } else {
            quietSince = now  // idle with nothing asked of it: ask again after another quietFor
        }
        return nil
    }

    private func seconds(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// The guest's side of a share that may have stopped answering: how many guest tasks wait on it,
/// i.e. are in uninterruptible sleep (a page the daemon must fill) or asleep in a FUSE request's
/// wait (`request_wait_answer`, which waits interruptibly first: a task stuck there reads `S`,
/// as the frozen-daemon E2E found), another `fuse_`/`virtio_fs_` wait, a folio wait, or libaio's
/// `read_events`, while holding a file or their working directory on the share's mount. virtio-fs connections have no fusectl entry (the kernel mounts
/// them `no_control`), so the guest's request count itself cannot be read; these tasks are what
/// a stuck request looks like from outside. The probe reads /proc only (the fd links name paths
/// from the dcache): it never touches the share, which may hang. Run over SSH in the guest's shell.
enum GuestWaiters {
    /// `proc` is /proc except in the unit test, which runs the same shell on a made-up tree.
    static func command(mountPoint: String, proc: String = "/proc") -> String {
        "m=\(mountPoint); n=0; for t in \(proc)/[0-9]*/task/[0-9]*; do "
            + "read -r s < $t/stat 2>/dev/null || continue; s=${s##*) }; s=${s%% *}; w=; read -r w < $t/wchan 2>/dev/null; "
            + "case \"$s:$w\" in D:*|*:request_wait_answer|*:fuse_*|*:virtio_fs_*|*:read_events|*:folio_wait*) ;; *) continue;; esac; "
            + "for f in $t/cwd $t/fd/*; do l=$(readlink \"$f\" 2>/dev/null) || continue; "
            + "case \"$l\" in \"$m\"|\"$m\"/*) n=$((n+1)); break;; esac; done; done; echo \"waiters $n\""
    }

    /// The count from the probe's output (`waiters N`, its last such line); nil when the guest's
    /// answer is not exactly that shape.
    static func parse(_ output: String) -> Int? {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("waiters ") }) else { return nil }
        let text = line.dropFirst("waiters ".count).trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(text) else { return nil }
        return n
    }
}
