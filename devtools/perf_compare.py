#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Measure net_ism against net_memif and memcpy in one run, same machine,
same cores, same sizes; write JSON, a PNG chart and an RST table.

  devtools/perf_compare.py [--build DIR] [--out DIR] [--seconds N]

Measures:
  1. single-core memcpy bandwidth and the lib/ism store loop (ism-perf),
     every ism-perf figure the median of three runs,
  2. ethdev stream between two ports of one process, net_ism vs net_memif
     (ism-perf stream: TX lcore -> RX lcore, sequence-checked),
  3. round-trip latency, net_ism vs net_memif (ism-perf pingpong),
  4. two stock dpdk-testpmd processes, txonly -> rxonly, net_ism vs
     net_memif, 64 and 1500 bytes (receiver's rate),
  5. the same from a net_ism port on the emulated ism_vfio_pci interface:
     one pwrite per 4 KiB store, the cost real hardware planning needs.
"""
import argparse
import glob
import json
import os
import platform
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testpmd_session import TestPmd, TestPmdError  # noqa: E402

EAL = ["--no-huge", "-m", "1024", "--no-pci", "--log-level", "*:warning"]


def ism_perf(build, args, vdevs, prefix, seconds, runs=3):
    """Median over @runs runs of ism-perf, per size (by the main figure)."""
    results = []
    for i in range(runs):
        rows, cmd = ism_perf_once(build, args, vdevs, f"{prefix}{i}", seconds)
        results.append(rows)
    key = "p50_us" if "pingpong" in args else "ops_per_s"
    median = []
    for k in range(len(results[0])):
        ranked = sorted((r[k] for r in results), key=lambda row: row[key])
        row = dict(ranked[len(ranked) // 2])
        row["runs"] = [r[k][key] for r in results]
        median.append(row)
    return median, cmd


def ism_perf_once(build, args, vdevs, prefix, seconds):
    out = f"/dev/shm/perf-{prefix}-{os.getpid()}.json"
    cmd = [os.path.join(build, "app/test-ism/ism-perf"), "-l", "0,1",
           "--file-prefix", f"{prefix}-{os.getpid()}", *EAL,
           "-d", os.path.join(build, "drivers")]
    for v in vdevs:
        cmd += ["--vdev", v]
    cmd += ["--", "--seconds", str(seconds), "--quiet", "--json", out, *args]
    print("  $ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"ism-perf failed:\n{r.stdout}\n{r.stderr}")
    print(r.stdout.rstrip(), flush=True)
    with open(out, encoding="utf-8") as f:
        data = json.load(f)
    os.unlink(out)
    return data["results"], " ".join(cmd)


def testpmd_rate(build, size, kind, seconds, env=None, vdev_a=None, vdev_b=None,
                 eal_a=()):
    """Two testpmd: a txonly -> b rxonly; the receiver's packets/s."""
    plugins = os.path.join(build, "drivers")
    tag = f"{kind}{size}-{os.getpid()}"
    if kind == "memif":
        sock = f"/run/ism-perf-{tag}.sock"
        vdev_b = f"net_memif0,role=server,socket={sock}"
        vdev_a = f"net_memif0,role=client,socket={sock}"
    elif kind == "ism":
        vdev_a = vdev_b = f"net_ism0,fabric=cmp-{tag},pair=cmp"
    a = TestPmd(f"tx{tag}", plugins, vdev_a, "0,1", 0, env=env, extra_eal=list(eal_a))
    if kind == "vfio":
        # the vfio port waits for a HELLO (peer=any): tell the other its GID
        m = a.wait(r"gid ([0-9a-f]{16}) on vfio_ism", 20)
        if m is None:
            a.quit()
            raise TestPmdError("the vfio port did not come up:\n" + a.output()[-1500:])
        vdev_b = vdev_b.replace("peer=any", f"peer=0x{m.group(1)}")
    b = TestPmd(f"rx{tag}", plugins, vdev_b, "0,1", 1)
    try:
        if not (a.ready() and b.ready() and b.link_up() and a.link_up()):
            raise TestPmdError(f"{kind}: link not up:\n{a.output()[-1500:]}")
        b.cmd("set fwd rxonly")
        b.cmd("start", r"packet forwarding")
        a.cmd(f"set txpkts {size}")
        a.cmd("set fwd txonly")
        a.cmd("start", r"packet forwarding")
        time.sleep(0.5)
        s0, t0 = b.stats()["rx_packets"], time.monotonic()
        x0 = a.xstats() if kind == "vfio" else {}
        time.sleep(seconds)
        s1, t1 = b.stats()["rx_packets"], time.monotonic()
        x1 = a.xstats() if kind == "vfio" else {}
        a.cmd("stop", r"Done|Telling cores")
        time.sleep(0.3)
        b.cmd("stop", r"Done|Telling cores")
        sa, sb = a.stats(), b.stats()
        pps = (s1 - s0) / (t1 - t0)
        res = {"pps": pps, "lost": sa["tx_packets"] - sb["rx_packets"],
               "cmd_tx": a.cmdline, "cmd_rx": b.cmdline}
        if x1:
            res["stores_per_s"] = (x1["tx_stores"] - x0["tx_stores"]) / (t1 - t0)
        return res
    finally:
        a.quit()
        b.quit()


def by_size(rows, size):
    for r in rows:
        if r["size"] == size:
            return r
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="doc/guides/perf")
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--from-json", metavar="FILE",
                    help="measure nothing: write the table and chart of FILE")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as f:
            report = json.load(f)
        write_rst(report, os.path.join(args.out, "results.rst"))
        chart(report, os.path.join(args.out, "results.png"))
        return 0
    secs = args.seconds
    report = {"machine": f"{platform.node()} {platform.machine()} "
                         f"{os.cpu_count()} cpus, {platform.platform()}",
              "dpdk": subprocess.run(["pkg-config", "--modversion", "libdpdk"],
                                     capture_output=True, text=True).stdout.strip(),
              "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
              "commands": {}}

    print("1. memcpy and the store loop", flush=True)
    sizes = "64,256,1024,2048,4096,1048576"
    report["memcpy"], report["commands"]["memcpy"] = ism_perf(
        args.build, ["--mode", "memcpy", "--sizes", sizes], [], "memcpy", secs)
    report["store"], report["commands"]["store"] = ism_perf(
        args.build, ["--mode", "store", "--sizes", sizes], [], "store", secs)

    print("2. stream between two ports of one process", flush=True)
    ism_vdevs = [f"net_ism0,fabric=cmp-{os.getpid()},pair=s",
                 f"net_ism1,fabric=cmp-{os.getpid()},pair=s"]
    sock = f"/run/ism-perf-{os.getpid()}.sock"
    memif_vdevs = [f"net_memif0,role=server,socket={sock}",
                   f"net_memif1,role=client,socket={sock}"]
    report["stream_ism"], report["commands"]["stream_ism"] = ism_perf(
        args.build, ["--mode", "stream", "--sizes", "64,128,512,1500,9000,mix"],
        ism_vdevs, "sism", secs)
    report["stream_memif"], report["commands"]["stream_memif"] = ism_perf(
        args.build, ["--mode", "stream", "--sizes", "64,128,512,1500,mix"],
        memif_vdevs, "smemif", secs)

    print("3. round-trip latency", flush=True)
    report["pingpong_ism"], report["commands"]["pingpong_ism"] = ism_perf(
        args.build, ["--mode", "pingpong"], ism_vdevs, "pism", secs)
    report["pingpong_memif"], report["commands"]["pingpong_memif"] = ism_perf(
        args.build, ["--mode", "pingpong"], memif_vdevs, "pmemif", secs)

    print("4. two dpdk-testpmd processes, txonly -> rxonly", flush=True)
    report["testpmd"] = {}
    for size in (64, 1500):
        for kind in ("ism", "memif"):
            r = testpmd_rate(args.build, size, kind, secs)
            report["testpmd"][f"{kind}_{size}"] = r
            print(f"  {kind:5} {size:5} bytes: {r['pps'] / 1e6:7.2f} Mpps", flush=True)

    print("5. net_ism on the emulated ism_vfio_pci interface (pwrite per store)", flush=True)
    tree = os.path.join(args.build, "test/emu/vfio-ism-emu-tree")
    preload = os.path.abspath(os.path.join(args.build, "test/emu/libvfio_ism_emu.so"))
    if os.path.exists(tree) and os.path.exists(preload):
        root = subprocess.run([tree, "0000:00:01.0"], capture_output=True, text=True,
                              check=True).stdout.strip()
        fabric = f"cmpv-{os.getpid()}"
        env = {"VFIO_ISM_SYSFS_ROOT": root, "VFIO_ISM_EMU_FABRIC": fabric,
               "LD_PRELOAD": preload}
        # the vfio side sends; it pairs with whoever says HELLO first
        dev = "bus=vfio_ism,addr=0000:00:01.0/class=eth/driver=net_ism,peer=any"
        report["vfio"] = {}
        for size in (64, 1500):
            r = testpmd_rate(args.build, size, "vfio", secs, env=env,
                             vdev_b=f"net_ism0,fabric={fabric},peer=any",
                             eal_a=["-a", dev, "--log-level", "pmd.net.ism:info"])
            report["vfio"][f"vfio_{size}"] = r
            print(f"  vfio  {size:5} bytes: {r['pps'] / 1e6:7.2f} Mpps, "
                  f"{r.get('stores_per_s', 0) / 1e6:.2f} M stores/s", flush=True)

    # the fabrics and interrupt FIFOs this run made (all named with our pid)
    model_dir = os.environ.get("ISM_MODEL_DIR", "/dev/shm")
    for path in glob.glob(os.path.join(model_dir, f"ism-fabric.*-{os.getpid()}*")):
        os.unlink(path)
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    write_rst(report, os.path.join(args.out, "results.rst"))
    chart(report, os.path.join(args.out, "results.png"))
    print(f"wrote {args.out}/results.json, results.rst, results.png")
    return 0


