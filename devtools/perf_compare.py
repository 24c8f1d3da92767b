#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Measure net_ism against net_memif and memcpy on one machine, in a way
whose ratios survive a noisy shared machine; write JSON, a PNG chart and
an RST report.

  devtools/perf_compare.py [--build DIR] [--out DIR] [--pairs N]
                           [--seconds S] [--warmup-pairs N] [--only KEYS]
                           [--count N] [--no-callgrind] [--no-vfio]
  devtools/perf_compare.py --from-json FILE [--out DIR]

1. Interleaved pairs. Each point is measured as --pairs pairs run back to
   back, net_ism first, then the other side (net_memif, or memcpy for the
   bounds), then net_ism again ..., after --warmup-pairs pairs that are
   thrown away; every run uses the same cores (0 and 1) and pinning. The
   figure of a point is the median of the per-pair ratios, with their
   interquartile range and min..max; a point whose interquartile range
   contains 1.0 is "not decided". Points: ism-perf's one-process stream
   at 64 and 1500 bytes and the two-testpmd pair at the same sizes (net_ism
   vs net_memif), the stream at 1500 bytes with zero_copy=1024 (an
   application's choice, not the default), the stream at 9000 bytes against single-core memcpy of
   9000-byte copies, round-trip p50 at 64 and 1500 bytes (ism-perf
   pingpong), and the store loop at 4096 bytes against memcpy. The runs
   of a pair are grouped (GROUPS): one ism-perf process measures all the
   sizes of its side in turn, one testpmd pair both of its sizes.
2. Instruction counts, which noise cannot move: ism-perf --count under
   valgrind --tool=callgrind, collecting only inside its perf_tx_burst,
   perf_rx_burst and perf_rx_free (the PMD's TX, its RX and the release of
   what RX delivered), per frame at 64, 1500 and 9000 bytes (net_memif
   refuses MTU 9000); the store loop and memcpy per KiB.
3. The real-hardware planning figure: the store loop through lib/ism's
   vfio transport on the in-process ism_vfio_pci emulation (us per store,
   pwrites per store), and net_ism TX from a port on the LD_PRELOAD
   emulation (pwrites per frame, frames per 4 KiB PCI Store Block).
"""
import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import perf_report  # noqa: E402
import perf_stats  # noqa: E402
from perf_runs import CORES, PID, Runs, remove_fabric  # noqa: E402

REC_HDR, REC_ALIGN, STORE = 8, 8, 4096	# drivers/net/ism/ism_ring.h, one PCISTB


def perf_run(mode, sizes, pmd=None):
    """A side of a group: one ism-perf run, its rows by size."""
    def run(runs, secs):
        rows, cmd = runs.ism_perf(["--mode", mode, "--sizes", ",".join(map(str, sizes))],
                                  pmd, secs)
        return {r["size"]: r for r in rows}, cmd
    return run


def testpmd_run(kind, sizes):
    def run(runs, secs):
        res = runs.testpmd_rates(sizes, kind, secs)
        first = res[sizes[0]]
        return res, f"{first['cmd_tx']} | {first['cmd_rx']}"
    return run


# A group is a list of runs made back to back, in this order, once per
# pair; each of its points is the ratio of two of them at one size. The
# points of a group share its runs (a process measures all its sizes in
# turn), which halves the process starts of a run of the script.
GROUPS = [
    ("stream", [("ism", perf_run("stream", [64, 1500, 9000], "ism")),
                ("memif", perf_run("stream", [64, 1500], "memif")),
                ("memcpy", perf_run("memcpy", [4096, 9000])),
                ("store", perf_run("store", [4096])),
                ("ism-zc", perf_run("stream", [1500], "ism-zc"))]),
    ("testpmd", [("ism", testpmd_run("ism", [64, 1500])),
                 ("memif", testpmd_run("memif", [64, 1500]))]),
    ("rtt", [("ism", perf_run("pingpong", [64, 1500], "ism")),
             ("memif", perf_run("pingpong", [64, 1500], "memif"))]),
]

# key, group, short label, title, unit scale, target, better, against
# memif (False: a bound), (run, size, field) of net_ism's side and of the
# other
POINTS = [
    ("stream_64", "stream", "stream 64", "stream 64 B, ism-perf (Mpps)", 1e6, 1.3, "higher",
     True, ("ism", 64, "ops_per_s"), ("memif", 64, "ops_per_s")),
    ("stream_1500", "stream", "stream 1500", "stream 1500 B, ism-perf (Gbit/s)", 1, 1.5,
     "higher", True, ("ism", 1500, "gbits_per_s"), ("memif", 1500, "gbits_per_s")),
    ("stream_1500_zc", "stream", "stream 1500 zc", "stream 1500 B, zero_copy=1024, ism-perf (Gbit/s)",
     1, 1.5, "higher", True, ("ism-zc", 1500, "gbits_per_s"), ("memif", 1500, "gbits_per_s")),
    ("testpmd_64", "testpmd", "testpmd 64", "stream 64 B, testpmd pair (Mpps)", 1e6, 1.3,
     "higher", True, ("ism", 64, "pps"), ("memif", 64, "pps")),
    ("testpmd_1500", "testpmd", "testpmd 1500", "stream 1500 B, testpmd pair (Mpps)", 1e6,
     1.5, "higher", True, ("ism", 1500, "pps"), ("memif", 1500, "pps")),
    ("stream_9000", "stream", "9000 / memcpy", "stream 9000 B vs memcpy (GB/s)", 1, 0.6,
     "higher", False, ("ism", 9000, "gbytes_per_s"), ("memcpy", 9000, "gbytes_per_s")),
    ("rtt_64", "rtt", "rtt p50 64", "round trip p50 64 B (us)", 1, 1.0, "lower", True,
     ("ism", 64, "p50_us"), ("memif", 64, "p50_us")),
    ("rtt_1500", "rtt", "rtt p50 1500", "round trip p50 1500 B (us)", 1, 1.0, "lower", True,
     ("ism", 1500, "p50_us"), ("memif", 1500, "p50_us")),
    ("store_4096", "stream", "store / memcpy", "store loop 4096 B vs memcpy (GB/s)", 1, 0.9,
     "higher", False, ("store", 4096, "gbytes_per_s"), ("memcpy", 4096, "gbytes_per_s")),
]

TARGET_TEXT = {
    "stream_64": ">= 1.3x net_memif Mpps at 64 B, ism-perf stream",
    "stream_1500": ">= 1.5x net_memif Gbit/s at 1500 B, ism-perf stream",
    "stream_1500_zc": ">= 1.5x net_memif Gbit/s at 1500 B, ism-perf, zero_copy=1024 (opt-in)",
    "testpmd_64": ">= 1.3x net_memif Mpps at 64 B, testpmd pair",
    "testpmd_1500": ">= 1.5x net_memif Gbit/s at 1500 B, testpmd pair",
    "stream_9000": ">= 0.6x single-core memcpy at 9000 B",
    "rtt_64": "round trip p50 <= net_memif's at 64 B",
    "rtt_1500": "round trip p50 <= net_memif's at 1500 B",
    "store_4096": "store loop >= 0.9x memcpy at 4096 B",
}


def attempt(runs, side, seconds, tries=3):
    """One run of a side; a run that fails to set up (a link that does not
    come up on a loaded machine) is tried again, then given up."""
    for t in range(tries):
        try:
            return side(runs, seconds)
        except Exception as e:  # noqa: BLE001 - said, retried, then raised
            if t + 1 == tries:
                raise
            runs.say(f"  (run failed, again: {str(e).splitlines()[0]})")
    return None


def measure_group(runs, group, points, args):
    """The pairs of one group: its runs in order, --warmup-pairs + --pairs
    times; the first ones thrown away."""
    needed = {p[8][0] for p in points} | {p[9][0] for p in points}
    sides = [(side, run) for side, run in group[1] if side in needed]
    pairs = {p[0]: [] for p in points}
    cmds = {}
    for i in range(args.warmup_pairs + args.pairs):
        got = {}
        for side, run in sides:
            got[side], cmds[side] = attempt(runs, run, args.seconds)
        kept = i >= args.warmup_pairs
        for p in points:
            key, scale, (ra, sa, fa), (rb, sb, fb) = p[0], p[4], p[8], p[9]
            a, b = got[ra][sa][fa], got[rb][sb][fb]
            runs.say(f"  {key:14} pair {i - args.warmup_pairs + 1 if kept else 'warm-up'}: "
                     f"{a / scale:9.3f} / {b / scale:9.3f} = {a / b:6.3f}")
            if kept:
                pairs[key].append({"a": a, "b": b, "ratio": a / b, "t": time.time()})
    return [point_result(runs, p, pairs[p[0]], cmds) for p in points]


def point_result(runs, point, pairs, cmds):
    key, group, short, title, scale, target, better, memif, side_a, side_b = point
    ratios = [p["ratio"] for p in pairs]
    s = perf_stats.summary(ratios)
    verdict = perf_stats.point_verdict(s, better) if memif else (
        "not decided" if perf_stats.crosses(s, target) else
        ("above the bound's share" if s["q1"] > target else "below the bound's share"))
    status = perf_stats.target_status(s, target, better, memif)
    runs.say(f"  {key:14} median {s['median']:.3f}x, IQR {s['q1']:.3f}..{s['q3']:.3f}, "
             f"min..max {s['min']:.3f}..{s['max']:.3f}: {verdict}; target {status}")
    return {"key": key, "group": group, "short": short, "title": title, "scale": scale,
            "target": target, "better": better,
            "against": "net_memif" if memif else "memcpy", "pairs": pairs, "summary": s,
            "verdict": verdict, "status": status,
            "favour": perf_stats.sign_count(ratios, better) if memif else
            sum(1 for x in ratios if x >= target),
            "commands": {"net_ism": cmds[side_a[0]], "other": cmds[side_b[0]]}}


def instructions(runs, args):
    sizes = [64, 1500, 9000]
    ins = {"count": args.count, "sizes": sizes, "stream": {"ism": {}, "memif": {}},
           "memif_refuses": {"9000": "refused (MTU 1500)"}}
    for pmd in ("ism", "memif"):
        for size in sizes:
            if pmd == "memif" and size > 1500:
                continue
            e = runs.stream_ir(pmd, size, args.count)
            runs.say(f"  {pmd:5} {size:5} B: TX {e['tx_ir']:8.1f} Ir/frame, RX "
                     f"{e['rx_ir']:8.1f} (burst {e['rx_burst_ir']:.1f} + free "
                     f"{e['rx_free_ir']:.1f})")
            ins["stream"][pmd][str(size)] = e
    for mode in ("store", "memcpy"):
        e = runs.copy_ir(mode, 4096, args.count)
        e["size"], e["count"] = 4096, args.count
        runs.say(f"  {mode:6} 4096 B: {e['per_kib']:.1f} Ir/KiB")
        ins[mode] = e
    return ins


def ir_targets(ins):
    """The instruction-count targets: deterministic, so met or missed."""
    out, missed = [], set()
    for size in ins["sizes"]:
        i, m = ins["stream"]["ism"].get(str(size)), ins["stream"]["memif"].get(str(size))
        if i is None or m is None:
            continue
        ok = i["rx_ir"] < m["rx_ir"]
        out.append({"target": f"RX instructions per frame below net_memif's at {size} B",
                    "measured": f"{i['rx_ir']:.0f} vs {m['rx_ir']:.0f} "
                                f"({i['rx_ir'] / m['rx_ir']:.2f}x)",
                    "status": "met" if ok else "missed"})
        if not ok:
            missed.add((size, "rx"))
        if size == 64:
            ok = i["tx_ir"] < m["tx_ir"]
            out.append({"target": "TX instructions per frame below net_memif's at 64 B",
                        "measured": f"{i['tx_ir']:.0f} vs {m['tx_ir']:.0f} "
                                    f"({i['tx_ir'] / m['tx_ir']:.2f}x)",
                        "status": "met" if ok else "missed"})
            if not ok:
                missed.add((size, "tx"))
    ins["profiles"] = [{"size": s, "count": ins["count"], "side": side,
                        "profile": ins["stream"]["ism"][str(s)][f"{side}_profile"],
                        "memif": ins["stream"]["memif"][str(s)][f"{side}_profile"]}
                       for s, side in sorted(missed)]
    return out


def vfio(runs, args):
    sizes = [64, 1500, 9000]
    v = {"sizes": sizes, "stream": {},
         "frames_per_store_max": {str(s): STORE / (REC_HDR + -(-s // REC_ALIGN) * REC_ALIGN)
                                  for s in sizes}}
    # the store loop: median of three runs by us per store, per size
    store_sizes = [64, 1500, 4096, 9000]
    runs3 = [runs.vfio_store(store_sizes, args.seconds) for _ in range(3)]
    rows = []
    for k in range(len(store_sizes)):
        ranked = sorted((r[0]["results"][k] for r in runs3), key=lambda x: x["us_per_store"])
        row = dict(ranked[1])
        row["us_per_store_runs"] = [x["us_per_store"] for x in ranked]
        rows.append(row)
    v["store"] = {"rows": rows, "command": runs3[0][1], "emulation": runs3[0][0]["emulation"]}
    for row in rows:
        runs.say(f"  store {row['size']:5} B: {row['us_per_store']:.3f} us per store, "
                 f"{row['stores'] / row['moves']:.2f} stores per move")
    tree = os.path.join(args.build, "test/emu/vfio-ism-emu-tree")
    preload = os.path.abspath(os.path.join(args.build, "test/emu/libvfio_ism_emu.so"))
    if not (os.path.exists(tree) and os.path.exists(preload)):
        v["stream_skipped"] = "the LD_PRELOAD emulation is not built"
        return v
    root = subprocess.run([tree, "0000:00:01.0"], capture_output=True, text=True,
                          check=True).stdout.strip()
    fabric = f"cmpv-{PID}"
    env = {"VFIO_ISM_SYSFS_ROOT": root, "VFIO_ISM_EMU_FABRIC": fabric, "LD_PRELOAD": preload}
    dev = "bus=vfio_ism,addr=0000:00:01.0/class=eth/driver=net_ism,peer=any"
    try:
        try:
            # jumbo mbufs at every size, so that one pair of processes does all
            res = runs.testpmd_rates(sizes, "vfio", args.seconds, env=env,
                                     vdev_b=f"net_ism0,fabric={fabric},peer=any",
                                     eal_a=["-a", dev, "--log-level", "pmd.net.ism:info"],
                                     app=["--mbuf-size=9300", "--max-pkt-len=9018"])
        except Exception as e:  # noqa: BLE001 - reported, the rest goes on
            res = {}
            v["stream_error"] = str(e).splitlines()[0]
            runs.say(f"  vfio stream failed: {e}")
        for size, r in res.items():
            v["stream"][str(size)] = r
            runs.say(f"  vfio  {size:5} B: {r['pps'] / 1e6:.2f} Mpps, "
                     f"{r['stores'] / max(r['packets'], 1):.3f} pwrites per frame")
    finally:
        shutil.rmtree(root, ignore_errors=True)
        remove_fabric(fabric)
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="doc/guides/perf")
    ap.add_argument("--pairs", type=int, default=11, help="kept pairs per point (default 11)")
    ap.add_argument("--warmup-pairs", type=int, default=1,
                    help="pairs run first and thrown away (default 1)")
    ap.add_argument("--seconds", type=float, default=1.0,
                    help="measuring time of each run (default 1)")
    ap.add_argument("--count", type=int, default=10000,
                    help="frames (moves) per instruction count (default 10000)")
    ap.add_argument("--only", metavar="KEYS",
                    help="comma-separated points to measure (and the runs of their "
                    "groups): " + ",".join(p[0] for p in POINTS))
    ap.add_argument("--no-callgrind", action="store_true", help="no instruction counts")
    ap.add_argument("--no-vfio", action="store_true", help="no vfio planning figure")
    ap.add_argument("--from-json", metavar="FILE",
                    help="measure nothing: write the table and chart of FILE")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as f:
            report = json.load(f)
        perf_report.write_rst(report, os.path.join(args.out, "results.rst"))
        perf_report.chart(report, os.path.join(args.out, "results.png"))
        return 0
    if args.pairs < 1 or args.warmup_pairs < 0 or args.seconds <= 0 or args.count < 1:
        ap.error("--pairs and --count need at least 1, --seconds more than 0")
    if not args.no_callgrind and shutil.which("valgrind") is None:
        ap.error("valgrind is not installed (apt-get install valgrind), or say --no-callgrind")
    only = set(args.only.split(",")) if args.only else None
    if only and only - {p[0] for p in POINTS}:
        ap.error(f"unknown points: {','.join(sorted(only - {p[0] for p in POINTS}))}")
    # a kill ends the run as an error does: fabrics and files removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("perf_compare: terminated"))
    t0 = time.time()
    report = {"machine": f"{platform.node()} {platform.machine()} "
                         f"{os.cpu_count()} cpus, {platform.platform()}",
              "dpdk": subprocess.run(["pkg-config", "--modversion", "libdpdk"],
                                     capture_output=True, text=True).stdout.strip(),
              "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
              "settings": {"pairs": args.pairs, "warmup_pairs": args.warmup_pairs,
                           "seconds": args.seconds, "cores": CORES,
                           "pinning": "ism-perf: main lcore 0 receives/pings, worker 1 "
                                      "sends/echoes; testpmd: sender forwards on 1, "
                                      "receiver on 0; callgrind: lcore 0 alone",
                           "decided_by": "interquartile range of the per-pair ratios"},
              "points": [], "targets": []}
    runs = Runs(args.build)
    try:
        print("1. interleaved pairs", flush=True)
        for group in GROUPS:
            points = [p for p in POINTS if p[1] == group[0] and (not only or p[0] in only)]
            if not points:
                continue
            report["points"] += measure_group(runs, group, points, args)
        for p in report["points"]:
            s = p["summary"]
            report["targets"].append({
                "target": TARGET_TEXT[p["key"]],
                "measured": f"{s['median']:.2f}x (IQR {s['q1']:.2f}..{s['q3']:.2f}, "
                            f"min..max {s['min']:.2f}..{s['max']:.2f})",
                "status": p["status"]})
        if not args.no_callgrind:
            print("2. instruction counts (callgrind)", flush=True)
            report["instructions"] = instructions(runs, args)
            report["targets"] += ir_targets(report["instructions"])
        if not args.no_vfio:
            print("3. lib/ism's vfio transport on the emulated ism_vfio_pci", flush=True)
            report["vfio"] = vfio(runs, args)
    finally:
        runs.cleanup()
    report["elapsed_s"] = time.time() - t0
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
    perf_report.write_rst(report, os.path.join(args.out, "results.rst"))
    perf_report.chart(report, os.path.join(args.out, "results.png"))
    print(f"wrote {args.out}/results.json, results.rst, results.png "
          f"({report['elapsed_s'] / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
