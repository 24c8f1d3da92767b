# SPDX-License-Identifier: BSD-3-Clause
"""The measurements devtools/perf_compare.py is made of, one run each:
ism-perf (timed, or a fixed count under callgrind), a pair of stock
dpdk-testpmd processes, and ism-perf-emu on the emulated ism_vfio_pci
interface. Every run names the cores it uses; all of them use the same.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time

from testpmd_session import TestPmd, TestPmdError, remove_fabric

EAL = ["--no-huge", "-m", "1024", "--no-pci", "--log-level", "*:warning"]
# ism-perf: the main lcore receives (stream) or pings (pingpong) on core
# 0, the worker sends or echoes on core 1; testpmd: the sender forwards on
# core 1, the receiver on core 0.
CORES = "0,1"
PID = os.getpid()
RUNTIME = "/var/run/dpdk"


class Runs:
    """Runs of one build; every fabric, socket and file it makes is named
    with this process's id and a counter, and removed by cleanup()."""

    def __init__(self, build, verbose=True):
        self.build = build
        self.perf = os.path.join(build, "app/test-ism/ism-perf")
        self.plugins = os.path.join(build, "drivers")
        self.verbose = verbose
        self.n = 0
        self.fabrics = set()
        self.prefixes = set()	# EAL runtime directories of our runs
        self.tmp = tempfile.mkdtemp(prefix="perf-compare-")

    def tag(self, what):
        self.n += 1
        return f"{what}{self.n}-{PID}"

    def say(self, text):
        if self.verbose:
            print(text, flush=True)

    def vdevs(self, pmd, tag):
        """The two ports of one process, for the stream and pingpong modes."""
        if pmd in ("ism", "ism-zc"):
            fabric = f"cmp-{tag}"
            self.fabrics.add(fabric)
            # ism-zc: zero-copy RX from 1024 bytes, the application's
            # choice (doc/guides/nics/ism.rst, "When it pays")
            extra = ",zero_copy=1024" if pmd == "ism-zc" else ""
            return [f"net_ism0,fabric={fabric},pair=s{extra}",
                    f"net_ism1,fabric={fabric},pair=s{extra}"]
        sock = f"/run/ism-perf-{tag}.sock"
        return [f"net_memif0,role=server,socket={sock}",
                f"net_memif1,role=client,socket={sock}"]

    def perf_argv(self, args, vdevs, tag, cores=CORES):
        self.prefixes.add(f"perf-{tag}")
        cmd = [self.perf, "-l", cores, "--file-prefix", f"perf-{tag}", *EAL,
               "-d", self.plugins]
        for v in vdevs:
            cmd += ["--vdev", v]
        return cmd + ["--", "--quiet", *args]

    def ism_perf(self, args, pmd=None, seconds=1.0):
        """One timed ism-perf run; its result rows (JSON) and command."""
        tag = self.tag(pmd or "lib")
        out = os.path.join(self.tmp, f"{tag}.json")
        vdevs = self.vdevs(pmd, tag) if pmd else []
        cmd = self.perf_argv(["--seconds", str(seconds), "--json", out, *args], vdevs, tag)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        self.drop_fabrics()
        if r.returncode != 0:
            raise RuntimeError(f"ism-perf failed ({r.returncode}): {' '.join(cmd)}\n"
                               f"{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        import json
        with open(out, encoding="utf-8") as f:
            rows = json.load(f)["results"]
        os.unlink(out)
        for row in rows:
            if row.get("lost") or row.get("bad"):
                raise RuntimeError(f"ism-perf lost {row['lost']} and damaged {row['bad']} "
                                   f"frames: {' '.join(cmd)}")
        return rows, " ".join(cmd)

    def drop_fabrics(self):
        """The fabrics of the runs so far, and the EAL runtime directories
        their processes left behind."""
        for f in self.fabrics:
            remove_fabric(f)
        self.fabrics.clear()
        for p in self.prefixes:
            shutil.rmtree(os.path.join(RUNTIME, p), ignore_errors=True)
        self.prefixes.clear()

    def cleanup(self):
        self.drop_fabrics()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- two testpmd processes ------------------------------------------

    def testpmd_rates(self, sizes, kind, seconds, env=None, vdev_a=None, vdev_b=None,
                      eal_a=(), app=()):
        """Two testpmd: a txonly -> b rxonly, each of @sizes in turn in the
        same two processes; per size the receiver's packets/s (and the
        sender's stores where it is a vfio port)."""
        tag = self.tag(f"{kind}-")
        if kind == "memif":
            sock = f"/run/ism-perf-{tag}.sock"
            vdev_b = f"net_memif0,role=server,socket={sock}"
            vdev_a = f"net_memif0,role=client,socket={sock}"
        elif kind == "ism":
            fabric = f"cmp-{tag}"
            self.fabrics.add(fabric)
            vdev_a = vdev_b = f"net_ism0,fabric={fabric},pair=cmp"
        b = None
        self.prefixes.update(f"ism-{side}{tag}-{PID}" for side in ("tx", "rx"))
        if kind == "memif":
            # the server first, listening before the client starts: a
            # client that finds no socket retries slowly, or not at all
            b = TestPmd(f"rx{tag}", self.plugins, vdev_b, CORES, 1, extra_app=list(app))
            if b.wait(r"Checking link statuses|^testpmd> ", 30) is None:
                b.quit()
                raise TestPmdError(f"memif server did not start:\n{b.output()[-1500:]}")
        a = TestPmd(f"tx{tag}", self.plugins, vdev_a, CORES, 0, env=env,
                    extra_eal=list(eal_a), extra_app=list(app))
        try:
            if kind == "vfio":
                # the vfio port waits for a HELLO (peer=any): tell the other its GID
                m = a.wait(r"gid ([0-9a-f]{16}) on vfio_ism", 20)
                if m is None:
                    raise TestPmdError("the vfio port did not come up:\n" + a.output()[-1500:])
                vdev_b = vdev_b.replace("peer=any", f"peer=0x{m.group(1)}")
            if b is None:
                b = TestPmd(f"rx{tag}", self.plugins, vdev_b, CORES, 1, extra_app=list(app))
            if not (a.ready() and b.ready() and b.link_up() and a.link_up()):
                raise TestPmdError(f"{kind}: link not up:\n{a.output()[-1500:]}\n"
                                   f"-- the other side:\n{b.output()[-1500:]}")
            b.cmd("set fwd rxonly")
            a.cmd("set fwd txonly")
            out = {}
            for size in sizes:
                b.cmd("start", r"packet forwarding")
                a.cmd(f"set txpkts {size}")
                a.cmd("start", r"packet forwarding")
                time.sleep(0.5)		# warm-up, not measured
                s0, t0 = b.stats()["rx_packets"], time.monotonic()
                x0 = a.xstats() if kind == "vfio" else {}
                time.sleep(seconds)
                s1, t1 = b.stats()["rx_packets"], time.monotonic()
                x1 = a.xstats() if kind == "vfio" else {}
                a.cmd("stop", r"Done|Telling cores")
                time.sleep(0.3)
                b.cmd("stop", r"Done|Telling cores")
                res = {"pps": (s1 - s0) / (t1 - t0), "packets": s1 - s0,
                       "cmd_tx": a.cmdline, "cmd_rx": b.cmdline}
                if x1:
                    res["stores"] = x1["tx_stores"] - x0["tx_stores"]
                    res["stores_per_s"] = res["stores"] / (t1 - t0)
                out[size] = res
            return out
        finally:
            a.quit()
            if b is not None:
                b.quit()
            self.drop_fabrics()

    # -- instruction counts ---------------------------------------------

    def callgrind(self, args, toggles, vdevs, tag):
        """ism-perf under callgrind, collecting only inside @toggles (a
        list of function names): the inclusive Ir of each toggle and the
        self Ir of every function reached from them."""
        out = os.path.join(self.tmp, f"cg-{tag}.out")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
               "--collect-atstart=no", *[f"--toggle-collect={t}" for t in toggles],
               *self.perf_argv(args, vdevs, tag, cores="0")]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        self.drop_fabrics()
        if r.returncode != 0:
            raise RuntimeError(f"callgrind run failed ({r.returncode}): {' '.join(cmd)}\n"
                               f"{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        rows = parse_table(r.stdout)
        inc = annotate(out, True)
        self_ir = annotate(out, False)
        os.unlink(out)
        incl = {t: inc.get(t, [0])[0] for t in toggles}
        prof = sorted(((ir, fn, obj) for fn, (ir, obj) in self_ir.items()), reverse=True)
        return {"inclusive": incl, "rows": rows, "cmd": " ".join(cmd),
                "profile": [{"fn": fn, "object": obj, "ir": ir} for ir, fn, obj in prof[:12]],
                "total": sum(ir for ir, _ in self_ir.values())}

    def stream_ir(self, pmd, size, count):
        """Instructions per frame of one PMD at one size: TX (tx_burst)
        and RX (rx_burst and the free of what it delivered), one run
        each, so that each side's profile is its own."""
        res = {"packets": count}
        for side, toggles in (("tx", ["perf_tx_burst"]),
                              ("rx", ["perf_rx_burst", "perf_rx_free"])):
            tag = self.tag(f"cg{pmd}{size}{side}-")
            r = self.callgrind(["--mode", "stream", "--sizes", str(size), "--count", str(count)],
                               toggles, self.vdevs(pmd, tag), tag)
            row = r["rows"][0] if r["rows"] else None
            if row is None or row["packets"] != count or row["lost"] or row["bad"]:
                raise RuntimeError(f"the counted stream did not carry {count} frames intact: "
                                   f"{row}\n{r['cmd']}")
            for t, ir in r["inclusive"].items():
                res[t.replace("perf_", "") + "_ir"] = ir / count
            res[f"{side}_profile"] = r["profile"]
            res[f"{side}_cmd"] = r["cmd"]
        res["tx_ir"] = res.pop("tx_burst_ir")
        res["rx_ir"] = res["rx_burst_ir"] + res["rx_free_ir"]
        return res

    def copy_ir(self, mode, size, count):
        """Instructions per KiB of the store loop (ism_move on the model)
        or of memcpy, the same copy pattern."""
        tag = self.tag(f"cg{mode}{size}-")
        fn = "ism_copy" if mode == "store" else "mem_copy"
        res = self.callgrind(["--mode", mode, "--sizes", str(size), "--count", str(count)],
                             [fn], [], tag)
        res["per_kib"] = res["inclusive"][fn] / (count * size / 1024)
        return res

    # -- the emulated ism_vfio_pci interface ----------------------------

    def vfio_store(self, sizes, seconds):
        """The store loop through lib/ism's vfio transport on the
        in-process emulation (test/perf's ism-perf-emu)."""
        emu = os.path.join(self.build, "test/perf/ism-perf-emu")
        a, b = "0000:00:01.0", "0000:00:02.0"
        out = os.path.join(self.tmp, f"{self.tag('vfio')}.json")
        env = dict(os.environ, ISM_PERF_EMU_TREE=f"{a};{b}",
                   VFIO_ISM_EMU_FABRIC=f"cmpe-{PID}", ISM_MODEL_DIR=self.tmp)
        env.pop("VFIO_ISM_SYSFS_ROOT", None)
        cmd = [emu, "--dev", a, "--dev", b, "--mode", "store", "--sizes",
               ",".join(str(s) for s in sizes), "--seconds", str(seconds), "--quiet",
               "--json", out]
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        if r.returncode != 0:
            raise RuntimeError(f"ism-perf-emu failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
        import json
        with open(out, encoding="utf-8") as f:
            data = json.load(f)
        os.unlink(out)
        return data, " ".join(cmd)


def parse_table(text):
    """The stream rows of ism-perf's table: bytes, packets, lost, bad."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\s+(\d+)\s+(\d+)\s+[\d.]+\s+[\d.]+\s+(\d+)\s+(\d+)\s*$", line)
        if m:
            rows.append({"size": int(m.group(1)), "packets": int(m.group(2)),
                         "lost": int(m.group(3)), "bad": int(m.group(4))})
    return rows


def annotate(path, inclusive):
    """{function: [Ir, object]} from callgrind_annotate, every function.
    A function with code inlined from headers has a line per file; in
    the inclusive listing the line naming its object is the whole, in the
    self listing each header's share is kept apart, as "function, inlined
    from header" (rte_memcpy's SSE loop shows as what it is)."""
    cmd = ["callgrind_annotate", "--threshold=100",
           f"--inclusive={'yes' if inclusive else 'no'}", path]
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    out = {}
    for line in r.stdout.splitlines():
        m = re.match(r"^\s*([\d,]+) \([ \d.]+%\)\s+(.*?):([^:\s]+)(?: \[(.*)\])?\s*$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        ir, fn, obj = int(m.group(1).replace(",", "")), m.group(3), m.group(4)
        if inclusive and not obj:
            continue
        if not obj:
            fn = f"{fn}, inlined from {os.path.basename(m.group(2))}"
        have = out.setdefault(fn, [0, ""])
        have[0] += ir
        if obj:
            have[1] = os.path.basename(obj)
    return out
