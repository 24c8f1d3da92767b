#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Secondary processes against a running primary dpdk-testpmd on net_ism,
with Debian's own tools: dpdk-proc-info's counters equal the primary's,
its stats reset reaches the primary, and dpdk-dumpcap and dpdk-pdump
capture a running stream of numbered frames (seq_gen) that tshark reads
back frame by frame. The primary needs hugepages: the test reserves them
and gives them back, or skips saying why. Output is TAP.

    test_secondary.py <plugin dir> <seq_gen> <mp_check>
"""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "devtools"))
from hugepages import Hugepages  # noqa: E402
from tap import Tap  # noqa: E402
from testpmd_session import TESTPMD, TestPmd, remove_fabric  # noqa: E402

tap = Tap()
PLUGINS = sys.argv[1]
SEQ_GEN = sys.argv[2]
MP_CHECK = sys.argv[3]
FABRIC = f"e2e-mp-{os.getpid()}"
LABEL = "mp"
VDEV = f"net_ism0,fabric={FABRIC},pair={LABEL}"
FRAME = 128
PAGES = 192		# 256 MB for the primary's -m 256, and room to spare


def skip(what, why):
    tap.n += 1
    print(f"ok {tap.n} - {what} # SKIP {why}", flush=True)


def preload_env():
    """A secondary that makes a mempool the primary fills (dumpcap, pdump)
    must register mempool drivers in the primary's order: Debian's testpmd
    links some plugins (librte_mempool_dpaa among them) that the tools only
    find in the plugin directory, later. Preload those, then net_ism
    (dumpcap takes no EAL options, so no -d)."""
    ldd = subprocess.run(["ldd", TESTPMD], capture_output=True, text=True).stdout
    libs = re.findall(r"=> (\S*/pmds-[^/\s]*/\S+)", ldd)
    # the soname's file (librte_net_ism.so.<ABI>): the shortest name
    pmd = min((p for p in glob.glob(os.path.join(PLUGINS, "librte_net_ism.so*"))
               if re.search(r"\.so(\.\d+)*$", p) and os.path.isfile(p)), key=len)
    return {**os.environ, "LD_PRELOAD": " ".join(libs + [pmd])}


def proc_info(prefix, *opts):
    r = subprocess.run(["dpdk-proc-info", "-d", PLUGINS, "--file-prefix", prefix,
                        "--log-level", "pmd.net.ism:info", "--", *opts],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


def parse_stats(text):
    out = {}
    for key, rx in (("rx_packets", r"RX-packets:\s+(\d+)"),
                    ("rx_errors", r"RX-errors:\s+(\d+)"),
                    ("rx_bytes", r"RX-bytes:\s+(\d+)"),
                    ("tx_packets", r"TX-packets:\s+(\d+)"),
                    ("tx_errors", r"TX-errors:\s+(\d+)"),
                    ("tx_bytes", r"TX-bytes:\s+(\d+)")):
        m = re.search(rx, text)
        if m:
            out[key] = int(m.group(1))
    return out


def parse_xstats(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\w+):\s+(\d+)$", line.strip())
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def test_proc_info(a, b):
    b.cmd("set fwd rxonly")
    b.cmd("start", r"rxonly packet forwarding")
    a.cmd("set fwd txonly")
    a.cmd("start", r"txonly packet forwarding")
    time.sleep(2)
    # stop the stream, then the receiver: the counters stand still
    a.cmd("stop", r"Done|Telling cores to stop")
    time.sleep(1)
    b.cmd("stop", r"Done|Telling cores to stop")
    sb, xb = b.stats(), b.xstats()
    tap.diag(f"primary: {sb}")
    rc, out, err = proc_info(b.prefix, "--stats")
    tap.check(rc == 0 and "secondary processes are not supported" not in err,
              f"dpdk-proc-info --stats ran against the primary (exit {rc})")
    if rc != 0:
        tap.diag(err[-2000:])
    ps = parse_stats(out)
    tap.diag(f"proc-info: {ps}")
    tap.check(sb["rx_packets"] > 1000, f"the primary received {sb['rx_packets']} frames")
    tap.check(all(ps.get(k) == sb[k] for k in sb),
              "proc-info's RX/TX packets, bytes and errors equal the primary's")
    rc, out, err = proc_info(b.prefix, "--xstats")
    px = parse_xstats(out)
    tap.check(rc == 0 and len(px) == len(xb) and len(px) > 20,
              f"proc-info --xstats lists the primary's {len(xb)} xstats ({len(px)})")
    diff = {k: (xb.get(k), px.get(k)) for k in set(xb) | set(px) if xb.get(k) != px.get(k)}
    tap.check(not diff and px.get("rx_good_packets") == sb["rx_packets"],
              f"every xstat name and value equals the primary's (differ: {diff})")
    rc, out, err = proc_info(b.prefix, "--show-port")
    mac = b.cmd("show port info 0", r"MAC address: ([0-9A-Fa-f:]{17})").group(1)
    tap.check(rc == 0 and "driver net_ism device net_ism0" in out and
              "Link up" in out and mac.lower() in out.lower() and
              "0 descriptors 512" in out,
              "proc-info --show-port: driver, link up, the primary's MAC and queues")
    if rc != 0 or "Link up" not in out:
        tap.diag(out[-1500:] + err[-1500:])
    rc, out, err = proc_info(b.prefix, "--show-port-private")
    priv = dict(re.findall(r"^(\w+): (\S+)$", out, re.M))
    info = b.telemetry("/ism/info,0").get("/ism/info", {})
    tap.diag(f"private dump: {priv}\nprimary's /ism/info: {info}")
    tap.check(rc == 0 and int(priv.get("gid", "0"), 16) == info.get("gid") and
              int(priv.get("peer_gid", "0"), 16) == info.get("peer_gid") and
              priv.get("state") == "up" and priv.get("transport") == info.get("transport")
              and int(priv.get("handshakes", -1)) == info.get("handshakes"),
              "proc-info --show-port-private: the primary's GIDs, state and transport")
    test_mp_check(b, info.get("gid", 0))
    rc, out, err = proc_info(b.prefix, "--stats-reset")
    after = b.stats()
    tap.check(rc == 0 and after["rx_packets"] == 0 and after["rx_bytes"] == 0,
              f"proc-info --stats-reset cleared the primary's counters ({after})")


def test_mp_check(b, gid):
    """mp_check's own TAP lines say which call answered what."""
    r = subprocess.run([MP_CHECK, "--proc-type=secondary", "--file-prefix", b.prefix,
                        "-l", "1", "--no-pci", "--log-level", "pmd.net.ism:info",
                        "--", hex(gid)],
                       capture_output=True, text=True, errors="replace", timeout=60)
    results = re.findall(r"^(ok|not ok) \d+ - (.*)$", r.stdout, re.M)
    failed = [what for res, what in results if res != "ok"]
    tap.diag(r.stdout[-3000:])
    tap.check(r.returncode == 0 and len(results) > 15 and not failed,
              f"a secondary's ethdev and rte_pmd_ism calls answer as documented "
              f"({len(results)} checks, failed: {failed})")
    if r.returncode != 0:
        tap.diag(r.stderr[-2000:])
    tap.check(b.link_up(2), "the primary's link stays up after the secondary's calls")


