# SPDX-License-Identifier: BSD-3-Clause
"""net_ism's own objects call no model function: a --vdev port opens the
model by kind (ism_transport_open), so the driver's code path is the one
it runs on real hardware.

usage: test_no_model.py NET_ISM_OBJECTS_ARCHIVE SOURCE_DIR
"""
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "devtools"))
from tap import Tap  # noqa: E402


def main():
    archive, src = sys.argv[1], pathlib.Path(sys.argv[2])
    t = Tap()
    nm = subprocess.run(["nm", "-u", archive], capture_output=True, text=True)
    if not t.check(nm.returncode == 0, f"nm -u {archive}"):
        t.diag(nm.stderr)
        return t.done()
    undefined = {line.split()[-1] for line in nm.stdout.splitlines()
                 if line.strip() and not line.endswith(":")}
    model = sorted(s for s in undefined if s.startswith("ism_model_"))
    t.check(not model, "no model function is called: " + (", ".join(model) or "none"))
    t.check("ism_transport_open" in undefined, "--vdev ports open the model by kind")
    includers = sorted(p.name for p in src.glob("*.[ch]")
                       if "ism_model.h" in p.read_text())
    t.check(not includers, "no source includes ism_model.h: " + (", ".join(includers) or "none"))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
