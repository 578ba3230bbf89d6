#!/usr/bin/env python3
"""Counts test cases from Bazel's test.xml files and prints the summary.

Usage: count_results.py TESTLOGS_DIR BAZEL_EXIT_CODE

Prints every failed case, then "N passed, N failed" as the last line. Exits
non-zero when a case failed, or when Bazel failed without a failed case to
show for it (a build error, a timeout without a report).
"""
import os
import sys
import xml.etree.ElementTree as ElementTree


def count(testlogs):
    passed, failed = 0, []
    for root, _, files in os.walk(testlogs, followlinks=True):
        if "test.xml" not in files:
            continue
        path = os.path.join(root, "test.xml")
        target = os.path.relpath(root, testlogs)
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
    testlogs, bazel_status = sys.argv[1], int(sys.argv[2])
    passed, failed = count(testlogs) if os.path.isdir(testlogs) else (0, [])
    for name in failed:
        print(f"FAILED {name}")
    if bazel_status != 0 and not failed:
        print(f"FAILED bazel test exited with {bazel_status} (build error?)")
        failed.append("bazel")
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
