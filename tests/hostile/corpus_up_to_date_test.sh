#!/usr/bin/env bash
# The committed corpus is what generate_corpus.py writes: no case edited by
# hand and lost at the next generation, none generated and not committed.
set -uo pipefail
here="${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/hostile"
out="$(mktemp -d "${TEST_TMPDIR:-/tmp}/corpus.XXXXXX")"
python3 "${here}/generate_corpus.py" "${out}/corpus" >/dev/null ||
  { echo "FAIL: generate_corpus.py failed" >&2; exit 1; }
if ! diff -r "${out}/corpus" "${here}/corpus"; then
  echo "FAIL: tests/hostile/corpus differs from generate_corpus.py's output;" \
    "run tests/hostile/generate_corpus.py" >&2
  exit 1
fi
echo "PASS: $(find "${out}/corpus" -name '*.case' | wc -l) cases up to date"
