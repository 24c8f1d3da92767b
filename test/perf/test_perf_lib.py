#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""ism-perf's lib/ism modes (store, pingpong; no ethdev), each against the
software model and against the emulated ism_vfio_pci interface, with a
local peer and with a peer in another process (--serve). The table and
the JSON are checked field by field, and the figures against each other
(stores against moves and the store limit, pwrites against stores,
percentiles in order); the speed never. Output is TAP.

  test_perf_lib.py --emu ISM_PERF_EMU [--wrap QEMU] [--perf ISM_PERF]
                   [--eal PLUGIN_DIR] [--rtt-mode NAME]
                   [--preload LIBVFIO_ISM_EMU --tree VFIO_ISM_EMU_TREE]

--emu is the DPDK-free ism-perf on the in-process emulation (every
build; under --wrap in the cross build). --perf is the built ism-perf,
with EAL arguments when --eal names the plugin directory (the DPDK
build, whose lib-level pingpong is --rtt-mode lib-pingpong); with
--preload it also runs on the LD_PRELOAD emulation.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "devtools"))
from tap import Tap  # noqa: E402

tap = Tap()
A, B, C = "0000:00:01.0", "0000:00:02.0", "0000:00:03.0"
# A: imaxstbl below 4096; B: a version-1 capability (the fallback); C: none
TREE = [f"{A},cdev=0,imaxstbl=2048", f"{B},cap_version=1", f"{C},cap_version=0"]
LIMITS = {A: (2048, "imaxstbl", "imaxstbl 2048"), B: (4096, "fallback", "version 1"),
          C: (4096, "fallback", "no zPCI group capability")}
MODEL = (4096, "model", "model")
STORE_SIZES = [64, 4096, 1048576]
RTT_SIZES = [64, 1500, 4096]
SECONDS = "0.2"


