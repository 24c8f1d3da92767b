#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Smoke test of every ism-perf mode (suite 'perf', not in the default run):
each runs for a moment and must produce sane, loss-free results. TAP."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "devtools"))
from tap import Tap  # noqa: E402
from perf_runs import Runs  # noqa: E402

tap = Tap()

PERF, PLUGINS = sys.argv[1:3]


def run(mode, extra, vdevs=()):
    out = f"/dev/shm/perf-smoke-{mode}-{os.getpid()}.json"
    cmd = [PERF, "-l", "0,1", "--no-huge", "-m", "1024", "--no-pci",
           "--file-prefix", f"smoke-{mode}-{os.getpid()}", "-d", PLUGINS,
           "--log-level", "*:warning"]
    for v in vdevs:
        cmd += ["--vdev", v]
    cmd += ["--", "--mode", mode, "--seconds", "0.5", "--quiet", "--json", out, *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    tap.check(r.returncode == 0, f"ism-perf --mode {mode} exits 0")
    if r.returncode != 0:
        print("# " + (r.stdout + r.stderr).replace("\n", "\n# "))
        return []
    with open(out, encoding="utf-8") as f:
        rows = json.load(f)["results"]
    os.unlink(out)
    return rows


pair = [f"net_ism{i},fabric=smoke-{os.getpid()},pair=s" for i in (0, 1)]
rows = run("memcpy", ["--sizes", "64,4096"])
tap.check(len(rows) == 2 and all(r["gbytes_per_s"] > 0 for r in rows), "memcpy measured")
rows = run("store", ["--sizes", "64,4096,1048576"])
tap.check(len(rows) == 3 and all(r["gbytes_per_s"] > 0 for r in rows), "store loop measured")
rows = run("stream", ["--sizes", "64,1500,mix"], pair)
tap.check(len(rows) == 3 and all(r["count"] > 0 for r in rows), "stream carried frames at every size")
tap.check(all(r["lost"] == 0 and r["bad"] == 0 for r in rows), "stream lost nothing, damaged nothing")
zc_pair = [v + ",zero_copy=on" for v in pair]
rows = run("stream", ["--sizes", "64,1500,9000"], zc_pair)
tap.check(len(rows) == 3 and all(r["count"] > 0 for r in rows),
          "stream with zero_copy=on carried frames at every size")
tap.check(all(r["lost"] == 0 and r["bad"] == 0 for r in rows),
          "zero-copy stream lost nothing, damaged nothing")
rows = run("pingpong", ["--sizes", "64"], pair)
tap.check(len(rows) == 1 and rows[0]["count"] > 0 and rows[0]["p50_us"] > 0,
      "pingpong measured round trips")
# --count: the fixed amount of work the instruction counts stand on
N = 3000
rows = run("stream", ["--sizes", "64,1500,9000", "--count", str(N)], pair)
tap.check(len(rows) == 3 and all(r["count"] == N and r["lost"] == 0 and r["bad"] == 0
                                 for r in rows),
          f"stream --count {N}: exactly {N} frames at each size, intact")
sock = f"/run/ism-perf-smoke-{os.getpid()}.sock"
memif = [f"net_memif0,role=server,socket={sock}", f"net_memif1,role=client,socket={sock}"]
rows = run("stream", ["--sizes", "64", "--count", str(N)], memif)
tap.check(len(rows) == 1 and rows[0]["count"] == N and rows[0]["lost"] == 0,
          f"stream --count {N} on net_memif: exactly {N} frames")
rows = run("store", ["--sizes", "64,4096", "--count", "1000"])
tap.check(len(rows) == 2 and all(r["moves"] == 1000 for r in rows), "store --count 1000: 1000 moves")
rows = run("memcpy", ["--sizes", "9000", "--count", "1000"])
tap.check(len(rows) == 1 and rows[0]["count"] == 1000, "memcpy --count 1000: 1000 copies")
r = subprocess.run([PERF, "--no-huge", "-m", "256", "--no-pci", "-l", "0",
                    "--file-prefix", f"smoke-cnt-{os.getpid()}", "--",
                    "--mode", "pingpong", "--count", "10"], capture_output=True, text=True)
tap.check(r.returncode != 0 and "--count is for" in r.stderr, "--count refused where the work is not fixed")

# the instruction counts of perf_compare.py: found by name, and the same twice
if shutil.which("valgrind") and shutil.which("callgrind_annotate"):
    runs = Runs(os.path.dirname(os.path.abspath(PLUGINS)), verbose=False)
    try:
        a, b = (runs.stream_ir("ism", 64, 2000) for _ in range(2))
    except RuntimeError as e:
        tap.diag(e)
        a = b = {"tx_ir": 0, "rx_ir": 0, "rx_burst_ir": 0, "rx_free_ir": 0}
    finally:
        runs.cleanup()
    tap.check(a["tx_ir"] > 50 and a["rx_burst_ir"] > 50 and a["rx_free_ir"] > 0,
              f"callgrind counts both sides of net_ism: TX {a['tx_ir']:.1f}, "
              f"RX {a['rx_ir']:.1f} instructions per frame")
    same = a["tx_ir"] > 0 and all(abs(a[k] - b[k]) <= 0.01 * a[k] for k in ("tx_ir", "rx_ir"))
    tap.check(same, f"the count is deterministic: TX {a['tx_ir']:.2f} / {b['tx_ir']:.2f}, "
                    f"RX {a['rx_ir']:.2f} / {b['rx_ir']:.2f}")
else:
    for _ in range(2):
        tap.n += 1
        print(f"ok {tap.n} # SKIP valgrind is not installed: no instruction counts")

r = subprocess.run([PERF, "--help"], capture_output=True, text=True)
tap.check(r.returncode == 0 and "--mode" in r.stdout and "--count N" in r.stdout,
          "--help lists the options")
r = subprocess.run([PERF, "--no-huge", "-m", "256", "--no-pci", "-l", "0",
                    "--file-prefix", f"smoke-bad-{os.getpid()}", "--",
                    "--mode", "bogus"], capture_output=True, text=True)
tap.check(r.returncode != 0 and "unknown mode 'bogus'" in r.stderr, "a bad mode is named")
for path in (f"/dev/shm/ism-fabric.smoke-{os.getpid()}",):
    if os.path.exists(path):
        os.unlink(path)
# the EAL runtime directories of this test's processes
for name in os.listdir("/var/run/dpdk") if os.path.isdir("/var/run/dpdk") else []:
    if name.startswith("smoke-") and name.endswith(f"-{os.getpid()}"):
        shutil.rmtree(os.path.join("/var/run/dpdk", name), ignore_errors=True)
sys.exit(tap.done())