def tshark_frames(path):
    """(frame length, payload bytes) of every frame tshark reads."""
    r = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.len",
                        "-e", "frame.cap_len", "-e", "eth.type", "-e", "data.data"],
                       capture_output=True, text=True, timeout=60)
    frames = []
    for line in r.stdout.splitlines():
        f = line.split("\t")
        if len(f) == 4:
            frames.append((int(f[0]), int(f[1]), f[2],
                           bytes.fromhex(f[3].replace(":", ""))))
    return r.returncode, frames, r.stderr


def check_capture(tool, path, want):
    rc, frames, err = tshark_frames(path)
    tap.check(rc == 0 and len(frames) >= want,
              f"{tool}: tshark reads {len(frames)} frames back (at least {want})")
    if rc != 0 or not frames:
        tap.diag(err[-1000:])
        return
    sizes = {(f[0], f[1]) for f in frames}
    tap.check(sizes == {(FRAME, FRAME)} and {f[2] for f in frames} == {"0x88b5"},
              f"{tool}: every frame is {FRAME} bytes, whole, of the stream's EtherType ({sizes})")
    seqs = [int.from_bytes(f[3][:4], "big") for f in frames]
    tap.check(all(seqs[i + 1] == seqs[i] + 1 for i in range(len(seqs) - 1)),
              f"{tool}: sequence numbers {seqs[0]}..{seqs[-1]} follow one another")
    bad = [s for s, f in zip(seqs, frames)
           if f[3][4:] != bytes((s + i) & 0xff for i in range(18, FRAME))]
    tap.check(not bad, f"{tool}: every payload is its frame's pattern ({bad[:5]})")


