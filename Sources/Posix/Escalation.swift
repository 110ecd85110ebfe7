import Glibc

/// SIGTERM, a grace period, SIGKILL, a bounded wait: the one way processes are ended, for a
/// child of ours (`Subprocess.stop`, which reaps it) and for strays that are not (the sweeper's
/// leftovers of dead runs, re-parented to init). The caller says how to signal and how to tell
/// that they are gone; this owns the order and the clock, so no ending waits forever.
public enum Escalation {
    public enum Outcome: Sendable, Equatable {
        /// Gone within the grace (on SIGTERM or on their own).
        case ended
        /// Gone after SIGKILL.
        case killed
        /// Still there after SIGKILL and `killWait` (frozen, or blocked in the kernel).
        case survived
    }

    /// Sends `terminate`, waits up to `grace` seconds for `alive` to turn false, then `kill` and up
    /// to `killWait` seconds more.
    public static func end(grace: Double, killWait: Double, alive: () -> Bool,
                           terminate: () -> Void, kill: () -> Void) -> Outcome {
        terminate()
        let deadline = monotonicSeconds() + grace
        while alive() && monotonicSeconds() < deadline { usleep(5_000) }
        guard alive() else { return .ended }
        kill()
        let killDeadline = monotonicSeconds() + killWait
        while alive() && monotonicSeconds() < killDeadline { usleep(5_000) }
        return alive() ? .survived : .killed
    }
}
