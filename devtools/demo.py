#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The README demo: two dpdk-testpmd processes (two "LPARs") exchange
traffic over net_ism on the software ISM fabric, then a summary table.

  devtools/demo.py [--plugins DIR] [--seconds N]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testpmd_session import TestPmdError, pair  # noqa: E402


def run_phase(a, b, fwd_a, fwd_b, seconds):
    for t in (a, b):
        t.cmd("clear port stats all")
    b.cmd(f"set fwd {fwd_b}")
    b.cmd("start", r"packet forwarding")
    a.cmd(f"set fwd {fwd_a}")
    a.cmd("start tx_first" if fwd_a == "io" else "start", r"packet forwarding")
    t0 = time.monotonic()
    for _ in range(seconds):
        time.sleep(1)
        s = b.stats()
        print(f"  ... {time.monotonic() - t0:4.1f} s: b received {s['rx_packets']:,} packets",
              flush=True)
    elapsed = time.monotonic() - t0
    a.cmd("stop", r"Done|Telling cores")
    b.cmd("stop", r"Done|Telling cores")
    for t in (a, b):	 # drain the rings so nothing is left uncounted
        t.cmd("set fwd rxonly")
        t.cmd("start", r"packet forwarding")
    time.sleep(1)
    for t in (a, b):
        t.cmd("stop", r"Done|Telling cores")
    return a.stats(), b.stats(), elapsed


def row(name, tx, rx, secs, size):
    mpps = rx / secs / 1e6
    gbps = rx * size * 8 / secs / 1e9
    lost = tx - rx
    return f"  {name:<22} {tx:>14,} {rx:>14,} {lost:>6} {mpps:>8.2f} {gbps:>8.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plugins", default="build/drivers",
                    help="directory with librte_net_ism.so (default: build/drivers)")
    ap.add_argument("--seconds", type=int, default=3,
                    help="length of each traffic phase (default: 3)")
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.plugins, "librte_net_ism.so")):
        sys.exit(f"demo: no librte_net_ism.so in {args.plugins}: build first (make)")
    fabric = f"demo-{os.getpid()}"
    print(f"demo: two dpdk-testpmd processes, one net_ism port each, fabric '{fabric}'")
    a, b = pair(args.plugins, fabric, "demo")
    rc = 1
    try:
        if not (a.ready() and b.ready()):
            raise TestPmdError("testpmd did not start:\n" + a.output()[-2000:])
        if not (a.link_up() and b.link_up()):
            raise TestPmdError("link did not come up:\n" + b.output()[-2000:])
        print("demo: link up on both sides; phase 1: a txonly -> b rxonly (64-byte frames)")
        sa, sb, t1 = run_phase(a, b, "txonly", "rxonly", args.seconds)
        print("demo: phase 2: io forwarding both ways (a starts with a burst)")
        sa2, sb2, t2 = run_phase(a, b, "io", "io", args.seconds)
        print()
        print(f"  {'direction':<22} {'tx accepted':>14} {'rx received':>14} {'lost':>6} {'Mpps':>8} {'Gbit/s':>8}")
        print(row("txonly a -> b", sa["tx_packets"], sb["rx_packets"], t1, 64))
        print(row("io a -> b", sa2["tx_packets"], sb2["rx_packets"], t2, 64))
        print(row("io b -> a", sb2["tx_packets"], sa2["rx_packets"], t2, 64))
        ok = (sa["tx_packets"] == sb["rx_packets"] and
              sa2["tx_packets"] == sb2["rx_packets"] and
              sb2["tx_packets"] == sa2["rx_packets"] and sa["tx_packets"] > 0)
        print()
        print("  every accepted packet arrived" if ok else "  MISMATCH: packets were lost")
        print("  (Mpps from one run on a shared machine: compare ratios, not absolutes)")
        rc = 0 if ok else 1
    except TestPmdError as e:
        print(f"demo: {e}", file=sys.stderr)
    finally:
        a.quit()
        b.quit()
        try:
            os.unlink(f"/dev/shm/ism-fabric.{fabric}")
        except OSError:
            pass
    return rc


if __name__ == "__main__":
    sys.exit(main())
