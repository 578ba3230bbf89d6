#!/usr/bin/env python3
"""Scans the test.log of every test target of a run for secrets.

Usage: scan_testlogs.py [--junit REPORT.xml] TESTLOGS_DIR TARGETS_FILE
           [TESTLOGS_DIR TARGETS_FILE]...

Each pair is one `bazel test` run: its bazel-testlogs directory and the
labels of its test targets, one a line (scripts/test.sh passes the main run
and the fuzz run).

What it looks for:
  - the legacy fixture's sensitive configuration values (built here with
    tests/migrator/testdata/make_opsbrain_db.sh, read with sqlite3);
  - every bearer token the tests hard-code (the `opsb_...` literals of the
    files under tests/);
  - anything shaped like a token of `gateway --new_token` (`opsb_` and 43
    base64url characters), which the tests make at run time.

Prints each finding as "PATH:LINE: holds MASKED" (never the secret itself),
then one summary line. Before scanning it plants a secret and a token in a
log of its own and checks that both are found, so a scan that cannot fail
fails. With --junit it writes a one-case JUnit report for
scripts/count_results.py. Exits 1 on a finding or a failed self-check.
"""
import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from xml.sax.saxutils import escape, quoteattr

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
FIXTURE_SCRIPT = os.path.join("tests", "migrator", "testdata",
                              "make_opsbrain_db.sh")
# A token of `gateway --new_token`: 256 random bits in base64url.
TOKEN_SHAPE = re.compile(rb"opsb_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
# A token literal in the tests' sources.
TOKEN_LITERAL = re.compile(rb"opsb_[A-Za-z0-9_-]{12,}")
SOURCE_SUFFIXES = (".cc", ".h", ".js", ".mjs", ".sh", ".py")


def masked(secret):
    return f"{secret[:4].decode('latin-1')}...({len(secret)} bytes)"


def fixture_secrets(repo):
    """The sensitive configuration values of the legacy fixture."""
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "opsbrain.db")
        subprocess.run(["bash", os.path.join(repo, FIXTURE_SCRIPT), path],
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        connection = sqlite3.connect(path)
        try:
            rows = connection.execute(
                "SELECT value FROM configurations WHERE is_sensitive = 1"
            ).fetchall()
        finally:
            connection.close()
    return sorted({row[0].encode() for row in rows if row[0]})


def test_tokens(repo):
    """The token literals of the tests' sources."""
    tokens = set()
    for root, dirs, files in os.walk(os.path.join(repo, "tests")):
        dirs[:] = [d for d in dirs if d != "node_modules"]
        for name in files:
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            with open(os.path.join(root, name), "rb") as f:
                tokens.update(TOKEN_LITERAL.findall(f.read()))
    return sorted(tokens)


def scan_file(path, needles):
    """(line number, masked secret) for each line of `path` holding one."""
    findings = []
    with open(path, "rb") as f:
        for number, line in enumerate(f, 1):
            for needle in needles:
                if needle in line:
                    findings.append((number, masked(needle)))
            for token in TOKEN_SHAPE.findall(line):
                if token not in needles:
                    findings.append((number, masked(token)))
    return findings


def log_paths(testlogs, targets):
    for label in targets:
        package, _, name = label.lstrip("/").partition(":")
        directory = os.path.join(testlogs, package, name)
        for root, _, files in os.walk(directory):
            for file_name in files:
                if file_name == "test.log":
                    yield os.path.join(root, file_name)


def self_check(needles):
    """Plants a secret and a generated-token shape; both must be found."""
    planted_token = b"opsb_" + b"Q" * 43
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "test.log")
        with open(path, "wb") as f:
            f.write(b"clean line\nvalue=" + needles[0] + b"\n")
            f.write(b"Authorization: Bearer " + planted_token + b"\n")
        found = scan_file(path, needles)
    return [n for n, _ in found] == [2, 3]


def write_junit(path, failures, scanned):
    case = '<testcase classname="SecretsScan" name="TestLogsHoldNoSecret"'
    if failures:
        text = escape("\n".join(failures))
        body = (f'{case}><failure message={quoteattr(failures[0])}>'
                f'{text}</failure></testcase>')
    else:
        body = case + "/>"
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<testsuites><testsuite name="SecretsScan" tests="1" '
                f'failures="{1 if failures else 0}" '
                f'scanned="{scanned}">{body}</testsuite></testsuites>\n')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="+",
                        metavar="TESTLOGS_DIR TARGETS_FILE")
    parser.add_argument("--junit")
    parser.add_argument("--repo", default=REPO)
    args = parser.parse_args()
    if len(args.runs) % 2:
        parser.error("TESTLOGS_DIR and TARGETS_FILE come in pairs")

    failures = []
    needles = []
    try:
        secrets = fixture_secrets(args.repo)
        if len(secrets) < 4:
            failures.append(f"only {len(secrets)} sensitive fixture values")
        needles = secrets + test_tokens(args.repo)
    except (OSError, subprocess.CalledProcessError, sqlite3.Error) as e:
        failures.append(f"cannot read the fixture's secrets: {e}")

    scanned = 0
    if needles:
        if not self_check(needles):
            failures.append("self-check: a planted secret was not found")
        for i in range(0, len(args.runs), 2):
            testlogs, targets_file = args.runs[i], args.runs[i + 1]
            try:
                with open(targets_file) as f:
                    targets = [line.strip() for line in f if line.strip()]
            except OSError as e:
                failures.append(f"cannot read {targets_file}: {e}")
                continue
            for path in log_paths(testlogs, targets):
                scanned += 1
                for number, what in scan_file(path, needles):
                    failures.append(f"{path}:{number}: holds {what}")

    for failure in failures:
        print(f"secrets scan: {failure}")
    print(f"secrets scan: {scanned} test logs, {len(needles)} secrets and "
          f"tokens, {len(failures)} findings")
    if args.junit:
        write_junit(args.junit, failures, scanned)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
