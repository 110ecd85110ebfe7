import DaemonLaunch

extension BuildStamp {
    /// This binary's build: the commit scripts/build-commit.sh wrote into `BuildCommit` before
    /// the build (Plugins/BuildCommit), and the configuration the compiler was told (SwiftPM
    /// defines DEBUG in debug builds only).
    static var straitd: BuildStamp {
        #if DEBUG
        BuildStamp(commit: BuildCommit.value, configuration: .debug)
        #else
        BuildStamp(commit: BuildCommit.value, configuration: .release)
        #endif
    }
}
