#!/bin/bash
# The main job: installs what the host needs, builds straitd and runs the smoke matrix on a real VM.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/host-setup.sh
swift build -c release --product straitd
exec swift test --filter E2E
