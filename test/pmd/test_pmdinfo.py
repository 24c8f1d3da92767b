#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The installed dpdk-pmdinfo.py reads net_ism's build metadata (TAP)."""
import json
import subprocess
import sys

so = sys.argv[1]
out = subprocess.run(["dpdk-pmdinfo.py", so], capture_output=True, text=True)
checks = []
try:
    info = {d["name"]: d for d in json.loads(out.stdout)}
except ValueError:
    info = {}
ism = info.get("net_ism", {})
checks.append((out.returncode == 0, "dpdk-pmdinfo.py ran"))
checks.append(("net_ism" in info, "driver name net_ism"))
checks.append(({"vendor": "1014", "device": "04ed"} in ism.get("pci_ids", []),
               "PCI id 1014:04ed"))
checks.append((ism.get("kmod") == "ism_vfio_pci", "kmod dependency ism_vfio_pci"))
checks.append(("fabric=<name>" in ism.get("params", "") and
               "dmb_size=" in ism.get("params", ""), "devargs string"))
for i, (ok, what) in enumerate(checks, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {what}")
if not all(ok for ok, _ in checks):
    print("# " + out.stdout.replace("\n", "\n# ") + out.stderr)
print(f"1..{len(checks)}")
sys.exit(0 if all(ok for ok, _ in checks) else 1)
