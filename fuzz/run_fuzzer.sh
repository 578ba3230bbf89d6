#!/usr/bin/env bash
# A bounded libFuzzer run, as a Bazel test (fuzz.bzl's <target>_run).
#
#   run_fuzzer.sh FUZZER SEEDS REGRESSIONS
#
# Fuzzes for FUZZ_SECONDS (default 60) from a scratch copy of the seeds and
# the regression inputs, and fails on any crash, broken invariant, leak,
# timeout (10 s per input) or out-of-memory. The last line is
#   FUZZ_SUMMARY target=NAME executions=N seconds=S result=ok|FAILED
# which scripts/test.sh collects. A crashing input is kept in the test's
# undeclared outputs (bazel-testlogs/fuzz/NAME_run/test.outputs/); once the
# bug is fixed, it belongs in fuzz/regressions/NAME/.
set -uo pipefail

if [[ "${1:-}" == "--not-a-fuzz-build" ]]; then
  echo "run_fuzzer.sh: build with --config=fuzz (README.md, Fuzzing)" >&2
  exit 1
fi
fuzzer="$1"
seeds="$2"
regressions="$3"
seconds="${FUZZ_SECONDS:-60}"
name="$(basename "${fuzzer}")"

corpus="${TEST_TMPDIR}/corpus"
mkdir -p "${corpus}"
inputs=("${corpus}" "${seeds}")
[[ -d "${regressions}" ]] && inputs+=("${regressions}")
artifacts="${TEST_UNDECLARED_OUTPUTS_DIR:-${TEST_TMPDIR}}/"
log="${TEST_TMPDIR}/fuzz.log"

# The ASan/UBSan defaults of libFuzzer, plus: stop at the first UB report.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
"${fuzzer}" -max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="${artifacts}" "${inputs[@]}" \
  >"${log}" 2>&1
status=$?

# libFuzzer's progress lines are many; the end of the log says what counts.
tail -n 60 "${log}"
executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "${log}" |
  tail -n 1)"
result=ok
if [[ ${status} -ne 0 || -z "${executions}" ]]; then
  result=FAILED
  for crash in "${artifacts}"crash-* "${artifacts}"leak-* \
    "${artifacts}"timeout-* "${artifacts}"oom-*; do
    [[ -e "${crash}" ]] || continue
    # The sandbox path above goes away; the bytes stay in the log.
    echo "run_fuzzer.sh: $(basename "${crash}") (in test.outputs/outputs.zip)," \
      "base64: $(base64 -w0 "${crash}")"
  done
fi
echo "FUZZ_SUMMARY target=${name} executions=${executions:-0}" \
  "seconds=${seconds} result=${result}"
[[ "${result}" == ok ]]
