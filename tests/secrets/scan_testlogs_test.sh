#!/usr/bin/env bash
# scan_testlogs.py finds a planted fixture secret and a planted token in a
# test.log, says where without printing them, writes a failed JUnit case,
# and passes a clean tree.
set -uo pipefail

script="${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/secrets/scan_testlogs.py"
repo="${TEST_SRCDIR}/${TEST_WORKSPACE}"
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/scan.XXXXXX")"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "${work}/logs/tests/clean/a_test" "${work}/logs/tests/dirty/b_test"
printf 'all good\nvalue: [REDACTED]\n' >"${work}/logs/tests/clean/a_test/test.log"
# The fixture's Slack signing secret, and a token of --new_token's shape.
# Built from pieces so that this file holds neither whole.
secret="FAKEfake0123456789""abcdef01234567"
token="opsb_""$(printf 'Z%.0s' $(seq 43))"
printf 'line one\nleaked %s here\nBearer %s\n' "${secret}" "${token}" \
  >"${work}/logs/tests/dirty/b_test/test.log"

echo "//tests/clean:a_test" >"${work}/clean.txt"
python3 "${script}" --repo "${repo}" "${work}/logs" "${work}/clean.txt" \
  --junit "${work}/clean.xml" >"${work}/clean.out" 2>&1 ||
  fail "a clean log failed the scan: $(cat "${work}/clean.out")"
grep -q 'failures="0"' "${work}/clean.xml" || fail "clean report not clean"
grep -q '1 test logs' "${work}/clean.out" || fail "clean log not scanned"

printf '//tests/clean:a_test\n//tests/dirty:b_test\n' >"${work}/dirty.txt"
if python3 "${script}" --repo "${repo}" "${work}/logs" "${work}/dirty.txt" \
  --junit "${work}/dirty.xml" >"${work}/dirty.out" 2>&1; then
  fail "planted secrets passed the scan: $(cat "${work}/dirty.out")"
fi
grep -q 'b_test/test.log:2: holds FAKE\.\.\.(32 bytes)' "${work}/dirty.out" ||
  fail "the planted secret was not reported: $(cat "${work}/dirty.out")"
grep -q 'b_test/test.log:3: holds opsb\.\.\.(48 bytes)' "${work}/dirty.out" ||
  fail "the planted token was not reported: $(cat "${work}/dirty.out")"
grep -q "${secret}" "${work}/dirty.out" "${work}/dirty.xml" &&
  fail "the report prints the secret"
grep -q 'failures="1"' "${work}/dirty.xml" || fail "dirty report not failed"
echo "PASS"
