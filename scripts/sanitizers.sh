#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer
# (--config=asan), then under ThreadSanitizer (--config=tsan), and prints
# one summary line per configuration. Exits non-zero when any test fails
# under either.
#
# Each configuration builds in its own Bazel output base
# (~/.cache/bazel-asan, ~/.cache/bazel-tsan) with --symlink_prefix=/, so the
# normal build's cache and its bazel-* symlinks are left alone. A cold run
# compiles everything twice more; expect about an hour on two cores.
#
# Usage: scripts/sanitizers.sh [asan|tsan ...] [-- extra bazel test flags]
# (Flags only: the targets are //... less the one exclusion below.)
# With no configuration names both run, ASan first.
set -uo pipefail
cd "$(dirname "$0")/.."

configs=()
while [[ $# -gt 0 && "$1" != "--" ]]; do
  case "$1" in
    asan | tsan) configs+=("$1") ;;
    *)
      echo "usage: $0 [asan|tsan ...] [-- bazel test flags]" >&2
      exit 2
      ;;
  esac
  shift
done
[[ $# -gt 0 ]] && shift # the "--"
[[ ${#configs[@]} -eq 0 ]] && configs=(asan tsan)

./scripts/setup.sh || exit 1

# The Node-based tests need their pinned packages, as in scripts/test.sh
# (the console's own, Chart.js, included).
for lock in console/package-lock.json tests/*/package-lock.json; do
  dir="$(dirname "${lock}")"
  if [[ ! -d "${dir}/node_modules" ]]; then
    echo "sanitizers.sh: npm ci in ${dir}"
    (cd "${dir}" && npm ci --no-audit --no-fund) || rm -rf "${dir}/node_modules"
  fi
done

summaries=()
overall=0
for config in "${configs[@]}"; do
  output_base="${HOME}/.cache/bazel-${config}"
  log="/tmp/opsbrain-sanitizers-${config}.log"
  bazel_cmd=(bazel "--output_base=${output_base}")
  echo "sanitizers.sh: bazel test --config=${config} //... (log: ${log})"

  # TSan's suppressions need an absolute path; the test's environment
  # passes it to the servers the tests start. This flag replaces the
  # TSAN_OPTIONS of .bazelrc's build:tsan line, so it starts from those.
  # The file is no Bazel input, so its digest goes into the environment
  # too: editing it reruns the tests instead of keeping cached results.
  supp="${PWD}/tools/sanitizers/tsan.supp"
  config_flags=("--config=${config}")
  if [[ "${config}" == tsan ]]; then
    tsan_options="$(sed -n 's/^build:tsan --test_env=TSAN_OPTIONS=//p' \
      .bazelrc)"
    if [[ -z "${tsan_options}" ]]; then
      echo "sanitizers.sh: no TSAN_OPTIONS on a build:tsan line of" \
        ".bazelrc" >&2
      exit 2
    fi
    config_flags+=(
      "--test_env=TSAN_OPTIONS=${tsan_options}:suppressions=${supp}"
      "--test_env=OPSBRAIN_TSAN_SUPP_SHA256=$(sha256sum "${supp}" | cut -c1-64)"
    )
  fi

  # Every test target runs but one: //tests/deploy:deploy_files_test
  # checks that the Dockerfile installs exactly the shared libraries the
  # built binaries need, and a sanitized binary also needs libasan8,
  # libubsan1 or libtsan2, which the production image rightly lacks. Tests
  # that drive Node or Python clients run those unsanitized tools against
  # sanitized servers.
  excluded=(//tests/deploy:deploy_files_test)
  start=$(date +%s)
  "${bazel_cmd[@]}" test "${config_flags[@]}" --symlink_prefix=/ \
    --keep_going "$@" -- //... "${excluded[@]/#/-}" 2>&1 | tee "${log}"
  bazel_status=${PIPESTATUS[0]}
  seconds=$(($(date +%s) - start))

  # Count test cases from this configuration's reports, as scripts/test.sh
  # does for the normal build.
  testlogs="$("${bazel_cmd[@]}" info "--config=${config}" bazel-testlogs \
    2>/dev/null)"
  targets_file="$(mktemp)"
  # The targets `bazel test //...` runs: not the excluded, not the manual.
  "${bazel_cmd[@]}" query "tests(//...) except set(${excluded[*]})
    except attr(tags, '\bmanual\b', tests(//...))" 2>/dev/null \
    >"${targets_file}"
  counts="$(python3 scripts/count_results.py "${testlogs}" \
    "${bazel_status}" "${targets_file}")"
  status=$?
  rm -f "${targets_file}"
  echo "${counts}"

  targets_line="$(grep -E '^Executed [0-9]+ out of [0-9]+ tests?' "${log}" |
    tail -1 | sed 's/\.$//')"
  summaries+=("${config}: $(echo "${counts}" | tail -1) test cases;" \
    "targets: ${targets_line:-no summary from bazel}; ${seconds}s")
  [[ ${status} -ne 0 ]] && overall=1
done

echo
echo "Sanitizer summary:"
for line in "${summaries[@]}"; do echo "  ${line}"; done
exit "${overall}"
