# SPDX-License-Identifier: BSD-3-Clause
"""results.rst and results.png of devtools/perf_compare.py, from its JSON
report alone (perf_compare.py --from-json redraws them)."""
import sys


def table(rows, header, title=None):
    """An RST simple table, columns as wide as their widest cell."""
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    rule = "    " + " ".join("=" * w for w in widths)
    out = [f".. table:: {title}\n" if title else ".. table::\n", rule,
           "    " + " ".join(c.ljust(w) for c, w in zip(cells[0], widths)).rstrip(), rule]
    for r in cells[1:]:
        out.append("    " + " ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    out += [rule, ""]
    return out


def fmt(v, digits=2):
    return "n/a" if v is None else f"{v:.{digits}f}"


def spread(s):
    return f"{s['q1']:.2f}..{s['q3']:.2f}", f"{s['min']:.2f}..{s['max']:.2f}"


def points_table(r):
    rows = []
    for p in r["points"]:
        s = p["summary"]
        if s["n"] == 0:
            rows.append([p["title"], "-", "-", "-", "-", "-", "0", p["verdict"]])
            continue
        iqr, rng = spread(s)
        a = sorted(x["a"] for x in p["pairs"])
        b = sorted(x["b"] for x in p["pairs"])
        rows.append([p["title"], f"{a[len(a) // 2] / p['scale']:.2f}",
                     f"{b[len(b) // 2] / p['scale']:.2f}", f"{s['median']:.2f}x", iqr, rng,
                     f"{p['favour']}/{s['n']}", p["verdict"]])
    return table(rows, ["point", "net_ism", "other", "ratio", "IQR", "min..max",
                        "pairs for net_ism", "verdict"],
                 "Interleaved pairs: medians of each side and of the per-pair ratios")


def ir_tables(r):
    ins = r.get("instructions")
    if not ins:
        return []
    out = []
    rows = []
    for size in ins["sizes"]:
        i = ins["stream"]["ism"].get(str(size))
        m = ins["stream"]["memif"].get(str(size))
        if i is None:
            continue
        if m is None:
            rows.append([size, f"{i['tx_ir']:.0f}", ins["memif_refuses"].get(str(size), "n/a"),
                         "-", f"{i['rx_ir']:.0f} ({i['rx_burst_ir']:.0f} + {i['rx_free_ir']:.0f})",
                         "-", "-"])
            continue
        rows.append([size, f"{i['tx_ir']:.0f}", f"{m['tx_ir']:.0f}",
                     f"{i['tx_ir'] / m['tx_ir']:.2f}x",
                     f"{i['rx_ir']:.0f} ({i['rx_burst_ir']:.0f} + {i['rx_free_ir']:.0f})",
                     f"{m['rx_ir']:.0f} ({m['rx_burst_ir']:.0f} + {m['rx_free_ir']:.0f})",
                     f"{i['rx_ir'] / m['rx_ir']:.2f}x"])
    out += table(rows, ["bytes", "TX ism", "TX memif", "TX ratio", "RX ism (burst + free)",
                        "RX memif (burst + free)", "RX ratio"],
                 f"Instructions per frame (callgrind, {ins['count']} frames after a "
                 "1024-frame warm-up, one lcore)")
    st, mc = ins["store"], ins["memcpy"]
    out += table([[st["size"], f"{st['per_kib']:.1f}", f"{mc['per_kib']:.1f}",
                   f"{st['per_kib'] / mc['per_kib']:.2f}x"]],
                 ["bytes per move", "store loop", "memcpy", "store/memcpy"],
                 f"Instructions per KiB (callgrind, {st['count']} moves)")
    return out


def targets_table(r):
    rows = [[t["target"], t["measured"], t["status"]] for t in r["targets"]]
    return table(rows, ["target (issue 10)", "measured", "status"], "Targets")


def profile_lists(r):
    out = []
    for p in r.get("instructions", {}).get("profiles", []):
        side = "TX (tx_burst)" if p["side"] == "tx" else "RX (rx_burst and the free)"
        out.append(f"Where the instructions go, {side}, {p['size']} bytes: the top "
                   f"functions by Ir (self) per frame, net_ism and net_memif "
                   f"(its library has no symbols: addresses):\n")
        rows = []
        for k in range(max(len(p["profile"]), len(p["memif"]))):
            cell = []
            for prof in (p["profile"], p["memif"]):
                e = prof[k] if k < len(prof) else None
                # a blank first cell would continue the row above
                cell += [f"{e['ir'] / p['count']:.1f}", f"{e['fn']} ({e['object']})" if e["object"] else e["fn"]] if e \
                    else ["-", "-"]
            rows.append(cell)
        out += table(rows, ["ism Ir", "net_ism function", "memif Ir", "net_memif function"])
    return out


def vfio_tables(r):
    v = r.get("vfio")
    if not v:
        return []
    out = []
    rows = []
    for row in v["store"]["rows"]:
        rows.append([row["size"], f"{row['us_per_store']:.3f}",
                     f"{row['stores'] / row['moves']:.2f}",
                     f"{row['pwrites'] / row['stores']:.2f}" if row["pwrites"] is not None
                     else "n/a"])
    out += table(rows, ["bytes per move", "us per store", "stores per move",
                        "pwrites per store"],
                 "Store loop through lib/ism's vfio transport, in-process ism_vfio_pci "
                 "emulation (median of runs by us per store)")
    rows = []
    for size in v["sizes"]:
        s = v["stream"].get(str(size))
        if s is None or not s.get("packets") or not s.get("stores"):
            why = v.get("stream_error") or v.get("stream_skipped") or "nothing arrived"
            rows.append([size, "-", "-", "-", "-", f"{v['frames_per_store_max'][str(size)]:.2f}",
                         why[:60]])
            continue
        rows.append([size, f"{s['pps'] / 1e6:.2f}", f"{s['stores_per_s'] / 1e6:.2f}",
                     f"{s['stores'] / s['packets']:.3f}", f"{s['packets'] / s['stores']:.2f}",
                     f"{v['frames_per_store_max'][str(size)]:.2f}", ""])
    out += table(rows, ["bytes", "Mpps", "M stores/s", "pwrites per frame",
                        "frames per store", "at most", "note"],
                 "net_ism TX from a port on the emulated ism_vfio_pci (testpmd txonly "
                 "-> rxonly; one pwrite per PCI Store Block of <= 4 KiB)")
    return out


def write_rst(r, path):
    s = r["settings"]
    L = [".. This file is generated by devtools/perf_compare.py; do not edit.\n",
         f"Measured {r['date']} on {r['machine']}, DPDK {r['dpdk']}: "
         f"{s['pairs']} interleaved pairs per point after {s['warmup_pairs']} discarded, "
         f"{s['seconds']} s per run, cores {s['cores']} for every run. "
         f"The whole run took {r.get('elapsed_s', 0) / 60:.1f} minutes.\n"]
    L += points_table(r)
    L += ir_tables(r)
    L += targets_table(r)
    L += profile_lists(r)
    L += vfio_tables(r)
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
    fig, ax = plt.subplots(1, 2, figsize=(13, 4.8))
    pts = [p for p in r["points"] if p["summary"]["n"] > 0]
    for i, p in enumerate(pts):
        s = p["summary"]
        ax[0].plot([i, i], [s["min"], s["max"]], color="0.6", lw=1)
        ax[0].plot([i, i], [s["q1"], s["q3"]], color="tab:blue", lw=6, solid_capstyle="butt")
        ax[0].plot([i], [s["median"]], "o", color="black", ms=5)
        ax[0].plot([i - 0.3, i + 0.3], [p["target"]] * 2, color="tab:red", lw=1.5)
    ax[0].axhline(1.0, color="black", lw=0.8, ls="--")
    ax[0].set_yscale("log")
    ax[0].set_xticks(range(len(pts)), [p["short"] for p in pts], rotation=30, ha="right",
                     fontsize=8)
    ax[0].set_ylabel("net_ism / other, per pair")
    ax[0].set_title("interleaved pairs: median (dot), IQR (bar), min..max;\n"
                    "red: the target", fontsize=9)
    ins = r.get("instructions", {"sizes": []})
    labels, vals, colors = [], [], []
    for size in ins["sizes"]:
        for pmd, c in (("ism", "tab:blue"), ("memif", "tab:orange")):
            e = ins["stream"][pmd].get(str(size))
            if e is None:
                continue
            labels.append(f"{pmd}\n{size}")
            vals.append((e["tx_ir"], e["rx_ir"]))
            colors.append(c)
    x = range(len(labels))
    ax[1].bar([i - 0.2 for i in x], [v[0] for v in vals], 0.4, color=colors, label="TX")
    ax[1].bar([i + 0.2 for i in x], [v[1] for v in vals], 0.4, color=colors, hatch="//",
              label="RX (burst + free)")
    ax[1].set_xticks(list(x), labels, fontsize=8)
    ax[1].set_ylabel("instructions per frame")
    ax[1].set_title("callgrind, fixed count: TX plain, RX hatched", fontsize=9)
    fig.suptitle(f"dpdk-ism, {r['date']}: ratios of interleaved pairs; instruction counts")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
