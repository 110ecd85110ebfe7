import DaemonOptions
import Testing

/// Unknown, malformed and contradictory command lines: each a one-line error (exit 2 in straitd).
@Suite struct ErrorTests {
    @Test(arguments: [
        // Required pieces missing.
        (["--fd=3"], OptionsError.Code.missingRequired),
        (["--shared-dir=/s"], .missingRequired),
        (["-o", "cache=auto", "--socket-path=/x"], .missingRequired),
        ([], .missingRequired),
        // Contradictions.
        (["--fd=3", "--socket-path=/x", "--shared-dir=/s"], .conflict),
        (["--fd=3", "-o", "source=/a", "--shared-dir=/b"], .conflict),
        (["--fd=3", "-o", "source=/a", "-o", "source=/b"], .conflict),
        (["--fd=3", "--shared-dir=/s", "-o", "cache=none", "--cache=always"], .conflict),
        (["--fd=3", "--shared-dir=/s", "--sandbox=chroot", "-o", "sandbox=namespace"], .conflict),
        (["--fd=3", "--shared-dir=/s", "--thread-pool-size=1", "--thread-pool-size=2"], .conflict),
        (["--fd=3", "--shared-dir=/s", "--posix-acl", "-o", "no_xattr"], .conflict),
        (["--fd=3", "--shared-dir=/s", "--socket-group=kvm"], .conflict),
        (["--fd=3", "--shared-dir=/s", "-d", "--log-level=error"], .conflict),
        // Bad values.
        (["--fd=3", "-o", "source=/s,cache=bogus"], .invalidValue),
        (["--fd=3", "--shared-dir=/s", "--cache=bogus"], .invalidValue),
        (["--fd=3", "--shared-dir=/s", "--sandbox=jail"], .invalidValue),
        (["--fd=3", "-o", "source=/s,sandbox=jail"], .invalidValue),
        (["--fd=-1", "--shared-dir=/s"], .invalidValue),
        (["--fd=abc", "--shared-dir=/s"], .invalidValue),
        (["--fd=3", "--shared-dir=/s", "--thread-pool-size=-1"], .invalidValue),
        (["--fd=3", "--shared-dir=/s", "--thread-pool-size=lots"], .invalidValue),
        (["--fd=3", "--shared-dir=/s", "--rlimit-nofile=-5"], .invalidValue),
        (["--fd=3", "--shared-dir=/s", "--log-level=loud"], .invalidValue),
        (["--fd=3", "-o", "source=/s,log_level=loud"], .invalidValue),
        (["--fd=3", "-o", "source=/s,timeout=soon"], .invalidValue),
        (["--fd=3", "-o", "source=/s,timeout=-1"], .invalidValue),
        (["--fd=3", "--shared-dir=/s", "--inode-file-handles=always"], .invalidValue),
        (["--fd=3", "--shared-dir=/s", "--xattrmap=nonsense"], .invalidValue),
        (["--fd=3", "--shared-dir=/s", "--seccomp=maybe"], .invalidValue),
        (["--fd=3", "--shared-dir="], .invalidValue),
        (["--fd=3", "-o", "source="], .invalidValue),
        (["--fd=3", "--shared-dir=/s", "--xattr=yes"], .invalidValue),
        // Missing values.
        (["--fd=3", "--shared-dir"], .missingValue),
        (["--shared-dir=/s", "--fd"], .missingValue),
        (["--fd=3", "--shared-dir=/s", "-o"], .missingValue),
        (["--fd=3", "--shared-dir", "--xattr"], .missingValue),
        (["--fd=3", "--shared-dir=/s", "--thread-pool-size", "-1"], .missingValue),
        (["--fd=3", "--shared-dir=/s", "-o", "--xattr"], .missingValue),
        // Unknown.
        (["--fd=3", "--shared-dir=/s", "--bogus"], .unknownOption),
        (["--fd=3", "--shared-dir=/s", "-x"], .unknownOption),
        (["--fd=3", "--shared-dir=/s", "-dd"], .unknownOption),
        (["--fd=3", "-o", "source=/s,bogus"], .unknownOption),
        (["--fd=3", "-o", "source=/s,colour=blue"], .unknownOption),
        (["--fd=3", "-o", "source=/s,no_announce_submounts"], .unknownOption),
        (["--fd=3", "--shared-dir=/s", "extra"], .unknownOption),
        (["--fd=3", "--shared-dir=/s", "--", "extra"], .unknownOption),
        // Known but refused: ignoring them would silently change what was asked.
        (["--fd=3", "--shared-dir=/s", "--modcaps=+nonsense"], .invalidValue),
        (["--fd=3", "--shared-dir=/s", "--modcaps=chown"], .invalidValue),
        (["--fd=3", "-o", "source=/s,modcaps=+chown::-fowner"], .invalidValue),
        (["--fd=3", "--shared-dir=/s", "--daemonize"], .unsupported),
        (["--fd=3", "--shared-dir=/s", "--translate-uid=map:0:1000:1"], .unsupported),
    ])
    func rejected(arguments: [String], code: OptionsError.Code) {
        let error = parseError(arguments)
        #expect(error?.code == code, "argv \(arguments) gave \(String(describing: error))")
        if let error {
            #expect(!error.message.isEmpty && !error.message.contains("\n"))
        }
    }

    @Test func conflictNamesBothOptions() {
        let error = parseError(["--fd=3", "-o", "source=/a", "--shared-dir=/b"])
        #expect(error?.message == "'--shared-dir=/b' conflicts with '-o source=/a'")
    }
}
