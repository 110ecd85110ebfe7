#!/bin/bash
# Runs every test: installs what the host needs, builds, then `swift test` in two phases: the
# unit, protocol, robustness and peer-daemon tests first (seconds; they run in parallel), then the
# E2E tests that boot real VMs (minutes under TCG; alone, so VM timing does not starve the rest).
# With arguments, they go straight to one `swift test` run instead (e.g. --filter VhostUserTests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/host-setup.sh
swift build --build-tests
if [ $# -gt 0 ]; then exec swift test --skip-build "$@"; fi
swift test --skip-build --skip E2E
swift test --skip-build --filter E2E
