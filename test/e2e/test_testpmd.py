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
from testpmd_session import TestPmd, TestPmdError, one_way, pair  # noqa: E402
from tap import Tap  # noqa: E402

tap = Tap()

PLUGINS = sys.argv[1]
FABRIC = f"e2e-{os.getpid()}"




def start_pair():
    a, b = pair(PLUGINS, FABRIC)
    tap.check(a.ready() and b.ready(), "two testpmd processes started")
    tap.check(a.link_up() and b.link_up(), "links up on both sides")
    return a, b


def test_txonly_rxonly(a, b):
    sa, sb = one_way(a, b, 2)
    tap.diag(f"a: {sa}\nb: {sb}")
    tap.check(sa["tx_packets"] > 1000, f"txonly sent {sa['tx_packets']} packets")
    tap.check(sa["tx_packets"] == sb["rx_packets"],
          "every packet a's PMD accepted arrived at b (tx == rx)")
    tap.check(sa["tx_bytes"] == sb["rx_bytes"], "byte counts equal")
    tap.check(sb["rx_errors"] == 0, "no corrupt records at b")


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
    tap.diag(f"a: {sa}\nb: {sb}")
    tap.check(sa["tx_packets"] > 1000 and sb["tx_packets"] > 1000,
          "io forwarding moved packets both ways")
    tap.check(sa["tx_packets"] == sb["rx_packets"], "a -> b: tx == rx")
    tap.check(sb["tx_packets"] == sa["rx_packets"], "b -> a: tx == rx")


def test_telemetry(a, b):
    ports = a.telemetry("/ism/ports").get("/ism/ports")
    tap.check(ports == [0], f"telemetry /ism/ports lists port 0 ({ports})")
    ia = a.telemetry("/ism/info,0").get("/ism/info", {})
    ib = b.telemetry("/ism/info,0").get("/ism/info", {})
    tap.diag(f"a: {ia}")
    tap.check(ia.get("link_up") == 1 and ia.get("queue_pairs") == 1,
              "telemetry /ism/info: link up, one queue pair")
    tap.check(ia.get("peer_gid") == ib.get("gid") and ib.get("peer_gid") == ia.get("gid")
              and ia.get("gid"), "each side's peer_gid is the other's gid")
    tap.check(ia.get("peer_capabilities") == 7, "peer capabilities announced in READY")


def test_hung_peer(a, b):
    """SIGSTOP: no GID event, only missing heartbeats tell."""
    since = a.mark()
    b.pause()
    t0 = time.monotonic()
    down = a.wait(r"link down: no heartbeat from the peer", 5, since) is not None
    tap.check(down, f"a stopped peer: link down on missed heartbeats ({time.monotonic() - t0:.2f} s, bound 5 s)")
    since = a.mark()
    b.pause(False)
    tap.check(a.wait(r"link up", 10, since) is not None,
              "the peer resumes: link up again, no restart needed")
    tap.check(b.link_up(), "and on the resumed side")


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
    tap.check(down, f"kill -9 of b: a reports link down ({time.monotonic() - t0:.2f} s, bound 5 s)")
    tap.check(a.wait(r"Port 0: link state change event", 5, since) is not None,
          "testpmd received the LSC event")
    before = a.stats()["rx_packets"]
    b2 = TestPmd("b2", PLUGINS, f"net_ism0,fabric={FABRIC},pair=e2e", "0,1", 1,
                 extra_eal=["--log-level", "pmd.net.ism:debug"])
    tap.check(b2.ready(), "b restarted")
    if not tap.check(b2.link_up(), "link up again on the new b"):
        tap.diag("b2:\n" + b2.output()[-2500:])
        tap.diag("a:\n" + "\n".join(a.lines[since:])[-2500:])
    tap.check(a.wait(r"link up", 10, since) is not None, "a saw the link come up again")
    b2.cmd("set fwd txonly")
    b2.cmd("start", r"txonly packet forwarding")
    time.sleep(1)
    b2.cmd("stop", r"Done|Telling cores to stop")
    time.sleep(0.5)
    a.cmd("stop", r"Done|Telling cores to stop")
    after = a.stats()["rx_packets"]
    tap.check(after > before + 1000, f"traffic resumed ({after - before} more packets at a)")
    return b2


def test_sixteen_queues():
    """The largest configuration: 16 queue pairs, tokens in four events."""
    vdev = f"net_ism0,fabric={FABRIC}-q,pair=q16"
    q = ["--rxq=16", "--txq=16"]
    a = TestPmd("qa", PLUGINS, vdev, "0,1", 0, extra_app=q)
    b = TestPmd("qb", PLUGINS, vdev, "0,1", 1, extra_app=q)
    try:
        tap.check(a.ready() and b.ready() and a.link_up() and b.link_up(),
                  "16 queue pairs: link up")
        sa, sb = one_way(a, b, 1.5)
        tap.diag(f"16 queues: tx {sa['tx_packets']} rx {sb['rx_packets']}")
        tap.check(sa["tx_packets"] > 1000 and sa["tx_packets"] == sb["rx_packets"],
                  "16 queue pairs: tx accepted == rx received")
    finally:
        a.quit()
        b.quit()
        try:
            os.unlink(f"/dev/shm/ism-fabric.{FABRIC}-q")
        except OSError:
            pass


def main():
    a = b = None
    try:
        a, b = start_pair()
        test_txonly_rxonly(a, b)
        test_io_both_ways(a, b)
        test_telemetry(a, b)
        test_hung_peer(a, b)
        b = test_kill_and_restart(a, b)
        test_sixteen_queues()
    except TestPmdError as e:
        tap.check(False, f"testpmd session: {e}")
    finally:
        for t in (a, b):
            if t is not None:
                rc = t.quit()
                if rc not in (0, None) and tap.failed:
                    tap.diag(t.output()[-3000:])
        try:
            os.unlink(f"/dev/shm/ism-fabric.{FABRIC}")
        except OSError:
            pass
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
