#!/usr/bin/env bash
# Runs every test of OpsBrain Store on this machine: installs missing Debian
# packages, builds with Bazel (offline), runs `bazel test //...`, and ends
# with one line "N passed, N failed" counted from the test cases' results.
# Exits non-zero when any test fails or the build breaks.
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh || exit 1

# ---- Gateway: the Node clients' npm packages --------------------------------
# //tests/gateway_production:node_clients_test runs a standard OpenAPI
# validator and a Node gRPC client from tests/openapi/node_modules, pinned by
# tests/openapi/package-lock.json.
if [[ ! -d tests/openapi/node_modules ]]; then
  echo "test.sh: npm ci in tests/openapi"
  if ! (cd tests/openapi && npm ci --no-audit --no-fund); then
    # Half an install would pass the check above next time.
    rm -rf tests/openapi/node_modules
    echo "test.sh: npm ci failed; node_clients_test will fail" >&2
  fi
fi
# ---- End of the gateway block ----------------------------------------------

# ---- Deploy: the deploy-file checks' npm packages ---------------------------
# //tests/deploy:deploy_files_test runs a YAML parser, the Kubernetes schemas
# and types (kubernetes-models), TypeScript, a Dockerfile parser and the
# Compose schema from tests/deploy/node_modules, pinned by
# tests/deploy/package-lock.json.
if [[ ! -d tests/deploy/node_modules ]]; then
  echo "test.sh: npm ci in tests/deploy"
  if ! (cd tests/deploy && npm ci --no-audit --no-fund); then
    # Half an install would pass the check above next time.
    rm -rf tests/deploy/node_modules
    echo "test.sh: npm ci failed; deploy_files_test will fail" >&2
  fi
fi
# ---- End of the deploy block -----------------------------------------------

# Tests that start PostgreSQL run it as the `postgres` user from a
# directory under /tmp, and the binary tests bind loopback ports; both need
# Bazel's sandbox off for those targets (they are tagged no-sandbox).
bazel test //... "$@" 2>&1 | tee /tmp/opsbrain-bazel-test.log
bazel_status=${PIPESTATUS[0]}

# The reports of this run's test targets only.
targets_file="$(mktemp)"
bazel query 'tests(//...)' 2>/dev/null >"${targets_file}"
python3 scripts/count_results.py bazel-testlogs "${bazel_status}" \
  "${targets_file}"
status=$?
rm -f "${targets_file}"
exit "${status}"
