#!/bin/bash
# Runs every test: installs what the host needs, then `swift test` (unit, protocol, robustness
# and the E2E tests that boot real VMs). Extra arguments go to `swift test` (e.g. --filter E2E).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/host-setup.sh
exec swift test "$@"
