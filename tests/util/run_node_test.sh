#!/usr/bin/env bash
# Runs a test file with node's test runner for an sh_test: each test case
# is one case in Bazel's report (JUnit XML) besides the readable output.
# The npm packages are those installed in the source tree beside the file
# (`npm ci` there; scripts/test.sh does it), so such targets run without a
# sandbox.
#
#   run_node_test.sh FILE PACKAGE [NODE_TEST_FLAG...]
#
# FILE is the test file's runfiles path; PACKAGE, one npm package it needs,
# is checked for first, so that a missing `npm ci` says so.
set -euo pipefail

runfiles="${TEST_SRCDIR}/${TEST_WORKSPACE}"
script="$(readlink -f "${runfiles}/$1")"
package="$2"
shift 2
dir="$(dirname "${script}")"
if [[ ! -d "${dir}/node_modules/${package}" ]]; then
  echo "$(basename "${script}"): ${dir}/node_modules is missing:" \
       "run \`npm ci\` there (scripts/test.sh does)" >&2
  exit 1
fi

reporters=(--test-reporter=spec --test-reporter-destination=stdout)
if [[ -n "${XML_OUTPUT_FILE:-}" ]]; then
  reporters+=(--test-reporter=junit
              "--test-reporter-destination=${XML_OUTPUT_FILE}")
fi
exec node --test "$@" "${reporters[@]}" "${script}"
