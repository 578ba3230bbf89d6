#!/usr/bin/env bash
# Runs console_browser_test.mjs with node's test runner, one browser
# scenario at a time (tests/util/run_node_test.sh), against the binaries
# of the runfiles.
set -euo pipefail

runfiles="${TEST_SRCDIR}/${TEST_WORKSPACE}"
# The gateway serves the console from the source tree: Chart.js is in its
# node_modules, which Bazel does not know.
export CONSOLE_DIR="$(dirname "$(readlink -f "${runfiles}/console/index.html")")"
export STORAGE_BIN="${runfiles}/storage_service/storage_service"
export GATEWAY_BIN="${runfiles}/gateway/gateway"
export MIGRATOR_BIN="${runfiles}/migrator/migrator"
export MAKE_LEGACY_DB="${runfiles}/tests/migrator/testdata/make_opsbrain_db.sh"
export SCREENSHOT_DIR="${TEST_UNDECLARED_OUTPUTS_DIR:-${TEST_TMPDIR}}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
exec "${runfiles}/tests/util/run_node_test.sh" \
  tests/console/console_browser_test.mjs playwright-core --test-concurrency=1
