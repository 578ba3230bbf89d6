#!/usr/bin/env python3
"""Counts test cases from Bazel's test.xml files and prints the summary.

Usage: count_results.py TESTLOGS_DIR BAZEL_EXIT_CODE TARGETS_FILE
           [TESTLOGS_DIR BAZEL_EXIT_CODE TARGETS_FILE]...

Each triple is one `bazel test` run (scripts/test.sh adds the fuzz runs,
which have an output base of their own); the summary covers them all.

TARGETS_FILE lists the test targets of the run, one label a line; only
their reports count, so reports left by earlier runs of removed targets do
not. A target without a report counts as one failure.

Prints every failed case, then "N passed, N failed" as the last line. Exits
non-zero when a case failed, or when Bazel failed without a failed case to
show for it (a build error, a timeout without a report).
"""
import os
import sys
import xml.etree.ElementTree as ElementTree


def report_paths(testlogs, targets):
    """Yields (target, test.xml path) for each label."""
    for label in targets:
        package, _, name = label.lstrip("/").partition(":")
        yield label, os.path.join(testlogs, package, name, "test.xml")


def count(testlogs, targets):
    passed, failed = 0, []
    for target, path in report_paths(testlogs, targets):
        if not os.path.exists(path):
            failed.append(f"{target}: no test report (did not run)")
            continue
        try:
            tree = ElementTree.parse(path)
        except ElementTree.ParseError:
            failed.append(f"{target}: unreadable test.xml")
            continue
        cases = tree.getroot().iter("testcase")
        seen = False
        for case in cases:
            seen = True
            name = f"{target}: {case.get('classname')}.{case.get('name')}"
            if case.find("failure") is not None or \
                    case.find("error") is not None:
                failed.append(name)
            elif case.get("status", "run") == "run" and \
                    case.get("result", "completed") == "completed":
                passed += 1
        if not seen:
            # A target that died before writing its own report.
            suite = tree.getroot().find(".//testsuite")
            if suite is not None and (int(suite.get("failures", 0)) or
                                      int(suite.get("errors", 0))):
                failed.append(f"{target}: crashed")
    return passed, failed


def main():
    args = sys.argv[1:]
    if not args or len(args) % 3:
        sys.exit(__doc__)
    passed, failed = 0, []
    for i in range(0, len(args), 3):
        testlogs, bazel_status = args[i], int(args[i + 1])
        with open(args[i + 2]) as targets_file:
            targets = [line.strip() for line in targets_file if line.strip()]
        run_passed, run_failed = count(testlogs, targets)
        for name in run_failed:
            print(f"FAILED {name}")
        if bazel_status != 0 and not run_failed:
            print(f"FAILED bazel test exited with {bazel_status} "
                  "(build error?)")
            run_failed.append("bazel")
        passed += run_passed
        failed += run_failed
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