def start_stream(count, rate):
    return subprocess.Popen([SEQ_GEN, "-l", "0", "--no-huge", "-m", "256", "--no-pci",
                             "--file-prefix", f"ism-gen-{os.getpid()}", "-d", PLUGINS,
                             "--vdev", VDEV, "--", str(count), str(rate), str(FRAME)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stream_running(b):
    first = b.stats()["rx_packets"]
    end = time.monotonic() + 15
    while time.monotonic() < end:
        time.sleep(0.3)
        if b.stats()["rx_packets"] > first:
            return True
    return False


def test_dumpcap(b, tmp):
    out = os.path.join(tmp, "net_ism0.pcapng")
    # -p: leave the primary's promiscuous mode as it is
    r = subprocess.run(["dpdk-dumpcap", "--file-prefix", b.prefix, "-i", "net_ism0",
                        "-p", "-c", "200", "-w", out],
                       capture_output=True, text=True, timeout=60, env=preload_env())
    tap.check(r.returncode == 0 and os.path.exists(out),
              f"dpdk-dumpcap -i net_ism0 -c 200 captured into a pcapng (exit {r.returncode})")
    tap.diag((r.stdout + r.stderr)[-800:])
    if os.path.exists(out):
        check_capture("dumpcap", out, 200)


def test_pdump(b, tmp):
    out = os.path.join(tmp, "pdump.pcap")
    p = subprocess.Popen(["dpdk-pdump", "-d", PLUGINS, "--file-prefix", b.prefix, "--",
                          "--pdump", f"port=0,queue=*,rx-dev={out}"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         env=preload_env())
    time.sleep(3)
    p.send_signal(signal.SIGINT)
    try:
        text, _ = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        text, _ = p.communicate()
    tap.check(p.returncode == 0 and os.path.exists(out),
              f"dpdk-pdump --pdump port=0,rx-dev= ran and wrote a pcap (exit {p.returncode})")
    tap.diag(text[-800:])
    if os.path.exists(out):
        check_capture("pdump", out, 100)


def main():
    tools = [t for t in ("dpdk-proc-info", "dpdk-dumpcap", "dpdk-pdump", "tshark")
             if shutil.which(t) is None]
    if tools:
        skip("secondary processes", f"not installed: {', '.join(tools)} (devtools/setup.sh)")
        return tap.done()
    hp = Hugepages(PAGES)
    why = hp.reserve()
    if why:
        skip("secondary processes", why)
        return tap.done()
    tmp = tempfile.mkdtemp(prefix="ism-mp-")
    a = b = gen = None
    try:
        a = TestPmd("a", PLUGINS, VDEV, "0,1", 0, extra_app=[f"--txpkts={FRAME}"])
        b = TestPmd("b", PLUGINS, VDEV, "0,1", 1, huge_dir=hp.dir)
        tap.check(a.ready() and b.ready() and a.link_up() and b.link_up(),
                  "primary with hugepages and its peer, linked")
        test_proc_info(a, b)
        a.quit()
        a = None
        b.cmd("clear port stats all")
        b.cmd("start", r"rxonly packet forwarding")
        gen = start_stream(6000, 500)
        ok = b.link_up() and stream_running(b)
        tap.check(ok, "a paced stream of numbered frames runs into the primary")
        if ok:
            test_dumpcap(b, tmp)
            test_pdump(b, tmp)
    finally:
        for t in (a, b):
            if t is not None:
                t.quit()
        if gen is not None:
            gen.kill()
            gen.wait()
        remove_fabric(FABRIC)
        shutil.rmtree(tmp, ignore_errors=True)
        hp.release()
    tap.check(hp.added == 0 and hp.dir is None, "hugepages and the mount given back")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
