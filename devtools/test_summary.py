#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count the results of meson test runs in several build directories.

Prints one line per build, then the closing line
"N passed, N failed[, N skipped]". A build directory without a test log
counts as one failure: its tests did not run.
"""
import json
import os
import sys


def main(builds):
    passed = failed = skipped = 0
    for build in builds:
        log = os.path.join(build, "meson-logs", "testlog.json")
        if not os.path.exists(log):
            print(f"{build}: no test log: its tests did not run")
            failed += 1
            continue
        counts = [0, 0, 0]
        with open(log, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                t = json.loads(line)
                result = t.get("result")
                if result in ("OK", "EXPECTEDFAIL"):
                    counts[0] += 1
                elif result == "SKIP":
                    counts[2] += 1
                else:
                    counts[1] += 1
                    print(f"{build}: FAILED {t.get('name')} ({result})")
        print(f"{build}: {counts[0]} passed, {counts[1]} failed, {counts[2]} skipped")
        passed += counts[0]
        failed += counts[1]
        skipped += counts[2]
    tail = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, {failed} failed{tail}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
