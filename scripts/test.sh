#!/bin/bash
# Runs every test: installs what the host needs, builds, then `swift test` in two phases: the
# unit, protocol, robustness and peer-daemon tests first (seconds; they run in parallel), then the
# E2E tests that boot real VMs (minutes under TCG; alone, so VM timing does not starve the rest),
# with a libFuzzer smoke of the daemon's parsers in between.
# With arguments, they go straight to one `swift test` run instead (e.g. --filter VhostUserTests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/host-setup.sh
swift build --build-tests
if [ $# -gt 0 ]; then exec swift test --skip-build "$@"; fi

# One `swift test` phase. Host setup has just installed every peer daemon, libvirt and the image
# tools, so a skipped test here means something is missing that should not be: it fails the run
# (STRAIT_ALLOW_SKIPS=1 accepts skips, e.g. on a machine without root).
phase() {
  local log rc skips
  log=$(mktemp)
  set +e
  swift test --skip-build "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  skips=$(grep -aE '^[^ ]+ Test .* skipped' "$log" || true)
  # A skip whose reason names an open issue as its blocker ("[blocked: issue N]") is a known,
  # tracked gap, not a missing install: printed loudly at the end, not failing the run.
  blocked=$(printf '%s\n' "$skips" | grep -a '\[blocked: issue' || true)
  skips=$(printf '%s\n' "$skips" | grep -av '\[blocked: issue' | grep -a . || true)
  if [ -n "$blocked" ]; then
    echo "test.sh: BLOCKED tests (skipped, tracked in the named issue):" >&2
    echo "$blocked" >&2
  fi
  rm -f "$log"
  [ "$rc" -eq 0 ] || return "$rc"
  if [ -n "$skips" ] && [ "${STRAIT_ALLOW_SKIPS:-0}" != 1 ]; then
    echo "test.sh: tests were skipped after host setup (STRAIT_ALLOW_SKIPS=1 accepts that):" >&2
    echo "$skips" >&2
    return 1
  fi
}

# The real-kernel FUSE mount test runs alone: while it runs, the test process holds ~1,400 open
# descriptors, and Foundation's Process.run (used by other suites' tests) then over-reads its
# /proc/self/fd listing and crashes the whole test process intermittently
# (swift-corelibs-foundation PR #5472, in Swift 6.3's Foundation; seen in CI 2026-11-29).
phase --skip E2E --skip DispatcherKernelTests
phase --filter DispatcherKernelTests
# Coverage-guided fuzz smoke of the daemon's parsers (the nightly runs scripts/fuzz.sh longer).
scripts/fuzz.sh "${STRAIT_FUZZ_SECONDS:-45}"
phase --filter E2E
