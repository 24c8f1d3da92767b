# SPDX-License-Identifier: BSD-3-Clause
"""What the tool tests share: running the built programs (through an
emulator prefix in a cross build), background processes, the fake sysfs
tree of the ism_vfio_pci emulation, and clean-up of fabric files."""
import json
import os
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "devtools"))
from tap import Tap  # noqa: E402,F401

MODEL_DIR = os.environ.get("ISM_MODEL_DIR", "/dev/shm")


def _terminated(signum, frame):
    # meson stops a test that ran out of time with SIGTERM: unwind, so
    # that the finally blocks remove trees and fabrics
    raise SystemExit(f"terminated by signal {signum}")


signal.signal(signal.SIGTERM, _terminated)


def _kill_group(proc):
    """The program and whatever it forked (smcd_stream's receiver)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def json(self):
        try:
            return json.loads(self.out)
        except ValueError:
            return None

    def __str__(self):
        return f"exit {self.rc}\nstdout:\n{self.out}\nstderr:\n{self.err}"


class Runner:
    """Runs programs with one environment; @wrap prefixes every command
    (qemu-s390x-static in the cross build)."""

    def __init__(self, env=None, wrap=None):
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.wrap = [wrap] if wrap else []

    def _popen(self, cmd):
        # a session of its own: on a timeout the whole group is killed
        return subprocess.Popen(self.wrap + [str(c) for c in cmd], env=self.env,
                                text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)

    def run(self, *cmd, timeout=60):
        return Background(self._popen(cmd)).finish(timeout)

    def start(self, *cmd):
        return Background(self._popen(cmd))


class Background:
    """A process started in the background: its first line, then its end."""

    def __init__(self, proc):
        self.proc = proc
        self.first = ""

    def first_line(self):
        self.first = self.proc.stdout.readline()
        return self.first

    def finish(self, timeout=60):
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(self.proc)
            out, err = self.proc.communicate()
            return Result(-1, self.first + out, err + f"\n(killed after {timeout} s)")
        finally:
            if self.proc.poll() is None:
                _kill_group(self.proc)
        return Result(self.proc.returncode, self.first + out, err)


def make_tree(tool, *funcs):
    """A fake sysfs tree from vfio-ism-emu-tree specs; returns its root."""
    p = subprocess.run([tool] + list(funcs), capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{tool} {' '.join(funcs)}: {p.stderr}")
    return p.stdout.strip()


def remove_tree(root):
    if root:
        shutil.rmtree(root, ignore_errors=True)


def remove_fabric(name):
    try:
        os.unlink(os.path.join(MODEL_DIR, f"ism-fabric.{name}"))
    except OSError:
        pass
