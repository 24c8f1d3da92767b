#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""How two ports find each other, through two dpdk-testpmd processes:
 - peer=any on both sides cannot link (both wait for the other's HELLO):
   each side says so every few seconds at the default log level, naming
   the devarg to give the other side, and the link stays down;
 - peer=any on one side and the GID it names on the other links, with
   exact counts;
 - on the model without any pairing devarg the probe is refused with a
   message naming the devargs to add.
Output is TAP."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "devtools"))
from testpmd_session import TestPmd, TestPmdError, one_way, remove_fabric  # noqa: E402
from tap import Tap  # noqa: E402

tap = Tap()

PLUGINS = sys.argv[1]
FABRIC = f"e2e-pair-{os.getpid()}"
ADVICE = r"peer=any: no function sent a HELLO yet.*start the other port with peer=(0x[0-9a-f]+)"


def gid_of(t):
    return t.telemetry("/ism/info,0")["/ism/info"]["gid"]


def advice_count(t, since):
    with t.lock:
        return sum(1 for line in t.lines[since:] if re.search(ADVICE, line))


def test_any_any():
    vdev = f"net_ism0,fabric={FABRIC},peer=any"
    a = TestPmd("a", PLUGINS, vdev, "0,1", 0)
    b = TestPmd("b", PLUGINS, vdev, "0,1", 1)
    tap.check(a.ready() and b.ready(), "two ports with peer=any started")
    t0 = time.monotonic()
    ma = a.wait(ADVICE, 12)
    mb = b.wait(ADVICE, 12)
    took = time.monotonic() - t0
    tap.check(ma is not None and mb is not None,
              f"both say what to change at the default log level ({took:.1f} s)")
    if ma is not None and mb is not None:
        tap.check(int(ma.group(1), 16) == gid_of(a) and int(mb.group(1), 16) == gid_of(b),
                  "and name their own GID for the other side's peer=")
    time.sleep(5.5)
    na, nb = advice_count(a, 0), advice_count(b, 0)
    tap.check(na >= 2 and nb >= 2 and na <= 4 and nb <= 4,
              f"repeated every few seconds, not every step ({na} and {nb} times)")
    tap.check(not a.link_up(0.5) and not b.link_up(0.5), "the link stays down")
    return a, b


def test_any_and_gid(a, b):
    gid_a = gid_of(a)
    b.quit()
    since = a.mark()
    b = TestPmd("b2", PLUGINS, f"net_ism0,fabric={FABRIC},peer={hex(gid_a)}", "0,1", 1)
    tap.check(b.ready() and a.link_up() and b.link_up(),
              "peer=any on a, a's GID on b: link up")
    tap.check(a.wait(r"peer=any: pairing with", 0, since) is not None,
              "a says whom it paired with")
    sb, sa = one_way(b, a, 0.5)
    tap.diag(f"a: {sa}\nb: {sb}")
    tap.check(sb["tx_packets"] > 1000 and sb["tx_packets"] == sa["rx_packets"] and
              sb["tx_bytes"] == sa["rx_bytes"],
              f"b -> a: exactly what b accepted arrived ({sb['tx_packets']} frames)")
    return a, b


def test_no_pairing_devarg():
    t = TestPmd("c", PLUGINS, f"net_ism0,fabric={FABRIC}", "0,1", 0)
    m = t.wait(r"needs peer=<gid> or peer=any or pair=<label>", 20)
    tap.check(m is not None,
              "no pairing devarg on the model: refused, naming peer= and pair=")
    tap.check(t.wait(r"link up", 0) is None, "and no port came up")
    t.quit()


def test_lib_log_in_rte_log():
    """lib/ism's own messages reach the application through rte_log, with
    the driver's log type (not written straight to stderr)."""
    name = f"{FABRIC}-junk"
    path = f"/dev/shm/ism-fabric.{name}"
    with open(path, "wb") as f:
        f.write(b"\x5a" * 65536)
    try:
        t = TestPmd("d", PLUGINS, f"net_ism0,fabric={name},pair=x", "0,1", 0,
                    extra_eal=["--log-level", "pmd.net.ism:info"])
        m = t.wait(r"^net_ism: ism: .*ism-fabric\.%s" % re.escape(name), 20)
        tap.check(m is not None,
                  "lib/ism's message about a foreign file comes through rte_log "
                  "(pmd.net.ism)")
        t.quit()
    finally:
        remove_fabric(name)


def main():
    a = b = None
    try:
        a, b = test_any_any()
        a, b = test_any_and_gid(a, b)
        test_no_pairing_devarg()
        test_lib_log_in_rte_log()
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