class Perf:
    """One way to run an ism-perf binary: its command prefix, environment
    and what it is expected to report about itself."""

    def __init__(self, name, cmd, env, build, rtt_mode, eal=False):
        self.name, self.cmd, self.env = name, cmd, env
        self.build, self.rtt_mode, self.eal = build, rtt_mode, eal
        self.runs = 0

    def argv(self, args):
        self.runs += 1
        if not self.eal:
            return self.cmd + args
        return self.cmd + ["-l", "0,1", "--no-huge", "-m", "256", "--no-pci",
                           "--file-prefix", f"plib-{os.getpid()}-{self.runs}",
                           "--log-level", "*:warning", "--"] + args

    def run(self, args, timeout=300):
        try:
            p = subprocess.run(self.argv(args), env=self.env, capture_output=True,
                               text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            return -1, e.stdout or "", f"timed out after {timeout} s"
        return p.returncode, p.stdout, p.stderr

    def start(self, args):
        return subprocess.Popen(self.argv(args), env=self.env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def diag(rc, out, err):
    tap.diag(f"exit {rc}\nstdout:\n{out}\nstderr:\n{err}")


def measure(perf, what, args, workdir):
    """Run one measurement; its JSON and table, or None (reported)."""
    path = os.path.join(workdir, f"r{perf.runs}.json")
    rc, out, err = perf.run(args + ["--seconds", SECONDS, "--json", path])
    if not tap.check(rc == 0 and os.path.exists(path), f"{perf.name}: {what}: exit 0, JSON written"):
        diag(rc, out, err)
        return None, None
    with open(path, encoding="utf-8") as f:
        try:
            js = json.load(f)
        except ValueError as e:
            tap.check(False, f"{perf.name}: {what}: the JSON parses ({e})")
            return None, None
    return js, out


def pieces(size, limit):
    """Stores of one move of @size at an offset aligned to it (or to 4 KiB)."""
    return (size + min(limit, 4096) - 1) // min(limit, 4096)


def close(a, b):
    return abs(a - b) <= 0.02 * max(abs(a), abs(b)) + 1e-6


def check_common(perf, what, js, table, mode, fns, emulated_by):
    """The fields every lib/ism measurement has."""
    t = f"{perf.name}: {what}"
    tap.check(js.get("tool") == "ism-perf" and js.get("mode") == mode and
              js.get("build") == perf.build and (js.get("dpdk") is None) == (perf.build == "lib"),
              f"{t}: tool, mode {mode}, build {perf.build}")
    got = js.get("functions", [])
    ok = len(got) == len(fns)
    for f, (role, where, limit) in zip(got, fns):
        ok = ok and f.get("role") == role and where in f.get("where", "") and \
            re.fullmatch(r"0x[0-9a-f]{16}", f.get("gid", "")) is not None and \
            f.get("store_limit") == limit[0] and f.get("store_limit_source") == limit[1] and \
            limit[2] in f.get("store_limit_why", "") and \
            f.get("transport") == ("model" if limit[1] == "model" else "vfio")
    if not tap.check(ok, f"{t}: functions, roles, store limits and their source"):
        tap.diag(json.dumps(got))
    tap.check(js.get("emulated") is True and js.get("emulated_by") == emulated_by and
              js.get("emulation"), f"{t}: JSON says emulated ({emulated_by})")
    tap.check("  EMULATED: " in table and "not a figure of ISM hardware" in table and
              "hardware:" not in table, f"{t}: the table says EMULATED")
    for (role, where, limit), f in zip(fns, got):
        line = f"store limit {limit[0]} bytes ({limit[1]}: "
        if not tap.check(re.search(rf"^\s+{role}\s.*{re.escape(where)}.*GID {f.get('gid')}, "
                                   rf"{re.escape(line)}", table, re.M) is not None,
                         f"{t}: the table names the {role}, its GID and store limit"):
            tap.diag(table)
    tap.check(js.get("verified") is True and "verified" in (js.get("check") or "") and
              f"  data: {js.get('check')}" in table,
              f"{t}: the data was verified, JSON and table say so")


def check_store(perf, what, js, table, writer_limit, vfio):
    t = f"{perf.name}: {what}"
    rows = js.get("results", [])
    tap.check([r.get("size") for r in rows] == STORE_SIZES and
              all(r.get("what") == "store" for r in rows), f"{t}: a row per size")
    ok = True
    for r in rows:
        stores, moves, s = r.get("stores", 0), r.get("moves", 0), r.get("seconds", 0)
        ok = ok and moves > 0 and s > 0 and r["count"] == stores and \
            stores == moves * pieces(r["size"], writer_limit) and \
            close(r["stores_per_s"], stores / s) and r["ops_per_s"] == r["stores_per_s"] and \
            close(r["us_per_store"], s * 1e6 / stores) and \
            close(r["us_per_move"], s * 1e6 / moves) and \
            close(r["gbytes_per_s"], moves * r["size"] / s / 1e9)
    if not tap.check(ok, f"{t}: stores = moves x pieces at limit {writer_limit}; "
                     "stores/s, us/store, GB/s agree with the counts"):
        tap.diag(json.dumps(rows))
    if vfio:
        tap.check(all(r.get("pwrites") == r["stores"] and r.get("pwrites_per_s", 0) > 0 and
                      close(r["pwrites_per_s"], r["pwrites"] / r["seconds"]) for r in rows),
                  f"{t}: one pwrite per store (the transport's count), pwrites/s")
    else:
        tap.check(all(r.get("pwrites") is None and r.get("pwrites_per_s") is None for r in rows),
                  f"{t}: no pwrites on the model")
    head = re.search(r"^\s+bytes\s+stores/s\s+us/store\s+GB/s\s+pwrites/s\s+stores$", table, re.M)
    lines = [re.search(rf"^\s+{r['size']}\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+(\S+)\s+{r['stores']}$",
                       table, re.M) for r in rows]
    ok = head is not None and all(lines)
    for m in lines if ok else []:
        ok = ok and (m.group(4) != "-") == vfio
    if not tap.check(ok, f"{t}: the table has stores/s, us/store, GB/s, pwrites/s per size"):
        tap.diag(table)


def check_rtt(perf, what, js, table, notify):
    t = f"{perf.name}: {what}"
    rows = js.get("results", [])
    tap.check([r.get("size") for r in rows] == RTT_SIZES and js.get("notify") == notify and
              f"  notify  {notify}" in table, f"{t}: a row per size, notify {notify}")
    ok = all(r["count"] > 0 and 0 < r["p50_us"] <= r["p99_us"] <= r["p999_us"] <= r["max_us"] and
             r["lost"] == 0 and r["bad"] == 0 for r in rows)
    if not tap.check(ok, f"{t}: round trips, 0 < p50 <= p99 <= p99.9 <= max, none lost or bad"):
        tap.diag(json.dumps(rows))
    ok = re.search(r"^\s+bytes\s+round trips\s+p50 us\s+p99 us\s+p99\.9 us\s+max us\s+lost\s+bad$",
                   table, re.M) is not None
    ok = ok and all(re.search(rf"^\s+{r['size']}\s+{r['count']}\s+{r['p50_us']:.2f}\s", table, re.M)
                    for r in rows)
    if not tap.check(ok, f"{t}: the table has the percentiles per size"):
        tap.diag(table)


def local_runs(perf, workdir, where, emulated_by):
    """Store and pingpong (poll, signal) with both functions here."""
    if where == "model":
        args, wfns = ["--fabric", f"plib-{os.getpid()}"], [("", "fabric", MODEL)] * 2
        lim_a = MODEL
    else:
        args, lim_a = ["--dev", A, "--dev", B], LIMITS[A]
        wfns = [("", A, LIMITS[A]), ("", B, LIMITS[B])]
    fns = [(role, w, lim) for role, (_, w, lim) in zip(["writer", "owner"], wfns)]
    js, table = measure(perf, f"store on the {where}", args + ["--mode", "store", "--sizes",
                        ",".join(map(str, STORE_SIZES))], workdir)
    if js:
        check_common(perf, f"store on the {where}", js, table, "store", fns, emulated_by)
        check_store(perf, f"store on the {where}", js, table, lim_a[0], where != "model")
    fns = [(role, w, lim) for role, (_, w, lim) in zip(["pinger", "echoer"], wfns)]
    for notify in ("poll", "signal"):
        what = f"{perf.rtt_mode} --notify {notify} on the {where}"
        js, table = measure(perf, what, args + ["--mode", perf.rtt_mode, "--notify", notify,
                            "--sizes", ",".join(map(str, RTT_SIZES))], workdir)
        if js:
            check_common(perf, what, js, table, perf.rtt_mode, fns, emulated_by)
            check_rtt(perf, what, js, table, notify)


def peer_runs(perf, workdir, where, emulated_by):
    """The peer in another process: --serve there, --peer GID here."""
    fabric = f"plib-peer-{os.getpid()}"
    if where == "model":
        mine, theirs, lim = ["--fabric", fabric], ["--fabric", fabric], MODEL
        wmine = "fabric"
    else:
        mine, theirs, lim, wmine = ["--dev", A], ["--dev", C], LIMITS[A], A
    for mode, sizes, extra in (("store", STORE_SIZES, []),
                               (perf.rtt_mode, RTT_SIZES, ["--notify", "signal"])):
        what = f"{mode} with the peer in another process ({where})"
        server = perf.start(theirs + ["--serve", "--peer", "any", "--wait", "60"])
        first = server.stdout.readline()
        m = re.match(r"ism-perf: serving as GID (0x[0-9a-f]{16}) on ", first)
        if not tap.check(m is not None and ("EMULATED" in first), f"{perf.name}: {what}: "
                         "the server prints its GID and that it is emulated"):
            server.kill()
            diag(server.wait(), first + server.stdout.read(), server.stderr.read())
            continue
        js, table = measure(perf, what, mine + ["--peer", m.group(1), "--mode", mode,
                            "--sizes", ",".join(map(str, sizes))] + extra, workdir)
        try:
            out, err = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            out, err = server.communicate()
        kind = "bytes" if mode == "store" else "round trips"
        ok = server.returncode == 0 and re.search(rf"served \S+ for 0x[0-9a-f]+: \d+ {kind} "
                                                  r"checked, 0 wrong", out) is not None
        if not tap.check(ok, f"{perf.name}: {what}: the server checked every {kind[:-1]}, "
                         "0 wrong, exit 0"):
            diag(server.returncode, first + out, err)
        if not js:
            continue
        role = "writer" if mode == "store" else "pinger"
        check_common(perf, what, js, table, mode, [(role, wmine, lim)], emulated_by)
        tap.check(js.get("peer") == m.group(1) and f"peer    GID {m.group(1)}" in table,
                  f"{perf.name}: {what}: JSON and table name the peer")
        if mode == "store":
            check_store(perf, what, js, table, lim[0], where != "model")
        else:
            check_rtt(perf, what, js, table, "signal")


def refusals(perf, lib_build):
    t = perf.name
    rc, out, err = perf.run(["--help"])
    modes = ["store", "memcpy", "pingpong"] + ([] if lib_build else ["stream", "lib-pingpong"])
    tap.check(rc == 0 and all(re.search(rf"^    {m}\s", out, re.M) for m in modes) and
              ("stream" in out) != lib_build and "--dev ADDR" in out and "--peer GID" in out,
              f"{t}: --help lists the modes of this build and --dev, --peer")
    rc, out, err = perf.run(["--dev", A, "--mode", "store"])
    tap.check(rc == 2 and "--dev A --dev B" in err and "--peer" in err,
              f"{t}: one --dev alone: exit 2, says to give a peer")
    if lib_build:
        rc, out, err = perf.run(["--mode", "stream"])
        tap.check(rc == 2 and "unknown mode 'stream'" in err and "pingpong" in err,
                  f"{t}: no ethdev mode in this build: exit 2, names the modes it has")


def preload_runs(perf, args, workdir):
    """The built ism-perf, unchanged, on the LD_PRELOAD emulation."""
    root = subprocess.run([args.tree] + TREE, capture_output=True, text=True)
    if not tap.check(root.returncode == 0, "a fake sysfs tree for the LD_PRELOAD emulation"):
        tap.diag(root.stderr)
        return
    root = root.stdout.strip()
    try:
        # a sanitized build wants its runtime first; the shim does not mind
        env = dict(perf.env, VFIO_ISM_SYSFS_ROOT=root,
                   LD_PRELOAD=os.path.abspath(args.preload),
                   ASAN_OPTIONS="verify_asan_link_order=0:" + perf.env.get("ASAN_OPTIONS", ""))
        pre = Perf(perf.name + " (LD_PRELOAD)", perf.cmd, env, perf.build, perf.rtt_mode,
                   perf.eal)
        local_runs(pre, workdir, "emulation", "vfio-emulation")
        js, _ = measure(pre, "store, sysfs root", ["--dev", A, "--dev", B, "--mode", "store",
                        "--sizes", "4096"], workdir)
        tap.check(js is not None and root in (js.get("emulation") or "") and
                  "not /sys" in js["emulation"],
                  f"{pre.name}: the emulation is told by the sysfs root, which it names")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emu", required=True)
    ap.add_argument("--wrap")
    ap.add_argument("--perf")
    ap.add_argument("--eal")
    ap.add_argument("--rtt-mode", default="pingpong")
    ap.add_argument("--preload")
    ap.add_argument("--tree")
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="ism-perf-lib-")
    env = dict(os.environ, ISM_MODEL_DIR=workdir, VFIO_ISM_EMU_FABRIC=f"plib-emu-{os.getpid()}",
               ISM_PERF_EMU_TREE=";".join(TREE))
    env.pop("VFIO_ISM_SYSFS_ROOT", None)
    wrap = [args.wrap] if args.wrap else []
    try:
        emu = Perf("ism-perf-emu", wrap + [args.emu], env, "lib", "pingpong")
        refusals(emu, True)
        local_runs(emu, workdir, "model", "model")
        local_runs(emu, workdir, "emulation", "vfio-emulation")
        peer_runs(emu, workdir, "model", "model")
        peer_runs(emu, workdir, "emulation", "vfio-emulation")
        js, _ = measure(emu, "store, in-process emulation", ["--dev", A, "--dev", B, "--mode",
                        "store", "--sizes", "4096"], workdir)
        tap.check(js is not None and "in-process" in (js.get("emulation") or ""),
                  "ism-perf-emu: the emulation is told by the system call table")
        if args.perf:
            penv = {k: v for k, v in env.items() if k != "ISM_PERF_EMU_TREE"}
            perf = Perf("ism-perf", [args.perf], penv, "dpdk" if args.eal else "lib",
                        args.rtt_mode, eal=bool(args.eal))
            refusals(perf, not args.eal)
            local_runs(perf, workdir, "model", "model")
            rc, out, err = perf.run(["--dev", A, "--dev", B, "--mode", "store"])
            tap.check(rc == 1 and f"cannot open the ISM function {A}" in err and
                      "ism-ctl list" in err,
                      "ism-perf: a function absent from /sys: exit 1, points at ism-ctl list")
            if args.preload and args.tree:
                preload_runs(perf, args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
