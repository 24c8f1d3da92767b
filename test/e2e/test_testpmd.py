#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Two real dpdk-testpmd processes (the installed binary, our plugins via
-d, --no-huge, separate --file-prefix, different cores) over net_ism:
txonly -> rxonly, io forwarding both ways, and kill -9 of one side with
link down and link up again after a restart. Output is TAP."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "devtools"))
from testpmd_session import TestPmd, TestPmdError, pair  # noqa: E402

PLUGINS = sys.argv[1]
FABRIC = f"e2e-{os.getpid()}"
n = 0
failed = 0


def check(ok, what):
    global n, failed
    n += 1
    print(f"{'ok' if ok else 'not ok'} {n} - {what}", flush=True)
    if not ok:
        failed += 1
    return ok


def diag(msg):
    for line in str(msg).splitlines():
        print(f"# {line}", flush=True)


def start_pair():
    a, b = pair(PLUGINS, FABRIC)
    check(a.ready() and b.ready(), "two testpmd processes started")
    check(a.link_up() and b.link_up(), "links up on both sides")
    return a, b


def test_txonly_rxonly(a, b):
    b.cmd("set fwd rxonly")
    b.cmd("start", r"rxonly packet forwarding")
    a.cmd("set fwd txonly")
    a.cmd("start", r"txonly packet forwarding")
    time.sleep(2)
    a.cmd("stop", r"Done|Telling cores to stop")
    time.sleep(1)
    b.cmd("stop", r"Done|Telling cores to stop")
    sa, sb = a.stats(), b.stats()
    diag(f"a: {sa}\nb: {sb}")
    check(sa["tx_packets"] > 1000, f"txonly sent {sa['tx_packets']} packets")
    check(sa["tx_packets"] == sb["rx_packets"],
          "every packet a's PMD accepted arrived at b (tx == rx)")
    check(sa["tx_bytes"] == sb["rx_bytes"], "byte counts equal")
    check(sb["rx_errors"] == 0, "no corrupt records at b")


def test_io_both_ways(a, b):
    a.cmd("clear port stats all")
    b.cmd("clear port stats all")
    b.cmd("set fwd io")
    b.cmd("start", r"io packet forwarding")
    a.cmd("set fwd io")
    a.cmd("start tx_first", r"io packet forwarding")
    time.sleep(2)
    a.cmd("stop", r"Done|Telling cores to stop")
    b.cmd("stop", r"Done|Telling cores to stop")
    # drain what is still in the rings
    for t in (a, b):
        t.cmd("set fwd rxonly")
        t.cmd("start", r"rxonly packet forwarding")
    time.sleep(1)
    for t in (a, b):
        t.cmd("stop", r"Done|Telling cores to stop")
    sa, sb = a.stats(), b.stats()
    diag(f"a: {sa}\nb: {sb}")
    check(sa["tx_packets"] > 1000 and sb["tx_packets"] > 1000,
          "io forwarding moved packets both ways")
    check(sa["tx_packets"] == sb["rx_packets"], "a -> b: tx == rx")
    check(sb["tx_packets"] == sa["rx_packets"], "b -> a: tx == rx")


def test_kill_and_restart(a, b):
    a.cmd("set fwd rxonly")
    a.cmd("start", r"rxonly packet forwarding")
    b.cmd("set fwd txonly")
    b.cmd("start", r"txonly packet forwarding")
    time.sleep(0.5)
    since = a.mark()
    b.kill9()
    t0 = time.monotonic()
    down = a.link_down_seen(since, 5)
    check(down, f"kill -9 of b: a reports link down ({time.monotonic() - t0:.2f} s, bound 5 s)")
    check(a.wait(r"Port 0: link state change event", 5, since) is not None,
          "testpmd received the LSC event")
    before = a.stats()["rx_packets"]
    b2 = TestPmd("b2", PLUGINS, f"net_ism0,fabric={FABRIC},pair=e2e", "0,1", 1,
                 extra_eal=["--log-level", "pmd.net.ism:debug"])
    check(b2.ready(), "b restarted")
    if not check(b2.link_up(), "link up again on the new b"):
        diag("b2:\n" + b2.output()[-2500:])
        diag("a:\n" + "\n".join(a.lines[since:])[-2500:])
    check(a.wait(r"link up", 10, since) is not None, "a saw the link come up again")
    b2.cmd("set fwd txonly")
    b2.cmd("start", r"txonly packet forwarding")
    time.sleep(1)
    b2.cmd("stop", r"Done|Telling cores to stop")
    time.sleep(0.5)
    a.cmd("stop", r"Done|Telling cores to stop")
    after = a.stats()["rx_packets"]
    check(after > before + 1000, f"traffic resumed ({after - before} more packets at a)")
    return b2


def main():
    a = b = None
    try:
        a, b = start_pair()
        test_txonly_rxonly(a, b)
        test_io_both_ways(a, b)
        b = test_kill_and_restart(a, b)
    except TestPmdError as e:
        check(False, f"testpmd session: {e}")
    finally:
        for t in (a, b):
            if t is not None:
                rc = t.quit()
                if rc not in (0, None) and failed:
                    diag(t.output()[-3000:])
        try:
            os.unlink(f"/dev/shm/ism-fabric.{FABRIC}")
        except OSError:
            pass
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
