import Foundation

/// Waits, after boot, until a guest is quiet enough to measure. Under TCG a freshly booted
/// guest keeps its vCPUs busy for a while (systemd's last units, timers that catch up), and
/// whatever is measured first pays for it: in session 7's libaio run the first job after boot
/// ran at 0.6-0.7x of the same job one repetition later, for whichever daemon came first.
///
/// One SSH command does it all (each SSH round trip costs guest CPU under TCG): wait for
/// systemd to finish starting, stop the guest's timers (apt, man-db, fstrim, logrotate: none
/// of them may start inside a measurement), then sample /proc/stat until the guest's CPUs are
/// below `quietBusy` busy over a window, for at most `limit` seconds.
public struct GuestSettle: Sendable, Equatable {
    /// `systemctl is-system-running --wait`'s answer ("running", "degraded", or "unknown").
    public var systemState: String
    /// Timer units stopped.
    public var timersStopped: Int
    /// Seconds spent waiting.
    public var seconds: Double
    /// Busy fraction of the guest's CPUs over the last window (0...1).
    public var busy: Double
    /// Whether the last window was below the threshold.
    public var quiet: Bool

    public static let quietBusy = 0.10
    public static let window = 2.0

    /// One line for the run's log; loud when the guest never settled.
    public var summary: String {
        let state = String(format: "systemd %@, %d timer(s) stopped, %.0f s, guest CPUs %.0f%% busy", systemState, timersStopped, seconds, busy * 100)
        return quiet ? "guest settled: \(state)"
            : "WARNING guest not quiet: \(state) over the last \(Int(Self.window)) s (threshold \(Int(Self.quietBusy * 100))%); measuring anyway, the first steps may read low"
    }

    /// The shell script run in the guest. Its last line is `settle STATE TIMERS SECONDS BUSY`.
    /// `stopTimers` false leaves systemd's timers alone (the unit test runs the script on the host).
    public static func script(limit: Int, stopTimers: Bool = true, quietBusy: Double = quietBusy, window: Double = window) -> String {
        let threshold = String(format: "%.3f", quietBusy)
        let stop = stopTimers ? "systemctl stop \"$t\" 2>/dev/null && " : ""
        return """
        start=$(cut -d' ' -f1 /proc/uptime)
        state=$(timeout \(limit) systemctl is-system-running --wait 2>/dev/null); [ -n "$state" ] || state=unknown
        timers=$(systemctl list-units --type=timer --state=active --plain --no-legend 2>/dev/null | awk '{print $1}')
        n=0; for t in $timers; do \(stop)n=$((n+1)); done
        busy=1
        while :; do
          a=$(head -1 /proc/stat); sleep \(window); b=$(head -1 /proc/stat)
          busy=$(printf '%s\\n%s\\n' "$a" "$b" | awk '{ idle[NR] = $5 + $6; total[NR] = 0; for (i = 2; i <= NF; i++) total[NR] += $i }
            END { t = total[2] - total[1]; printf "%.4f", (t > 0 ? 1 - (idle[2] - idle[1]) / t : 1) }')
          [ -n "$busy" ] || busy=1
          now=$(cut -d' ' -f1 /proc/uptime)
          waited=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
          if awk -v b="$busy" 'BEGIN { exit !(b < \(threshold)) }'; then break; fi
          if awk -v w="$waited" 'BEGIN { exit !(w >= \(limit)) }'; then break; fi
        done
        echo "settle $state $n $waited $busy"
        """
    }

    /// Parses the script's last `settle` line.
    public static func parse(_ output: String, quietBusy: Double = quietBusy) -> GuestSettle? {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("settle ") }) else { return nil }
        let f = line.split(separator: " ")
        guard f.count == 5, let timers = Int(f[2]), let seconds = Double(f[3]), let busy = Double(f[4]) else { return nil }
        return GuestSettle(systemState: String(f[1]), timersStopped: timers, seconds: seconds, busy: busy, quiet: busy < quietBusy)
    }

    /// Runs the script over `ssh`; the error says what the guest answered.
    public static func settle(_ ssh: SSHClient, limit: Int = 90) throws(HarnessError) -> GuestSettle {
        let output = try ssh.check(script(limit: limit), timeout: Double(limit) * 2 + 30)
        guard let settle = parse(output) else {
            throw HarnessError(.guest, "guest settle: no result line in: \(output.suffix(300))")
        }
        return settle
    }
}
