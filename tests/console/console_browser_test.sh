#!/usr/bin/env bash
# Runs console_browser_test.mjs with node's test runner: each browser
# scenario is one test case in the report (JUnit XML for Bazel). The npm
# packages are in the source tree (console/node_modules for Chart.js,
# tests/console/node_modules for playwright-core), so the target runs
# without a sandbox.
set -euo pipefail

runfiles="${TEST_SRCDIR}/${TEST_WORKSPACE}"
script="$(readlink -f "${runfiles}/tests/console/console_browser_test.mjs")"
dir="$(dirname "${script}")"
if [[ ! -d "${dir}/node_modules/playwright-core" ]]; then
  echo "console_browser_test: ${dir}/node_modules is missing:" \
       "run \`npm ci\` there (scripts/test.sh does)" >&2
  exit 1
fi

reporters=(--test-reporter=spec --test-reporter-destination=stdout)
if [[ -n "${XML_OUTPUT_FILE:-}" ]]; then
  reporters+=(--test-reporter=junit
              "--test-reporter-destination=${XML_OUTPUT_FILE}")
fi

# The gateway serves the console from the source tree: Chart.js is in its
# node_modules, which Bazel does not know.
export CONSOLE_DIR="$(dirname "$(readlink -f "${runfiles}/console/index.html")")"
export STORAGE_BIN="${runfiles}/storage_service/storage_service"
export GATEWAY_BIN="${runfiles}/gateway/gateway"
export MIGRATOR_BIN="${runfiles}/migrator/migrator"
export MAKE_LEGACY_DB="${runfiles}/tests/migrator/testdata/make_opsbrain_db.sh"
export SCREENSHOT_DIR="${TEST_UNDECLARED_OUTPUTS_DIR:-${TEST_TMPDIR}}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
exec node --test --test-concurrency=1 "${reporters[@]}" "${script}"
