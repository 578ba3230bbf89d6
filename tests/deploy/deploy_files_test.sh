#!/usr/bin/env bash
# Runs check_deploy_files.mjs with node's test runner on the npm packages
# installed in the source tree (tests/deploy/node_modules, by `npm ci`
# there; scripts/test.sh does it), so the target runs without a sandbox.
# Each check is one test case in the report (JUnit XML for Bazel).
set -euo pipefail

runfiles="${TEST_SRCDIR}/${TEST_WORKSPACE}"
script="$(readlink -f "${runfiles}/tests/deploy/check_deploy_files.mjs")"
dir="$(dirname "${script}")"
if [[ ! -d "${dir}/node_modules/kubernetes-models" ]]; then
  echo "deploy_files_test: ${dir}/node_modules is missing:" \
       "run \`npm ci\` there (scripts/test.sh does)" >&2
  exit 1
fi

reporters=(--test-reporter=spec --test-reporter-destination=stdout)
if [[ -n "${XML_OUTPUT_FILE:-}" ]]; then
  reporters+=(--test-reporter=junit
              "--test-reporter-destination=${XML_OUTPUT_FILE}")
fi

export DEPLOY_DIR="$(dirname "$(readlink -f "${runfiles}/deploy/render.yaml")")"
export STORAGE_BIN="${runfiles}/storage_service/storage_service"
export GATEWAY_BIN="${runfiles}/gateway/gateway"
export MIGRATOR_BIN="${runfiles}/migrator/migrator"
export HEALTHCHECK_BIN="${runfiles}/deploy/healthcheck/healthcheck"
exec node --test "${reporters[@]}" "${script}"
