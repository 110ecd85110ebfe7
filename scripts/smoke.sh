#!/bin/bash
# The main job: installs what the host needs, builds straitd and strait, then runs the smoke
# matrix (straitd x cache none/auto/always; short fio jobs and a host-verified tar extraction) on
# a real VM with the freshly built straitd. Prints the seed-style table and the time taken; exits
# non-zero if any cell fails (its failure bundle path is printed). Results go to ./results.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/host-setup.sh
swift build -c release --product straitd
swift build -c release --product strait
exec .build/release/strait run matrices/smoke.yaml --straitd .build/release/straitd "$@"
