# SPDX-License-Identifier: BSD-3-Clause
"""Drive the installed dpdk-testpmd interactively, with our plugins loaded.

One TestPmd object is one testpmd process with one net_ism port on the
software ISM fabric. Used by the e2e tests and by the demo.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

TESTPMD = shutil.which("dpdk-testpmd") or "/usr/bin/dpdk-testpmd"


class TestPmdError(Exception):
    pass


class TestPmd:
    """A testpmd process whose output is collected line by line."""

    def __init__(self, name, plugin_dir, vdev, lcores="0,1", main_lcore=0,
                 extra_eal=(), extra_app=(), env=None, huge_dir=None):
        """@huge_dir: a hugetlbfs mount to take 256 MB of hugepages from,
        as a primary that secondary processes can attach to needs
        (see hugepages.py); else --no-huge."""
        self.name = name
        self.lines = []
        self.lock = threading.Condition()
        mem = (["--huge-dir", huge_dir, "-m", "256"] if huge_dir
               else ["--no-huge", "-m", "512"])
        cmd = ["stdbuf", "-oL", "-eL", TESTPMD,
               "-l", lcores, "--main-lcore", str(main_lcore),
               *mem, "--no-pci",
               "--file-prefix", f"ism-{name}-{os.getpid()}",
               *(["-d", plugin_dir] if plugin_dir else []),
               *(["--vdev", vdev] if vdev else []), *extra_eal,
               "--", "-i", "--total-num-mbufs=16384", *extra_app]
        self.prefix = f"ism-{name}-{os.getpid()}"
        self.cmdline = " ".join(cmd[3:])
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     env={**os.environ, **(env or {})},
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True,
                                     bufsize=1)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append(line.rstrip("\n"))
                self.lock.notify_all()
        with self.lock:
            self.lock.notify_all()

    def mark(self):
        with self.lock:
            return len(self.lines)

    def wait(self, pattern, timeout=10.0, since=0):
        """First match of @pattern in the output from line @since on."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        with self.lock:
            while True:
                for line in self.lines[since:]:
                    m = rx.search(line)
                    if m:
                        return m
                left = end - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and
                                 not self.reader.is_alive()):
                    return None
                self.lock.wait(min(left, 0.2))

    def send(self, line):
        if self.proc.poll() is not None:
            raise TestPmdError(f"{self.name}: testpmd exited ({self.proc.returncode})")
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def cmd(self, line, expect=None, timeout=10.0):
        since = self.mark()
        self.send(line)
        if expect is None:
            return None
        m = self.wait(expect, timeout, since)
        if m is None:
            raise TestPmdError(f"{self.name}: no '{expect}' after '{line}':\n" +
                               "\n".join(self.lines[since:][-20:]))
        return m

    def ready(self, timeout=30.0):
        return self.wait(r"^testpmd> |Press enter to exit|Interactive-mode selected",
                         timeout) is not None

    def link_up(self, timeout=15.0):
        """Wait until testpmd reports port 0's link up."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = self.cmd("show port info 0", r"Link status: (\w+)")
            if m.group(1) == "up":
                return True
            time.sleep(0.2)
        return False

    def link_down_seen(self, since, timeout):
        return self.wait(r"link down", timeout, since) is not None

    def stats(self):
        """Cumulative counters of port 0."""
        since = self.mark()
        self.send("show port stats 0")
        rx = self.wait(r"RX-packets:\s+(\d+)\s+RX-missed:\s+(\d+)\s+RX-bytes:\s+(\d+)",
                       10, since)
        tx = self.wait(r"TX-packets:\s+(\d+)\s+TX-errors:\s+(\d+)\s+TX-bytes:\s+(\d+)",
                       10, since)
        err = self.wait(r"RX-errors:\s+(\d+)", 10, since)
        if not (rx and tx and err):
            raise TestPmdError(f"{self.name}: cannot read port stats")
        return {"rx_packets": int(rx.group(1)), "rx_bytes": int(rx.group(3)),
                "tx_packets": int(tx.group(1)), "tx_errors": int(tx.group(2)),
                "tx_bytes": int(tx.group(3)), "rx_errors": int(err.group(1))}

    def xstats(self):
        since = self.mark()
        self.send("show port xstats 0")
        self.wait(r"heartbeats_missed:", 10, since)
        out = {}
        with self.lock:
            for line in self.lines[since:]:
                m = re.match(r"^(\w+):\s+(\d+)$", line.strip())
                if m:
                    out[m.group(1)] = int(m.group(2))
        return out

    def quit(self, timeout=15.0):
        if self.proc.poll() is None:
            try:
                self.send("quit")
            except (TestPmdError, BrokenPipeError):
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(5)
        return self.proc.returncode

    def telemetry(self, command):
        """One command on the process's telemetry socket; the reply dict."""
        path = f"/var/run/dpdk/{self.prefix}/dpdk_telemetry.v2"
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as sk:
            sk.settimeout(5)
            sk.connect(path)
            sk.recv(16384)	# the greeting
            sk.send(command.encode())
            return json.loads(sk.recv(65536).decode())

    def pause(self, stop=True):
        """SIGSTOP (or SIGCONT) the whole process: a peer that hangs."""
        self.proc.send_signal(signal.SIGSTOP if stop else signal.SIGCONT)

    def interrupt(self, timeout=20.0):
        """SIGINT, as Ctrl-C does: testpmd stops forwarding, prints its
        forward statistics, stops and closes its ports (an orderly stop)
        and exits. The exit status."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)
        return self.proc.returncode

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.reader.join(5)

    def output(self):
        with self.lock:
            return "\n".join(self.lines)


def remove_fabric(name):
    """Remove a model fabric a test created: the file, the directory of its
    interrupt FIFOs and any FIFO an older layout left beside it."""
    base = f"/dev/shm/ism-fabric.{name}"
    for path in [base] + [os.path.join("/dev/shm", f) for f in os.listdir("/dev/shm")
                          if f.startswith(f"ism-fabric.{name}.irq.")]:
        try:
            os.unlink(path)
        except OSError:
            pass
    shutil.rmtree(base + ".d", ignore_errors=True)


def one_way(tx, rx, seconds, drain=1.0):
    """rx in rxonly, tx in txonly for @seconds, stop the sender, let the
    receiver drain, stop it; the cumulative stats of both."""
    rx.cmd("set fwd rxonly")
    rx.cmd("start", r"rxonly packet forwarding")
    tx.cmd("set fwd txonly")
    tx.cmd("start", r"txonly packet forwarding")
    time.sleep(seconds)
    tx.cmd("stop", r"Done|Telling cores to stop")
    time.sleep(drain)
    rx.cmd("stop", r"Done|Telling cores to stop")
    return tx.stats(), rx.stats()


def pair(plugin_dir, fabric, label="e2e", vdev_extra=""):
    """Two testpmd processes on different cores, one net_ism port each."""
    vdev = f"net_ism0,fabric={fabric},pair={label}{vdev_extra}"
    a = TestPmd("a", plugin_dir, vdev, "0,1", 0)
    b = TestPmd("b", plugin_dir, vdev, "0,1", 1)
    return a, b
