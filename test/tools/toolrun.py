# SPDX-License-Identifier: BSD-3-Clause
"""What the tool tests share: running the built programs (through an
emulator prefix in a cross build), background processes, the fake sysfs
tree of the ism_vfio_pci emulation, and clean-up of fabric files."""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "devtools"))
from tap import Tap  # noqa: E402,F401

MODEL_DIR = os.environ.get("ISM_MODEL_DIR", "/dev/shm")


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

    def run(self, *cmd, timeout=60):
        try:
            p = subprocess.run(self.wrap + [str(c) for c in cmd], env=self.env,
                               capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            return Result(-1, e.stdout or "", f"timed out after {timeout} s")
        return Result(p.returncode, p.stdout, p.stderr)

    def start(self, *cmd):
        return Background(subprocess.Popen(
            self.wrap + [str(c) for c in cmd], env=self.env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE))


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
            self.proc.kill()
            out, err = self.proc.communicate()
            err += f"\n(killed after {timeout} s)"
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


def skip_all(reason):
    """The whole test is skipped (TAP plan 1..0)."""
    print(f"1..0 # SKIP {reason}", flush=True)
    return 0


def wait_for(pred, seconds=5.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()
