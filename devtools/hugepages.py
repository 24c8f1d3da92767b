# SPDX-License-Identifier: BSD-3-Clause
"""Hugepages for a test that needs DPDK multi-process (a secondary maps the
primary's memory, so the primary cannot run --no-huge).

Hugepages(n) reserves n more 2 MiB pages on top of what the machine has
and mounts a private hugetlbfs for them; release() gives back exactly the
pages it added and removes the mount. reserve() returns None, or why the
machine cannot (then the test skips, saying so).
"""
import os
import subprocess
import tempfile

NR = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
FREE = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"


def _read(path):
    with open(path) as f:
        return int(f.read())


class Hugepages:
    def __init__(self, pages):
        self.pages = pages
        self.added = 0
        self.dir = None
        self.mounted = False

    def reserve(self):
        if not os.path.exists(NR):
            return f"no 2 MiB hugepages on this kernel ({NR} missing)"
        try:
            before = _read(NR)
            with open(NR, "w") as f:
                f.write(str(before + self.pages))
            self.added = _read(NR) - before
        except OSError as e:
            return f"cannot reserve hugepages ({NR}: {e.strerror}; needs root)"
        if self.added < self.pages:
            self.release()
            return (f"the kernel gave {self.added} of {self.pages} hugepages "
                    "(memory too fragmented or too small)")
        self.dir = tempfile.mkdtemp(prefix="ism-huge-")
        r = subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M",
                            "nodev", self.dir], capture_output=True, text=True)
        if r.returncode != 0:
            self.release()
            return f"cannot mount hugetlbfs: {r.stderr.strip()}"
        self.mounted = True
        return None

    def free(self):
        return _read(FREE)

    def release(self):
        if self.mounted:
            subprocess.run(["umount", self.dir], capture_output=True)
            self.mounted = False
        if self.dir:
            try:
                os.rmdir(self.dir)
            except OSError:
                pass
            self.dir = None
        if self.added:
            try:
                now = _read(NR)
                with open(NR, "w") as f:
                    f.write(str(max(now - self.added, 0)))
            except OSError:
                pass
            self.added = 0
