// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Strait",
    products: [
        .executable(name: "straitd", targets: ["straitd"]),
        .executable(name: "strait-load", targets: ["strait-load"]),
        .executable(name: "strait", targets: ["strait"]),
        .executable(name: "strait-fuzz", targets: ["strait-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // The only C: macros and syscalls Swift cannot reach, plus the kernel's own headers.
        .target(name: "CShims"),
        // Beneath both wings, Foundation-free: threads, semaphores, the monotonic clock, the one
        // process supervisor (posix_spawn, process groups, deadlines), /proc accounting, free
        // ports and the one seeded generator.
        .target(name: "Posix"),
        // The vhost-user-fs daemons' command lines: one template per daemon kind, NAME=COMMAND.
        .target(name: "DaemonLaunch"),
        // Bounds-checked little-endian cursors shared by every wire codec.
        .target(name: "Wire"),
        // FUSE wire protocol: codecs and negotiation, pure Swift, no I/O.
        .target(name: "FUSE", dependencies: ["Wire"]),
        // The host side: inode table, handles and file operations on the shared directory.
        .target(name: "Passthrough", dependencies: [
            "CShims", .product(name: "Logging", package: "swift-log"),
        ]),
        // vhost-user protocol (both sides), guest memory, split virtqueues.
        .target(name: "VhostUser", dependencies: [
            "CShims", "Wire", .product(name: "Logging", package: "swift-log"),
        ]),
        // The device: virtqueue workers -> FUSE dispatcher -> Passthrough.
        .target(name: "VirtioFS", dependencies: [
            "FUSE", "Passthrough", "VhostUser", "Wire", "CShims", "Posix",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // virtiofsd-compatible command line, both styles, as a library so it is unit tested.
        .target(name: "DaemonOptions", dependencies: [
            "VirtioFS", "Passthrough", "Posix", .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "straitd", dependencies: [
            "DaemonOptions", "DaemonLaunch", "VirtioFS", "VhostUser", "Passthrough", "CShims", "Posix",
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["straitd.order"], linkerSettings: [
            // Resident memory (docs/benchmarks.md "Memory"): linked statically as a static PIE
            // (ASLR kept; no ld.so, shared libc, libstdc++ and libm: -2.5 MiB), its relative
            // relocations packed (RELR: 570 KB of .rela.dyn -> 5 KB), and the functions startup and
            // requests run (straitd.order, from scripts/straitd-order.sh) placed together, so the
            // kernel's 64 KiB fault-around maps them and not the rest of the Swift runtime.
            // scripts/ld-static-pie drops SwiftPM's rpath, which a static PIE must not have.
            .unsafeFlags([
                "-static-executable", "-use-ld=lld", "-Xclang-linker", "-static-pie",
                "-Xclang-linker", "--ld-path=\(Context.packageDirectory)/scripts/ld-static-pie",
                "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/straitd/straitd.order",
                "-Xlinker", "--no-warn-symbol-ordering",
            ], .when(platforms: [.linux])),
        ], plugins: [
            // `straitd --version` names the commit it was built from (scripts/build-commit.sh).
            "BuildCommit",
        ]),
        // The frontend side: plays VMM and guest driver against any vhost-user-fs daemon.
        .target(name: "VhostUserDriver", dependencies: ["VhostUser", "FUSE", "Wire", "CShims", "Posix"]),
        // Hostile-frontend fuzzers (descriptor chains, vhost-user messages) over the frontend.
        .target(name: "VhostUserFuzz", dependencies: [
            "VhostUserDriver", "VhostUser", "FUSE", "Wire", "CShims", "Posix", "DaemonLaunch",
        ]),
        .executableTarget(name: "strait-load", dependencies: [
            "VhostUserDriver", "VhostUserFuzz", "VhostUser", "FUSE", "Posix", "DaemonLaunch", "Stats",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        // Coverage-guided fuzz targets of the daemon's parsers (scripts/fuzz.sh builds them with libFuzzer).
        .target(name: "FuzzTargets", dependencies: [
            "VhostUser", "VirtioFS", "Passthrough", "FUSE", "Wire", "CShims", "Posix",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "strait-fuzz", dependencies: ["FuzzTargets"]),

        // Writes the build's commit into straitd before every build (scripts/build-commit.sh).
        .plugin(name: "BuildCommit", capability: .buildTool()),

        // The VM harness: libvirt and libguestfs through their C APIs, images, VMs, the CLI.
        .systemLibrary(name: "CLibvirt", pkgConfig: "libvirt", providers: [.apt(["libvirt-dev"])]),
        .systemLibrary(name: "CGuestfs", pkgConfig: "libguestfs", providers: [.apt(["libguestfs-dev"])]),
        .target(name: "Libvirt", dependencies: ["CLibvirt", "Posix"]),
        .target(name: "GuestImage", dependencies: [
            "CGuestfs", "Posix", .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "Harness", dependencies: ["Libvirt", "GuestImage", "Posix", "DaemonLaunch"]),
        .executableTarget(name: "strait", dependencies: [
            "Harness", "GuestImage", "Libvirt", "Runner", "Matrix", "Results", "Reports", "DaemonLaunch",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Harness, VM-independent half: matrix model + fio workloads, statistics, result store, reports.
        .target(name: "Matrix", dependencies: ["Posix", .product(name: "Yams", package: "Yams")]),
        .target(name: "Stats", dependencies: ["Posix"]),
        .target(name: "Results", dependencies: ["Matrix", "Stats", "Posix", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Reports", dependencies: ["Matrix", "Stats", "Results", "Posix"]),
        // The matrix runner: cells on real VMs, workloads, verification, results, the gate.
        .target(name: "Runner", dependencies: [
            "Harness", "GuestImage", "Libvirt", "Matrix", "Stats", "Results", "Reports", "Posix", "DaemonLaunch",
        ]),

        .testTarget(name: "FUSETests", dependencies: ["FUSE", "Wire", "CShims"]),
        .testTarget(name: "PassthroughTests", dependencies: ["Passthrough", "CShims"]),
        .testTarget(name: "VhostUserTests", dependencies: [
            "VhostUser", "CShims", "Wire", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "VirtioFSTests", dependencies: [
            "VirtioFS", "VhostUserDriver", "VhostUserFuzz", "FUSE", "Passthrough", "VhostUser", "CShims", "Posix",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "DaemonOptionsTests", dependencies: [
            "DaemonOptions", "VhostUserDriver", "FUSE", "Passthrough", "VirtioFS", "Posix",
        ]),
        .testTarget(name: "VhostUserDriverTests", dependencies: [
            "VhostUserDriver", "VhostUserFuzz", "VhostUser", "FUSE", "Wire", "CShims", "Posix", "DaemonLaunch", "Matrix",
        ]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "LibvirtTests", dependencies: ["Libvirt"]),
        .testTarget(name: "GuestImageTests", dependencies: ["GuestImage"]),
        .testTarget(name: "HarnessTests", dependencies: ["Harness", "GuestImage"]),
        .testTarget(name: "E2ETests", dependencies: [
            "Harness", "GuestImage", "Libvirt", "Runner", "Matrix", "Results", "Reports", "DaemonLaunch", "Posix",
        ]),
        .testTarget(name: "MatrixTests", dependencies: ["Matrix"], exclude: ["Fixtures"]),
        .testTarget(name: "StatsTests", dependencies: ["Stats", "Posix"]),
        .testTarget(name: "ResultsTests", dependencies: ["Results", "Matrix", "Stats"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Results", "Matrix", "Stats", "Posix"]),
        .testTarget(name: "RunnerTests", dependencies: ["Runner", "Harness", "Matrix", "Results", "Stats", "Posix", "GuestImage", "DaemonLaunch"]),
        .testTarget(name: "PosixTests", dependencies: ["Posix", "CShims"]),
        .testTarget(name: "DaemonLaunchTests", dependencies: ["DaemonLaunch"]),
        // Reads Package.swift and every import line: the layering rules as a test.
        .testTarget(name: "LayeringTests"),
    ]
)
