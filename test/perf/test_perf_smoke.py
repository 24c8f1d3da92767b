#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Smoke test of every ism-perf mode (suite 'perf', not in the default run):
each runs for a moment and must produce sane, loss-free results. TAP."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "devtools"))
from tap import Tap  # noqa: E402

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
rows = run("pingpong", ["--sizes", "64"], pair)
tap.check(len(rows) == 1 and rows[0]["count"] > 0 and rows[0]["p50_us"] > 0,
      "pingpong measured round trips")
r = subprocess.run([PERF, "--help"], capture_output=True, text=True)
tap.check(r.returncode == 0 and "--mode" in r.stdout, "--help lists the options")
r = subprocess.run([PERF, "--no-huge", "-m", "256", "--no-pci", "-l", "0",
                    "--file-prefix", f"smoke-bad-{os.getpid()}", "--",
                    "--mode", "bogus"], capture_output=True, text=True)
tap.check(r.returncode != 0 and "unknown mode 'bogus'" in r.stderr, "a bad mode is named")
for path in (f"/dev/shm/ism-fabric.smoke-{os.getpid()}",):
    if os.path.exists(path):
        os.unlink(path)
sys.exit(tap.done())
