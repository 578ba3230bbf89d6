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

# ---- Console: the operator console's npm packages ---------------------------
# //tests/console:console_browser_test serves console/ (with Chart.js from
# console/node_modules, pinned by console/package-lock.json) and drives
# Debian's Chromium (scripts/setup.sh) with playwright-core from
# tests/console/node_modules (tests/console/package-lock.json).
for dir in console tests/console; do
  if [[ ! -d "${dir}/node_modules" ]]; then
    echo "test.sh: npm ci in ${dir}"
    if ! (cd "${dir}" && npm ci --no-audit --no-fund); then
      # Half an install would pass the check above next time.
      rm -rf "${dir}/node_modules"
      echo "test.sh: npm ci failed in ${dir}; console_browser_test will fail" >&2
    fi
  fi
done
# ---- End of the console block ----------------------------------------------

# Tests that start PostgreSQL run it as the `postgres` user from a
# directory under /tmp, and the binary tests bind loopback ports; both need
# Bazel's sandbox off for those targets (they are tagged no-sandbox).
bazel test //... "$@" 2>&1 | tee /tmp/opsbrain-bazel-test.log
bazel_status=${PIPESTATUS[0]}

# ---- Fuzzing: bounded libFuzzer runs (README.md, Fuzzing) ------------------
# clang builds the fuzz targets with ASan + UBSan (--config=fuzz) in an
# output base of its own, so the gcc build's cache stays; each target then
# fuzzes for 60 s from fuzz/corpus/ (//fuzz:all_fuzz_runs), afresh on every
# run. --symlink_prefix=/ leaves the bazel-* symlinks to the main build; the
# fuzz reports are counted with the others below.
fuzz_bazel=(bazel --output_base="${HOME}/.cache/bazel-fuzz" --max_idle_secs=60)
"${fuzz_bazel[@]}" test --config=fuzz --symlink_prefix=/ \
  --nocache_test_results //fuzz:all_fuzz_runs 2>&1 |
  tee /tmp/opsbrain-fuzz-test.log
fuzz_status=${PIPESTATUS[0]}
fuzz_testlogs="$("${fuzz_bazel[@]}" info --config=fuzz bazel-testlogs \
  2>/dev/null)"
fuzz_targets_file="$(mktemp)"
"${fuzz_bazel[@]}" query 'tests(//fuzz:all_fuzz_runs)' 2>/dev/null \
  >"${fuzz_targets_file}"
# Executions and outcome per target, for the record.
while read -r target; do
  grep -h '^FUZZ_SUMMARY' \
    "${fuzz_testlogs}/fuzz/${target#//fuzz:}/test.log" 2>/dev/null
done <"${fuzz_targets_file}"
# ---- End of the fuzzing block ----------------------------------------------

# The reports of this run's test targets only (`bazel test //...` skips
# those tagged manual, such as the fuzz runs, counted above on their own).
targets_file="$(mktemp)"
bazel query 'tests(//...) except attr(tags, manual, tests(//...))' \
  2>/dev/null >"${targets_file}"

# ---- Secrets: every test.log of the runs above scanned for secrets ---------
# tests/secrets/scan_testlogs.py looks for the legacy fixture's sensitive
# values and the tests' bearer tokens in the test.log of each test target of
# both runs. Its one-case JUnit report, laid out as a bazel-testlogs tree
# with the one label //tests/secrets:scan_testlogs, is counted below.
secrets_testlogs="$(mktemp -d)"
secrets_targets_file="${secrets_testlogs}/targets"
echo "//tests/secrets:scan_testlogs" >"${secrets_targets_file}"
mkdir -p "${secrets_testlogs}/tests/secrets/scan_testlogs"
python3 tests/secrets/scan_testlogs.py \
  --junit "${secrets_testlogs}/tests/secrets/scan_testlogs/test.xml" \
  bazel-testlogs "${targets_file}" \
  "${fuzz_testlogs:-}" "${fuzz_targets_file:-/dev/null}"
secrets_status=$?
# ---- End of the secrets block ----------------------------------------------

python3 scripts/count_results.py bazel-testlogs "${bazel_status}" \
  "${targets_file}" "${fuzz_testlogs}" "${fuzz_status}" "${fuzz_targets_file}" \
  "${secrets_testlogs}" "${secrets_status}" "${secrets_targets_file}"
status=$?
rm -f "${targets_file}" "${fuzz_targets_file}"
rm -rf "${secrets_testlogs}"
exit "${status}"
