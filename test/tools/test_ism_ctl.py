#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""ism-ctl, the built binary unchanged, against the emulated ism_vfio_pci
kernel interface (LD_PRELOAD) and a fake sysfs tree: list with every
state, fix and exit code; info (store limit from imaxstbl, region offsets
as the emulation lays them out, both ways in); stat; ping between two
functions on one emulated fabric; --json parsed and checked. Output is TAP.

  test_ism_ctl.py ISM_CTL SMCD_STREAM TREE_TOOL PRELOAD_LIB
"""
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from toolrun import Runner, Tap, make_tree, remove_fabric, remove_tree  # noqa: E402

tap = Tap()
CTL, SMCD, TREE, PRELOAD = sys.argv[1:5]
FABRIC = f"ismctl-{os.getpid()}"

A, B, C, D, E, F, G, H, X = (f"0000:00:0{i}.0" for i in range(1, 10))
APERTURE = (0x200000000, 0x2ffffffff)
FUNCS = [
    f"{A},cdev=0,imaxstbl=2048,maxstbl=128,shift=48,"
    f"aperture=0x{APERTURE[0]:x}-0x{APERTURE[1]:x}",
    f"{B},cdev=1,shift=dynamic",
    f"{C},driver=ism",
    f"{D},driver=",
    f"{E},driver=vfio-pci",
    f"{F},group=-1",
    f"{G},cap_version=1",
    f"{H},cap_version=0",
    f"{X},device=0x1234",
]
STATES = {A: "usable", B: "usable", C: "kernel-ism", D: "unbound",
          E: "vfio-pci", F: "no-group", G: "usable", H: "usable"}
GROUPS = {A: 1, B: 2, C: 3, D: 4, E: 5, G: 6, H: 7}


def rebind(addr):
    return f"driverctl set-override {addr} ism_vfio_pci"


def check_rc(r, want, what):
    ok = tap.check(r.rc == want, f"{what}: exit {want}")
    if not ok:
        tap.diag(r)
    return ok


def test_list(ctl):
    r = ctl.run(CTL, "list")
    check_rc(r, 0, "list (functions usable)")
    rows = {m.group(1): m.group(0) for m in
            re.finditer(r"^\s+(0000:00:0\d\.0)\s.*$", r.out, re.M)}
    for addr, state in STATES.items():
        group = str(GROUPS.get(addr, "-"))
        row = rows.get(addr, "")
        tap.check(re.search(rf"\s{re.escape(group)}\s.*\s{state}$", row) is not None,
                  f"list: {addr} shown in group {group} as {state}")
    tap.check(re.search(rf"{A}\s+ism_vfio_pci\s+1\s+vfio0\s", r.out) is not None,
              "list: the cdev of a function with vfio-dev/vfio0 is vfio0")
    tap.check(X not in r.out, "list: a function that is not 1014:04ed is not listed")
    for addr in (C, D, E):
        tap.check(rebind(addr) in r.out, f"list: the fix for {addr} ({STATES[addr]}) is shown")
    tap.check(re.search(rf"^\s+{F} .*no-group\n\s+why: bound to ism_vfio_pci but has no IOMMU group",
                        r.out, re.M) is not None, "list: the no-group function says why")

    j = ctl.run(CTL, "--json", "list").json()
    if not tap.check(j is not None, "list --json: stdout is one JSON document"):
        return
    fns = {f["addr"]: f for f in j["functions"]}
    tap.check({a: f["state"] for a, f in fns.items()} == STATES,
              "list --json: every function with its state")
    tap.check(all(fns[a]["fix"] == rebind(a) for a in (C, D, E)) and fns[F]["fix"] is None,
              "list --json: fix is the rebind command, null where no command fixes it")
    tap.check(all(fns[a]["usable"] == (STATES[a] == "usable") for a in STATES),
              "list --json: usable matches the state")
    tap.check(j["count"] == 8 and j["usable"] == 4, "list --json: 8 functions, 4 usable")
    tap.check(fns[A]["cdev"] == "vfio0" and fns[G]["cdev"] is None and
              fns[A]["iommu_group"] == 1 and fns[F]["iommu_group"] is None,
              "list --json: cdev and group, null when absent")
    tap.check(fns[D]["driver"] is None and fns[C]["driver"] == "ism",
              "list --json: driver, null when unbound")

    check_rc(ctl.run(CTL, "list", A, G), 0, "list of usable functions")
    r = ctl.run(CTL, "list", C)
    check_rc(r, 2, "list of a function on the kernel's ism driver")
    r = ctl.run(CTL, "list", "--json", X, "0000:00:1f.0")
    check_rc(r, 2, "list of a non-ISM and an absent address")
    j = r.json() or {"functions": []}
    tap.check([f["state"] for f in j["functions"]] == ["not-ism", "absent"],
              "list --json: not-ism and absent for named addresses")
    check_rc(ctl.run(CTL, "list", "00:zz.0"), 1, "list of something that is no PCI address")


def test_info(ctl):
    r = ctl.run(CTL, "info", A, "--json")
    check_rc(r, 0, "info (cdev)")
    j = r.json()
    if not tap.check(j is not None, "info --json: one JSON document"):
        return
    sl, fn, regs = j["store_limit"], j["function"], j["regions"]
    tap.check(sl["bytes"] == 2048 and sl["source"] == "imaxstbl",
              "info: store limit 2048 from imaxstbl")
    tap.check(sl["cap_version"] == 2 and sl["cap_maxstbl"] == 128 and
              sl["cap_imaxstbl"] == 2048,
              "info: the capability's maxstbl 128 shown, not used")
    tap.check(fn["path"] == "cdev" and fn["device_node"] == "/dev/vfio/devices/vfio0",
              "info: auto took the cdev /dev/vfio/devices/vfio0")
    tap.check(fn["iommu_group"] == 1 and fn["msi"] is True, "info: group 1, MSI on")
    present = {g["index"]: g for g in regs if g["present"]}
    tap.check(sorted(present) == [0, 1, 2, 3, 4, 5, 7],
              "info: BARs 0..5 and config are the regions")
    tap.check(all(int(g["offset"], 16) == i << 48 for i, g in present.items()),
              "info: offsets index << 48, as the emulation reports them")
    tap.check(present[0]["size"] == 1 << 48 and present[0]["flags"] == "0x3",
              "info: BAR 0 is 256 TiB, read|write, no mmap")
    gid = int(fn["gid"], 16)
    tap.check(gid != 0 and int(j["query_info"]["gid"], 16) == gid,
              "info: READ_GID and QUERY_INFO agree on a GID")
    ap = j["dma_aperture"]
    tap.check(ap["known"] and (int(ap["start"], 16), int(ap["end"], 16)) == APERTURE,
              "info: DMA aperture from the zPCI base capability")
    tap.check(j["query_info"]["sba"] != "0x0" and j["query_info"]["ieq_len"] > 0,
              "info: SBA and IEQ registered")

    r = ctl.run(CTL, "--path", "group", "--json", "info", A)
    check_rc(r, 0, "info --path group")
    j = r.json() or {}
    fn = j.get("function", {})
    tap.check(fn.get("path") == "group" and fn.get("device_node") == "/dev/vfio/1",
              "info: group path through /dev/vfio/1")
    tap.check(j.get("store_limit", {}).get("bytes") == 2048 and
              [int(g["offset"], 16) for g in j.get("regions", []) if g["present"]] ==
              [i << 48 for i in (0, 1, 2, 3, 4, 5, 7)],
              "info: same store limit and regions on the group path")

    r = ctl.run(CTL, "info", A)
    check_rc(r, 0, "info (text)")
    tap.check(re.search(r"^\s+in use\s+2048$", r.out, re.M) and
              re.search(r"^\s+from\s+imaxstbl$", r.out, re.M) and
              re.search(r"^\s+capability maxstbl\s+128$", r.out, re.M),
              "info text: store limit 2048 from imaxstbl, maxstbl 128 informational")
    tap.check(re.search(r"^\s+0\s+BAR 0\s+0x0\s+281474976710656\s+read write DMB data window$",
                        r.out, re.M) and
              re.search(r"^\s+2\s+BAR 2\s+0x2000000000000\s", r.out, re.M),
              "info text: the region table")

    r = ctl.run(CTL, "info", B, "--json")
    check_rc(r, 0, "info of a function with a dynamic region layout")
    regs = {g["name"]: int(g["offset"], 16) for g in (r.json() or {}).get("regions", [])
            if g["present"] and g["size"] > 0}
    tap.check(sorted(regs) == ["BAR 0", "BAR 2", "config"] and len(set(regs.values())) == 3 and
              all(o % 4096 == 0 for o in regs.values()),
              "info: dynamic layout, BAR 0, BAR 2 and config at distinct page-aligned offsets")
    # the emulation prints the layout it drew: "config at 0x..., BAR 2 at 0x..."
    drawn = {k: int(v, 16) for k, v in re.findall(r"(config|BAR \d) at (0x[0-9a-f]+)", r.err)}
    tap.check(drawn == regs, f"info: the offsets are the ones the emulation drew {drawn}")
    tap.check(regs.get("BAR 2") not in (None, 2 << 48) and regs.get("config") not in (None, 7 << 48),
              "info: dynamic offsets are not index << 48")

    r = ctl.run(CTL, "info", G, "--json")
    check_rc(r, 0, "info of a function without cdev, capability version 1")
    j = r.json() or {}
    tap.check(j.get("store_limit", {}).get("bytes") == 4096 and
              j["store_limit"]["source"] == "default" and j["store_limit"]["cap_version"] == 1,
              "info: version-1 capability: 4096 assumed")
    tap.check(j.get("function", {}).get("path") == "group" and
              j["function"]["device_node"] == "/dev/vfio/6",
              "info: auto took the group when there is no cdev")
    r = ctl.run(CTL, "info", H, "--json")
    j = r.json() or {}
    tap.check(r.rc == 0 and j.get("store_limit", {}).get("cap_version") == 0 and
              j["store_limit"]["bytes"] == 4096 and j["store_limit"]["cap_maxstbl"] is None,
              "info: no zPCI group capability: 4096 assumed")

    r = ctl.run(CTL, "info", G, "--path", "cdev")
    check_rc(r, 2, "info --path cdev where the kernel offers none")
    tap.check("no vfio cdev" in r.err and "--path group" in r.err,
              "info: says there is no cdev and to use --path group")
    r = ctl.run(CTL, "info", C)
    check_rc(r, 2, "info of a function on the kernel's ism driver")
    tap.check(rebind(C) in r.err, "info: says how to rebind it")
    r = ctl.run(CTL, "info", C, "--json")
    e = (r.json() or {}).get("error", {})
    tap.check(r.rc == 2 and e.get("exit_code") == 2 and e.get("fix") == rebind(C),
              "info --json: the refusal as an error document")
    r = ctl.run(CTL, "info", F)
    tap.check(r.rc == 2 and "no IOMMU group" in r.err, "info: no IOMMU group refused (exit 2)")
    check_rc(ctl.run(CTL, "info", "0000:00:1f.0"), 2, "info of an absent function")
    denied = os.path.join(ctl.env["VFIO_ISM_SYSFS_ROOT"], "kernel", "iommu_groups",
                          str(GROUPS[H]), "ism_emu_eacces")
    open(denied, "w").close()
    r = ctl.run(CTL, "info", H)
    os.unlink(denied)
    tap.check(r.rc == 2 and f"no permission to open /dev/vfio/{GROUPS[H]}" in r.err and
              "chown $USER" in r.err and "ulimit -l" in r.err,
              "info: a group node without permission: exit 2, chown and ulimit as the fix")
    check_rc(ctl.run(CTL, "info", "nonsense"), 1, "info of something that is no PCI address")


def test_stat(ctl):
    r = ctl.run(CTL, "stat", A, "--json")
    check_rc(r, 0, "stat")
    j = r.json()
    if not tap.check(j is not None, "stat --json: one JSON document"):
        return
    dev, lib, vf = j["device"], j["library"], j["vfio"]
    tap.check(dev["sba_registered"] and dev["ieq_registered"] and dev["ieq_len"] > 0,
              "stat: SBA and IEQ registered")
    tap.check(dev["dmbs_used"] == 0, "stat: no DMB in use")
    # REG_SBA, REG_IEQ, READ_GID and QUERY_INFO at open, QUERY_INFO again
    tap.check(lib["commands"] == 5 and lib["command_errors"] == 0,
              f"stat: 5 commands, no errors ({lib['commands']}, {lib['command_errors']})")
    # a command is its body in one store (if it has one), then its header;
    # a response is read in 8-byte loads: 5 headers, the GID, 2 x 192 bytes
    tap.check(vf["stores"] == 7 and vf["loads"] == 5 + 1 + 2 * 24,
              f"stat: 7 stores and 54 loads counted ({vf['stores']}, {vf['loads']})")
    tap.check(vf["errors"] == 0 and vf["refused"] == 0 and vf["retries"] == 0,
              "stat: no refused, failed or retried access")
    tap.check(vf["dma_maps"] == 2, "stat: two DMA mappings alive (SBA, IEQ)")
    r = ctl.run(CTL, "stat", A)
    tap.check(r.rc == 0 and re.search(r"^\s+SBA registered\s+yes$", r.out, re.M) and
              "vfio transport counters" in r.out, "stat text: device state and counters")


def test_ping_and_roles(ctl):
    # the "other LPAR": a receiver holding B, waiting for any sender
    rx = ctl.start(SMCD, "--role", "recv", "--dev", B, "--peer", "any", "-n", "2000",
                   "--wait", "30")
    m = re.search(r"gid ([0-9a-f]{16})", rx.first_line())
    if not tap.check(m is not None, "a receiver on B started and printed its GID"):
        tap.diag(rx.finish(5))
        return
    gid = m.group(1)
    r = ctl.run(CTL, "ping", A, gid)
    check_rc(r, 0, "ping of the GID of an open function on the same fabric")
    tap.check(re.search(r"^reachable\s+yes$", r.out, re.M) is not None, "ping: reachable yes")
    j = ctl.run(CTL, "ping", A, "0x" + gid, "--json").json() or {}
    tap.check(j.get("reachable") is True and int(j.get("gid", "0"), 16) == int(gid, 16),
              "ping --json: reachable, the GID asked for")
    r = ctl.run(CTL, "ping", A, "123456789abcdef0", "--json")
    check_rc(r, 4, "ping of an unknown GID")
    j = r.json() or {}
    tap.check(j.get("reachable") is False and j.get("ret") not in (None, "0x0000"),
              "ping --json: not reachable, the device's answer shown")
    check_rc(ctl.run(CTL, "ping", A, "xyz"), 1, "ping of something that is no GID")

    tx = ctl.run(SMCD, "--role", "send", "--dev", A, "--peer", gid, "-n", "2000")
    check_rc(tx, 0, "smcd_stream --role send to the waiting receiver")
    tap.check("receiver confirmed: 2000 of 2000 messages intact" in tx.out,
              "sender: the receiver confirmed every message")
    r = rx.finish(30)
    check_rc(r, 0, "smcd_stream --role recv --peer any")
    tap.check(re.search(r"receiver\s+2000\s+\d+\s+0\s", r.out) is not None and
              "verified: every message arrived in order, byte for byte" in r.out,
              "receiver: 2000 messages, 0 errors, verified byte for byte")


def test_usage(ctl):
    r = ctl.run(CTL, "--help")
    tap.check(r.rc == 0 and all(c in r.out for c in ("list", "info ADDR", "ping ADDR GID",
                                                     "stat ADDR", "Exit status")),
              "--help: commands and exit codes")
    for cmd in ("list", "info", "ping", "stat"):
        r = ctl.run(CTL, cmd, "--help")
        tap.check(r.rc == 0 and r.out.startswith(f"Usage: ism-ctl {cmd}"),
                  f"{cmd} --help")
    for args, what in ((["bogus"], "an unknown command"), ([], "no command"),
                       (["info"], "info without an address"),
                       (["stat", A, B], "stat with two addresses"),
                       (["--path", "x", "list"], "a bad --path"),
                       (["ping", A, "1", "--vlan", "5000"], "a bad --vlan")):
        check_rc(ctl.run(CTL, *args), 1, f"usage error: {what}")


def test_tree_tool():
    """vfio-ism-emu-tree refuses what it cannot build, says why, and leaves
    no half-built temporary tree behind."""
    tmp = tempfile.mkdtemp(prefix="treetool.")
    try:
        run = Runner({"TMPDIR": tmp})
        r = run.run(TREE, A, "0000:0:1.0")
        tap.check(r.rc == 1 and "is not a PCI address" in r.err and "0000:00:01.0" in r.err,
                  "tree tool: a non-canonical address: exit 1, says the form")
        r2 = run.run(TREE, f"{A},group")
        tap.check(r2.rc == 1 and "KEY=VAL" in r2.err, "tree tool: a key without a value: exit 1")
        tap.check(os.listdir(tmp) == [], "tree tool: nothing left in $TMPDIR after a refusal")
        check_rc(run.run(TREE, A, "--bogus"), 2, "tree tool: an unknown option")
        r = run.run(TREE, "--help")
        tap.check(r.rc == 0 and "Exit status" in r.out, "tree tool: --help with exit codes")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    root = None
    try:
        root = make_tree(TREE, *FUNCS)
        ctl = Runner({"VFIO_ISM_SYSFS_ROOT": root, "VFIO_ISM_EMU_FABRIC": FABRIC,
                      "LD_PRELOAD": os.path.abspath(PRELOAD)})
        test_usage(ctl)
        test_tree_tool()
        test_list(ctl)
        test_info(ctl)
        test_stat(ctl)
        test_ping_and_roles(ctl)
        empty = make_tree(TREE, f"{X},device=0x1234")
        r = Runner({"VFIO_ISM_SYSFS_ROOT": empty}).run(CTL, "list")
        tap.check(r.rc == 2 and "no ISM function" in r.err,
                  "list of a tree without ISM functions: exit 2, says so")
        r = Runner().run(CTL, "--sysfs", empty + "/nowhere", "--json", "list")
        e = (r.json() or {}).get("error", {})
        tap.check(r.rc == 2 and "cannot read" in e.get("message", "") and "--sysfs" in e.get("fix", ""),
                  "list of a sysfs root that is not there: exit 2, the error as JSON")
        remove_tree(empty)
    finally:
        remove_tree(root)
        remove_fabric(FABRIC)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
