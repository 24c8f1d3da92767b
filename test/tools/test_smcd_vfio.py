#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""smcd_stream --dev A --dev B, the built binary unchanged, on two functions
of the emulated ism_vfio_pci interface (LD_PRELOAD, fake sysfs tree): the
sender forked on one, the receiver on the other, every message verified
byte for byte by the receiver and confirmed to the sender. Both ways in,
a store limit below 4096 and a dynamic region layout. Output is TAP.

  test_smcd_vfio.py SMCD_STREAM TREE_TOOL PRELOAD_LIB
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from toolrun import Runner, Tap, make_tree, remove_fabric, remove_tree  # noqa: E402

tap = Tap()
SMCD, TREE, PRELOAD = sys.argv[1:4]
FABRIC = f"smcdvfio-{os.getpid()}"
A, B, C, D = "0000:00:01.0", "0000:00:02.0", "0000:00:03.0", "0000:00:04.0"
N = 5000


def stream(run, what, *args):
    r = run.run(SMCD, "-n", N, *args, timeout=120)
    if not tap.check(r.rc == 0, f"{what}: exit 0"):
        tap.diag(r)
        return
    rows = {m.group(1): (int(m.group(2)), int(m.group(3)), m.group(4)) for m in re.finditer(
        r"^\s+(sender|receiver)\s+(\d+)\s+(\d+)\s+(\S+)\s", r.out, re.M)}
    tx, rx = rows.get("sender"), rows.get("receiver")
    tap.check(tx is not None and rx is not None and tx[0] == rx[0] == N and
              tx[1] == rx[1] > N and rx[2] == "0",
              f"{what}: {N} messages and the same bytes both sides, 0 errors")
    tap.check(f"receiver confirmed: {N} of {N} messages intact" in r.out and
              "verified: every message arrived in order, byte for byte" in r.out,
              f"{what}: verified byte for byte and confirmed")


def main():
    root = None
    try:
        root = make_tree(TREE, f"{A},cdev=0,imaxstbl=2048", f"{B},cdev=1,shift=dynamic",
                         f"{C},driver=ism", f"{D},imaxstbl=512")
        run = Runner({"VFIO_ISM_SYSFS_ROOT": root, "VFIO_ISM_EMU_FABRIC": FABRIC,
                      "LD_PRELOAD": os.path.abspath(PRELOAD)})
        stream(run, "--dev A --dev B (cdev)", "--dev", A, "--dev", B)
        stream(run, "--dev A --dev B --path group", "--dev", A, "--dev", B,
               "--path", "group")
        stream(run, "--dev B --dev D (store limit 512, group only)", "--dev", B,
               "--dev", D, "-m", "3000")
        r = run.run(SMCD, "--dev", A)
        tap.check(r.rc == 2 and "--dev A --dev B" in r.err,
                  "one --dev without --role: exit 2, says what to give")
        r = run.run(SMCD, "--dev", A, "--dev", C, "-n", "10")
        tap.check(r.rc == 1 and f"cannot open the ISM function {C}" in r.err and
                  "ism-ctl list" in r.err,
                  "a function on the kernel's ism driver: exit 1, points at ism-ctl list")
    finally:
        remove_tree(root)
        remove_fabric(FABRIC)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
