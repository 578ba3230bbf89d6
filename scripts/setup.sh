#!/usr/bin/env bash
# Installs the Debian packages that building, testing and running OpsBrain
# Store need. Idempotent: packages already present are skipped, and the ones
# it installs are named before it installs them.
set -euo pipefail

readonly PACKAGES=(
  # Build.
  bazel-bootstrap
  g++
  pkg-config
  protobuf-compiler
  protobuf-compiler-grpc
  # Libraries.
  libgrpc++-dev
  libprotobuf-dev
  libabsl-dev
  libpq-dev
  libsqlite3-dev
  libboost-dev
  nlohmann-json3-dev
  # Proto imports: google/api/*.proto and the gRPC health/reflection protos.
  golang-github-grpc-ecosystem-grpc-gateway-dev
  grpc-proto
  # Tests.
  libgtest-dev
  libgmock-dev
  postgresql-15
  sqlite3
  curl
  python3
  openssl
  # ---- Console: the browser of //tests/console (playwright-core drives
  # Debian's Chromium headless; it downloads no browser of its own).
  chromium
  # ---- End of the console block.
  # ---- Fuzzing: clang's libFuzzer and sanitizer runtimes, and lld, for the
  # bounded fuzz runs of scripts/test.sh (bazel --config=fuzz).
  clang
  libclang-rt-14-dev
  lld
  # ---- End of the fuzzing block.
  # Benchmarks (bench/run.sh; pgbench comes with postgresql-15).
  wrk
  pgloader
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null |
      grep -q 'install ok installed'; then
    missing+=("${pkg}")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} Debian packages are present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if ((EUID != 0)); then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
