#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""net_ism on the vfio_ism bus, end to end: one dpdk-testpmd drives an ISM
function through the emulated ism_vfio_pci interface (LD_PRELOAD, fake
sysfs; every store a pwrite), the other a software-model port on the same
fabric. Traffic both ways, counted exactly. Output is TAP.

  test_vfio_testpmd.py PLUGIN_DIR TREE_TOOL PRELOAD_LIB
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "devtools"))
from testpmd_session import TestPmd, TestPmdError, one_way  # noqa: E402
from tap import Tap  # noqa: E402

tap = Tap()

PLUGINS, TREE, PRELOAD = sys.argv[1:4]
FABRIC = f"vfe2e-{os.getpid()}"


def check_one_way(tx, rx, what):
    st, sr = one_way(tx, rx, 1.5, drain=0.5)
    print(f"# {what}: tx {st['tx_packets']} rx {sr['rx_packets']}", flush=True)
    tap.check(st["tx_packets"] > 1000, f"{what}: traffic flowed ({st['tx_packets']} packets)")
    tap.check(st["tx_packets"] == sr["rx_packets"], f"{what}: tx accepted == rx received")
    for t in (tx, rx):
        t.cmd("clear port stats all")


def main():
    root = subprocess.run([TREE, "0000:00:01.0"], capture_output=True, text=True,
                          check=True).stdout.strip()
    env = {"VFIO_ISM_SYSFS_ROOT": root, "VFIO_ISM_EMU_FABRIC": FABRIC,
           "LD_PRELOAD": os.path.abspath(PRELOAD)}
    dev = "bus=vfio_ism,addr=0000:00:01.0/class=eth/driver=net_ism,peer=any"
    a = b = None
    try:
        a = TestPmd("vfio", PLUGINS, None, "0,1", 0, env=env,
                    extra_eal=["-a", dev, "--log-level", "pmd.net.ism:info"])
        tap.check(a.ready(), "testpmd on the emulated ism_vfio_pci device started")
        m = a.wait(r"gid ([0-9a-f]{16}) on vfio_ism:0000:00:01.0", 10)
        if not tap.check(m is not None, "net_ism took the vfio_ism device"):
            raise TestPmdError(a.output()[-2000:])
        b = TestPmd("model", PLUGINS, f"net_ism0,fabric={FABRIC},peer=0x{m.group(1)}",
                    "0,1", 1)
        tap.check(b.ready(), "testpmd on a model port started")
        tap.check(b.link_up() and a.link_up(),
              "link up: the vfio port paired with the first to say HELLO (peer=any)")
        check_one_way(b, a, "model -> vfio")
        check_one_way(a, b, "vfio -> model (every store a pwrite)")
        x = a.xstats()
        tap.check(x.get("rx_corrupt_records", 1) == 0 and x.get("tx_store_errors", 1) == 0,
              "no corrupt records, no store errors on the vfio port")
    except TestPmdError as e:
        tap.check(False, f"testpmd session: {e}")
    finally:
        for t in (a, b):
            if t is not None:
                t.quit()
        shutil.rmtree(root, ignore_errors=True)
        model_dir = os.environ.get("ISM_MODEL_DIR", "/dev/shm")
        try:
            os.unlink(os.path.join(model_dir, f"ism-fabric.{FABRIC}"))
        except OSError:
            pass
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
