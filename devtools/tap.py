# SPDX-License-Identifier: BSD-3-Clause
"""The smallest TAP producer the Python tests need."""
import sys


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, what):
        self.n += 1
        self.failed += 0 if ok else 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {what}", flush=True)
        return ok

    def skip(self, what, why):
        """A check that could not run here, and why (TAP's SKIP)."""
        self.n += 1
        print(f"ok {self.n} - {what} # SKIP {why}", flush=True)

    @staticmethod
    def diag(msg):
        for line in str(msg).splitlines():
            print(f"# {line}", flush=True)

    def done(self):
        """Print the plan; the exit status for sys.exit()."""
        print(f"1..{self.n}", flush=True)
        return 1 if self.failed else 0


if __name__ == "__main__":
    sys.exit("tap.py is a module")
