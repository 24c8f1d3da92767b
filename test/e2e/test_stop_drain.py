#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Nothing the sender's PMD accepted is lost when the sender stops in an
orderly way. B runs rxonly with --no-flush-rx the whole time; A runs
txonly and then
 - is interrupted (SIGINT: testpmd stops, closes the port, detaches the
   function, so B sees BYE and then a GID event), 20 times at 64 and
   1500 bytes, a new A each time;
 - stops and starts its port mid-stream (BYE, then a HELLO of a new
   session), 20 times at 64 and 1500 bytes.
Every run asserts that B received exactly what A's tx_burst accepted,
packets and bytes. Output is TAP."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "devtools"))
from testpmd_session import TestPmd, TestPmdError, remove_fabric  # noqa: E402
from tap import Tap  # noqa: E402

tap = Tap()

PLUGINS = sys.argv[1]
RUNS = int(os.environ.get("ISM_STOP_DRAIN_RUNS", "20"))
FABRIC = f"e2e-drain-{os.getpid()}"
VDEV = f"net_ism0,fabric={FABRIC},pair=drain"
STREAM_S = 0.25		# long enough to fill B's ring many times over


def sender(size):
    a = TestPmd("a", PLUGINS, VDEV, "0,1", 0)
    if not a.ready():
        raise TestPmdError("sender did not start:\n" + a.output()[-2000:])
    a.cmd(f"set txpkts {size}")
    a.cmd("set fwd txonly")
    return a


def b_counts(b):
    s = b.stats()
    return s["rx_packets"], s["rx_bytes"]


def wait_drained(b, before, expect_pkts, timeout=5.0):
    """B's counters once they reach @expect_pkts (or stop moving)."""
    end = time.monotonic() + timeout
    last = None
    while True:
        pk, by = b_counts(b)
        if pk - before[0] >= expect_pkts or time.monotonic() > end:
            return pk - before[0], by - before[1]
        if last == pk:
            time.sleep(0.2)
        last = pk
        time.sleep(0.05)


def accepted_at_exit(a):
    """TX-packets of A's accumulated forward statistics, printed on exit."""
    m = None
    for line in a.lines:
        r = re.search(r"TX-packets:\s+(\d+)", line)
        if r:
            m = r
    return int(m.group(1)) if m else -1


def run_sigint(b, size, i):
    a = sender(size)
    if not (a.link_up() and b.link_up()):
        a.kill9()
        return tap.check(False, f"sigint {size} B run {i}: link up")
    before = b_counts(b)
    a.cmd("start", r"txonly packet forwarding")
    time.sleep(STREAM_S)
    a.interrupt()
    sent = accepted_at_exit(a)
    pk, by = wait_drained(b, before, sent)
    ok = sent > 0 and pk == sent and by == sent * size
    if not ok:
        tap.diag(f"A accepted {sent}, B received {pk} packets {by} bytes")
    return tap.check(ok, f"SIGINT of the sender, {size} B, run {i}: "
                     f"B received exactly the {sent} frames A accepted")


def run_restart(a, b, size, i):
    before = b_counts(b)
    sa0 = a.stats()["tx_packets"]
    a.cmd("start", r"txonly packet forwarding")
    time.sleep(STREAM_S / 2)
    a.cmd("stop", r"Done|Telling cores to stop")
    a.cmd("port stop 0", r"Done")
    a.cmd("port start 0", r"Done")
    # the new session: the link must come back before the next stream
    up = a.link_up() and b.link_up()
    sent = a.stats()["tx_packets"] - sa0 if up else -1
    # the counters of A survive port stop/start (the PMD keeps them)
    pk, by = wait_drained(b, before, sent)
    ok = up and sent > 0 and pk == sent and by == sent * size
    if not ok:
        tap.diag(f"link up {up}, A accepted {sent}, B received {pk} packets {by} bytes")
    return tap.check(ok, f"port stop/start of the sender, {size} B, run {i}: "
                     f"B received exactly the {sent} frames A accepted")


def main():
    b = None
    a = None
    try:
        b = TestPmd("b", PLUGINS, VDEV, "0,1", 1, extra_app=["--no-flush-rx"])
        tap.check(b.ready(), "receiver started (--no-flush-rx)")
        b.cmd("set fwd rxonly")
        b.cmd("start", r"rxonly packet forwarding")
        for size in (64, 1500):
            for i in range(RUNS):
                run_sigint(b, size, i)
        a = sender(64)
        tap.check(a.link_up() and b.link_up(), "a long-lived sender linked")
        for size in (64, 1500):
            a.cmd(f"set txpkts {size}")
            for i in range(RUNS):
                run_restart(a, b, size, i)
        x = b.xstats()
        tap.diag(f"receiver xstats: {x}")
        tap.check(x.get("rx_corrupt_records") == 0 and x.get("rx_cursor_errors") == 0,
                  "no corrupt records and no cursor errors at the receiver")
        tap.check(x.get("rx_drain_timeouts") == 0 and x.get("rx_drain_discarded_bytes") == 0,
                  "every ring drained in time: nothing discarded")
    except TestPmdError as e:
        tap.check(False, f"testpmd session: {e}")
    finally:
        for t in (a, b):
            if t is not None:
                t.quit()
        remove_fabric(FABRIC)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
