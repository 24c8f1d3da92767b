#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""smcd_stream on the software model, the built binary unchanged (under
qemu-user in the s390x cross build): both sides forked, and one side per
process with --role (as on two LPARs), the side that knows the other's
GID either one; a peer that never comes; command lines it refuses.
Output is TAP.

  test_smcd_model.py SMCD_STREAM [WRAPPER]
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from toolrun import Runner, Tap, remove_fabric  # noqa: E402

tap = Tap()
SMCD = sys.argv[1]
WRAP = sys.argv[2] if len(sys.argv) > 2 else None
FABRIC = f"smcdrole-{os.getpid()}"
N = 3000


def roles(run, first, second, what):
    """@first starts with --peer any and prints its GID, @second names it."""
    a = run.start(SMCD, "--role", first, "--fabric", FABRIC, "--peer", "any",
                  "-n", N, "--wait", "30")
    m = re.search(r"gid ([0-9a-f]{16}); peer: any", a.first_line())
    if not tap.check(m is not None, f"{what}: the {first} side printed its GID"):
        tap.diag(a.finish(5))
        return
    b = run.run(SMCD, "--role", second, "--fabric", FABRIC, "--peer", m.group(1),
                "-n", N, timeout=120)
    ra = a.finish(60)
    tx, rx = (ra, b) if first == "send" else (b, ra)
    ok = tap.check(tx.rc == 0 and rx.rc == 0, f"{what}: both sides exit 0")
    if not ok:
        tap.diag(f"sender: {tx}\nreceiver: {rx}")
    tap.check(f"receiver confirmed: {N} of {N} messages intact" in tx.out,
              f"{what}: the sender got the receiver's confirmation")
    tap.check(re.search(rf"^\s+receiver\s+{N}\s+\d+\s+0\s", rx.out, re.M) is not None and
              "verified: every message arrived in order, byte for byte" in rx.out,
              f"{what}: the receiver checked {N} messages byte for byte, 0 errors")


def main():
    run = Runner(wrap=WRAP)
    try:
        r = run.run(SMCD, "-n", N, timeout=120)
        tap.check(r.rc == 0 and f"receiver confirmed: {N} of {N}" in r.out and
                  "verified: every message arrived in order, byte for byte" in r.out,
                  "forked on the model: verified and confirmed")
        roles(run, "recv", "send", "receiver first, --peer any")
        roles(run, "send", "recv", "sender first, --peer any")
        r = run.run(SMCD, "--role", "recv", "--fabric", FABRIC, "--peer", "1234",
                    "--wait", "1")
        tap.check(r.rc == 1 and "no DMB token from the peer within 1 s" in r.err,
                  "a peer that never comes: exit 1 after --wait, says so")
        for args, what in ((["--role", "send"], "--role without a fabric or --dev"),
                           (["--role", "recv", "--fabric", FABRIC], "--role without --peer"),
                           (["--peer", "any"], "--peer without --role"),
                           (["--fabric", FABRIC, "--dev", "0000:00:01.0"],
                            "--fabric with --dev"),
                           (["--role", "both", "--fabric", FABRIC, "--peer", "any"],
                            "an unknown role")):
            r = run.run(SMCD, *args)
            tap.check(r.rc == 2 and r.err.startswith("smcd_stream: "),
                      f"refused: {what} (exit 2, says why)")
    finally:
        remove_fabric(FABRIC)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