def spread(row):
    """min..max of a row's runs, in millions."""
    if not row or "runs" not in row:
        return "-"
    return f"{min(row['runs']) / 1e6:.1f}..{max(row['runs']) / 1e6:.1f}"


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "n/a"


def write_rst(r, path):
    L = []
    L.append(".. This file is generated by devtools/perf_compare.py; do not edit.\n")
    L.append(f"Measured {r['date']} on {r['machine']}, DPDK {r['dpdk']}. "
             "ism-perf figures are the median of three runs.\n")
    L.append(".. table:: Store loop vs memcpy (one core, 1 MiB target, GB/s)\n")
    L.append("    ========== ========= ========= ==========")
    L.append("    bytes      memcpy    store     store/cpy")
    L.append("    ========== ========= ========= ==========")
    for m in r["memcpy"]:
        s = by_size(r["store"], m["size"])
        L.append(f"    {m['size']:<10} {m['gbytes_per_s']:<9.2f} {s['gbytes_per_s']:<9.2f} "
                 f"{ratio(s['gbytes_per_s'], m['gbytes_per_s']):<10}")
    L.append("    ========== ========= ========= ==========\n")
    L.append(".. table:: ethdev stream, two ports of one process (receiver; median, "
             "and the three runs' range)\n")
    L.append("    ====== ========== ============= ========== ============= ======== ========== ========== ========== ==========")
    L.append("    bytes  ism Mpps   ism range     memif Mpps memif range   ratio    ism Gbit/s memif Gb/s ratio      ism/memcpy")
    L.append("    ====== ========== ============= ========== ============= ======== ========== ========== ========== ==========")
    mem4k = by_size(r["memcpy"], 4096)["gbytes_per_s"]
    for s in r["stream_ism"]:
        m = by_size(r["stream_memif"], s["size"])
        mp, mg = (m["ops_per_s"], m["gbits_per_s"]) if m else (0, 0)
        L.append(f"    {str(s['size']):<6} {s['ops_per_s'] / 1e6:<10.2f} {spread(s):<13} "
                 f"{(mp / 1e6 if m else 0):<10.2f} {spread(m):<13} {ratio(s['ops_per_s'], mp):<8} "
                 f"{s['gbits_per_s']:<10.2f} {mg:<10.2f} {ratio(s['gbits_per_s'], mg):<10} "
                 f"{ratio(s['gbits_per_s'] / 8, mem4k):<10}")
    L.append("    ====== ========== ============= ========== ============= ======== ========== ========== ========== ==========\n")
    L.append(".. table:: Round trips, two ports of one process (microseconds)\n")
    L.append("    ====== ====== ======== ======== ========== ======== ========")
    L.append("    PMD    bytes  p50      p99      p99.9      max      lost")
    L.append("    ====== ====== ======== ======== ========== ======== ========")
    for kind in ("ism", "memif"):
        for p in r[f"pingpong_{kind}"]:
            L.append(f"    {kind:<6} {p['size']:<6} {p['p50_us']:<8.2f} {p['p99_us']:<8.2f} "
                     f"{p['p999_us']:<10.2f} {p['max_us']:<8.2f} {p['lost']:<8}")
    L.append("    ====== ====== ======== ======== ========== ======== ========\n")
    L.append(".. table:: Two dpdk-testpmd processes, txonly -> rxonly (receiver, Mpps)\n")
    L.append("    ====== ========== ========== ========")
    L.append("    bytes  net_ism    net_memif  ratio")
    L.append("    ====== ========== ========== ========")
    for size in (64, 1500):
        i, m = r["testpmd"][f"ism_{size}"]["pps"], r["testpmd"][f"memif_{size}"]["pps"]
        L.append(f"    {size:<6} {i / 1e6:<10.2f} {m / 1e6:<10.2f} {ratio(i, m):<8}")
    L.append("    ====== ========== ========== ========\n")
    if "vfio" in r:
        L.append(".. table:: net_ism TX through the emulated ism_vfio_pci (one pwrite per store)\n")
        L.append("    ====== ========== ============== ==================")
        L.append("    bytes  Mpps       M stores/s     us per store (max)")
        L.append("    ====== ========== ============== ==================")
        for size in (64, 1500):
            v = r["vfio"][f"vfio_{size}"]
            sps = v.get("stores_per_s", 0)
            L.append(f"    {size:<6} {v['pps'] / 1e6:<10.2f} {sps / 1e6:<14.2f} "
                     f"{(1e6 / sps if sps else 0):<18.3f}")
        L.append("    ====== ========== ============== ==================\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(L))


def chart(r, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("perf_compare: python3-matplotlib missing: no chart", file=sys.stderr)
        return
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    labels = [str(s["size"]) for s in r["stream_ism"]]
    ism = [s["ops_per_s"] / 1e6 for s in r["stream_ism"]]
    memif = []
    for s in r["stream_ism"]:
        m = by_size(r["stream_memif"], s["size"])
        memif.append(m["ops_per_s"] / 1e6 if m else 0)
    x = range(len(labels))
    ax[0].bar([i - 0.2 for i in x], ism, 0.4, label="net_ism")
    ax[0].bar([i + 0.2 for i in x], memif, 0.4, label="net_memif")
    ax[0].set_xticks(list(x), labels)
    ax[0].set_xlabel("frame bytes")
    ax[0].set_ylabel("Mpps at the receiver")
    ax[0].set_title("ethdev stream, one process, two lcores")
    ax[0].legend()
    sizes = [str(m["size"]) for m in r["memcpy"]]
    ax[1].plot(sizes, [m["gbytes_per_s"] for m in r["memcpy"]], "o-", label="memcpy")
    ax[1].plot(sizes, [s["gbytes_per_s"] for s in r["store"]], "s-", label="ism_move (model)")
    ax[1].set_xlabel("bytes per copy / move")
    ax[1].set_ylabel("GB/s")
    ax[1].set_title("store loop vs memcpy, one core")
    ax[1].legend()
    fig.suptitle(f"dpdk-ism, {r['date']}, ratios matter, not absolutes")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


if __name__ == "__main__":
    sys.exit(main())
