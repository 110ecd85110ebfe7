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
swift test --skip-build --skip E2E
# Coverage-guided fuzz smoke of the daemon's parsers (the nightly runs scripts/fuzz.sh longer).
scripts/fuzz.sh "${STRAIT_FUZZ_SECONDS:-45}"
swift test --skip-build --filter E2E
