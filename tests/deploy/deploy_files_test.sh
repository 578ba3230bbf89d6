#!/usr/bin/env bash
# Runs check_deploy_files.mjs with node's test runner
# (tests/util/run_node_test.sh) on the npm packages of tests/deploy, with
# the paths it checks the deploy files against.
set -euo pipefail

runfiles="${TEST_SRCDIR}/${TEST_WORKSPACE}"
export DEPLOY_DIR="$(dirname "$(readlink -f "${runfiles}/deploy/render.yaml")")"
export CONSOLE_DIR="$(dirname "$(readlink -f "${runfiles}/console/index.html")")"
export STORAGE_BIN="${runfiles}/storage_service/storage_service"
export GATEWAY_BIN="${runfiles}/gateway/gateway"
export MIGRATOR_BIN="${runfiles}/migrator/migrator"
export HEALTHCHECK_BIN="${runfiles}/deploy/healthcheck/healthcheck"
exec "${runfiles}/tests/util/run_node_test.sh" \
  tests/deploy/check_deploy_files.mjs kubernetes-models
