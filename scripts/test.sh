#!/usr/bin/env bash
# Runs every test of OpsBrain Store on this machine: installs missing Debian
# packages, builds with Bazel (offline), runs `bazel test //...`, and ends
# with one line "N passed, N failed" counted from the test cases' results.
# Exits non-zero when any test fails or the build breaks.
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh || exit 1

# Tests that start PostgreSQL run it as the `postgres` user from a
# directory under /tmp, and the binary tests bind loopback ports; both need
# Bazel's sandbox off for those targets (they are tagged no-sandbox).
bazel test //... "$@" 2>&1 | tee /tmp/opsbrain-bazel-test.log
bazel_status=${PIPESTATUS[0]}

python3 scripts/count_results.py bazel-testlogs "${bazel_status}"
