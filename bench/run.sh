#!/usr/bin/env bash
# Runs the benchmarks of bench/README.md: installs what is missing, builds
# the programs with -c opt, and runs bench/bench.py, which prints the
# figures table and saves results.md and results.json. Arguments go to
# bench.py (bench/run.sh --help lists them), e.g.
#   bench/run.sh                                  # the full run (~30 min)
#   bench/run.sh --only gateway --runs 1 --duration 2
#   bench/run.sh --only import --metrics-rows 100000
# Needs root: PostgreSQL runs as the postgres user. Not part of
# scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

# --symlink_prefix=/ leaves the bazel-* symlinks on the fastbuild tree that
# the tests and scripts/run.sh use.
readonly TARGETS=(//storage_service //gateway //migrator //bench:grpc_load
  //bench:sqlite_direct)
bazel build -c opt --symlink_prefix=/ "${TARGETS[@]}"
bin="$(bazel info -c opt bazel-bin 2>/dev/null)"

exec python3 bench/bench.py --bin "${bin}" "$@"
