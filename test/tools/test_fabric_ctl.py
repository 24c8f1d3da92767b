#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""ism-ctl fabric, the built binary unchanged (under qemu-user in the s390x
cross build), on fabrics of the software model in a private fabric
directory: smcd_stream receivers hold functions; fabric list shows them
with their PIDs, alive or dead; rm refuses a live fabric and removes a
stale one; rm --stale removes what processes killed with SIGKILL left and
nothing else (a symbolic link and a file that is no fabric stay); a fabric
goes by itself when its last function closes; exit codes and --json.
Output is TAP.

  test_fabric_ctl.py ISM_CTL SMCD_STREAM [WRAPPER]
"""
import os
import re
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from toolrun import Runner, Tap  # noqa: E402

tap = Tap()
CTL, SMCD = sys.argv[1:3]
WRAP = sys.argv[3] if len(sys.argv) > 3 else None
N = 3


def check_rc(r, want, what):
    ok = tap.check(r.rc == want, f"{what}: exit {want}")
    if not ok:
        tap.diag(r)
    return ok


def fabric_path(d, name):
    return os.path.join(d, f"ism-fabric.{name}")


def holders(run, name, n):
    """n smcd_stream receivers on fabric @name, each holding a function."""
    procs = []
    for _ in range(n):
        p = run.start(SMCD, "--role", "recv", "--fabric", name, "--peer", "any",
                      "--wait", "60")
        m = re.search(r"gid ([0-9a-f]{16})", p.first_line())
        procs.append((p, m.group(1) if m else None))
    return procs


def listed(run, name):
    j = run.run(CTL, "--json", "fabric", "list").json()
    if j is None:
        return None
    return next((f for f in j["fabrics"] if f["name"] == name), {})


def test_live_and_stale(run, d):
    procs = holders(run, "held", N)
    if not tap.check(all(g for _, g in procs), f"{N} receivers attached to fabric 'held'"):
        for p, _ in procs:
            tap.diag(p.finish(1))
        return
    r = run.run(CTL, "fabric", "list")
    check_rc(r, 0, "fabric list")
    tap.check(re.search(rf"^\s+held\s+live\s+{N}/{N}\s+{os.geteuid()}\s+0600\s", r.out, re.M)
              is not None, f"text: 'held' live, {N}/{N} functions, our uid, mode 0600")
    f = listed(run, "held")
    if tap.check(f is not None and f.get("state") == "live", "--json: held is live"):
        pids = sorted(fn["pid"] for fn in f["functions"])
        gids = sorted(fn["gid"] for fn in f["functions"])
        tap.check(f["attached"] == N and f["live"] == N and
                  all(fn["alive"] for fn in f["functions"]),
                  f"--json: {N} functions attached, all alive")
        tap.check(pids == sorted(p.proc.pid for p, _ in procs),
                  "--json: the PIDs are the receivers'")
        tap.check(gids == sorted(f"0x{g}" for _, g in procs),
                  "--json: the GIDs are the ones the receivers print")
        tap.check(f["version"] > 0 and f["size"] > 32 << 20 and f["uid"] == os.geteuid() and
                  f["mode"] == "0600" and f["kept"] is False,
                  "--json: layout version, size, owner, mode, not kept")

    r = run.run(CTL, "fabric", "rm", "held")
    check_rc(r, 2, "rm of a live fabric is refused")
    tap.check(f"{N} live functions attached" in r.out and "--force" in r.out,
              "and says why and what would do it")
    tap.check(os.path.exists(fabric_path(d, "held")), "the live fabric is still there")
    r = run.run(CTL, "fabric", "rm", "--stale")
    check_rc(r, 0, "rm --stale with only a live fabric")
    tap.check(os.path.exists(fabric_path(d, "held")), "which it leaves")

    # one killed: the others' reapers release its function within 20 ms
    victim = procs[0][0]
    os.kill(victim.proc.pid, signal.SIGKILL)
    victim.finish(10)
    end = time.monotonic() + 5
    f = listed(run, "held")
    while f.get("attached") != N - 1 and time.monotonic() < end:
        time.sleep(0.05)
        f = listed(run, "held")
    tap.check(f.get("state") == "live" and f.get("live") == N - 1 and
              f.get("attached") == N - 1 and f.get("reaps", 0) >= 1 and
              victim.proc.pid not in [fn["pid"] for fn in f["functions"]],
              "one receiver killed: its function released by the others, the rest live")
    # the rest stopped first, so that none of them releases another's
    rest = procs[1:]
    for p, _ in rest:
        os.kill(p.proc.pid, signal.SIGSTOP)
    for p, _ in rest:
        os.kill(p.proc.pid, signal.SIGKILL)
        p.finish(10)
    f = listed(run, "held")
    tap.check(f.get("state") == "stale" and f.get("live") == 0 and
              f.get("attached") == N - 1 and
              sorted(fn["pid"] for fn in f["functions"]) ==
              sorted(p.proc.pid for p, _ in rest) and
              not any(fn["alive"] for fn in f["functions"]),
              f"the other {N - 1} killed with SIGKILL: stale, their functions dead with their PIDs")
    r = run.run(CTL, "fabric", "list")
    tap.check(re.search(rf"^\s+held\s+stale\s+0/{N - 1}\s", r.out, re.M) is not None and
              r.out.count("(dead)") == N - 1, f"text: stale 0/{N - 1}, each function dead")
    return True


def test_rm_stale(run, d):
    # a symbolic link named like a fabric, and a file that is no fabric
    target = os.path.join(d, "target")
    with open(target, "wb") as f:
        f.write(b"not a fabric" * 10)
    os.symlink(target, fabric_path(d, "evil"))
    with open(fabric_path(d, "junk"), "wb") as f:
        f.write(b"\x00" * 4096)
    r = run.run(CTL, "--json", "fabric", "list")
    j = r.json()
    states = {f["name"]: f["state"] for f in (j or {}).get("fabrics", [])}
    tap.check(states == {"held": "stale", "evil": "not-a-fabric", "junk": "not-a-fabric"},
              f"list: the stale fabric, a link and a junk file for what they are ({states})")
    r = run.run(CTL, "fabric", "rm", "evil")
    check_rc(r, 2, "rm of a symbolic link is refused")
    tap.check("symbolic link" in r.out, "and says it is a link")
    r = run.run(CTL, "fabric", "rm", "junk", "--force")
    check_rc(r, 2, "rm --force of a file that is no fabric is refused")

    r = run.run(CTL, "--json", "fabric", "rm", "--stale")
    check_rc(r, 0, "rm --stale")
    j = r.json()
    tap.check(j is not None and [f["name"] for f in j["fabrics"]] == ["held"] and
              j["removed"] == 1 and j["fabrics"][0]["removed"] is True,
              "--json: it removed 'held' alone")
    tap.check(not os.path.exists(fabric_path(d, "held")) and
              not os.path.exists(fabric_path(d, "held") + ".d"),
              "the stale fabric and its FIFO directory are gone")
    tap.check(os.path.islink(fabric_path(d, "evil")) and os.path.exists(target) and
              os.path.exists(fabric_path(d, "junk")),
              "the link, its target and the junk file stay")
    r = run.run(CTL, "fabric", "rm", "--stale")
    check_rc(r, 0, "rm --stale with nothing stale")
    tap.check(re.search(r"^removed\s+0$", r.out, re.M) is not None, "removes nothing")
    os.unlink(fabric_path(d, "evil"))
    os.unlink(fabric_path(d, "junk"))
    os.unlink(target)


def test_goes_by_itself(run, d):
    r = run.run(SMCD, "--fabric", "self", "-n", "200", timeout=120)
    tap.check(r.rc == 0, "smcd_stream forked on fabric 'self': exit 0")
    tap.check(not os.path.exists(fabric_path(d, "self")) and
              not os.path.exists(fabric_path(d, "self") + ".d"),
              "its fabric went with its last function")
    f = listed(run, "self")
    tap.check(f == {}, "fabric list does not show it")

    procs = holders(run, "forced", 1)
    r = run.run(CTL, "fabric", "rm", "forced", "--force")
    check_rc(r, 0, "rm --force of a live fabric")
    tap.check(not os.path.exists(fabric_path(d, "forced")), "it is gone")
    for p, _ in procs:
        os.kill(p.proc.pid, signal.SIGKILL)
        p.finish(10)


def test_usage(run):
    for args, what in ((["fabric"], "fabric without list or rm"),
                       (["fabric", "rm"], "rm without a name or --stale"),
                       (["fabric", "rm", "--stale", "--force"], "--stale with --force"),
                       (["fabric", "rm", "a/b"], "a bad fabric name"),
                       (["fabric", "list", "x"], "list with an argument"),
                       (["fabric", "list", "--bogus"], "an unknown option")):
        r = run.run(CTL, *args)
        tap.check(r.rc == 1 and "ism-ctl: " in r.err,
                  f"refused: {what} (exit 1, says why)")
    r = run.run(CTL, "fabric", "rm", "nosuch")
    check_rc(r, 2, "rm of a fabric that does not exist")
    tap.check("no such fabric" in r.out, "and says so")
    gone = Runner(env={"ISM_MODEL_DIR": os.path.join(run.env["ISM_MODEL_DIR"], "nonexistent")},
                  wrap=WRAP)
    for args in (["fabric", "list"], ["fabric", "rm", "--stale"]):
        r = gone.run(CTL, *args)
        tap.check(r.rc == 2 and "cannot read the fabric directory" in r.err and
                  "ISM_MODEL_DIR" in r.err,
                  f"{' '.join(args)} in a directory that does not exist: exit 2, says so and the fix")
    r = run.run(CTL, "--help")
    tap.check(r.rc == 0 and re.search(r"^\s+fabric list", r.out, re.M) is not None and
              "software model" in r.out, "--help lists fabric and says it is the software model")
    r = run.run(CTL, "fabric", "--help")
    tap.check(r.rc == 0 and "--stale" in r.out and "--force" in r.out,
              "fabric --help describes --stale and --force")


def main():
    d = tempfile.mkdtemp(prefix="ism-ctl-fabric.",
                         dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    run = Runner(env={"ISM_MODEL_DIR": d, "ISM_MODEL_HEAP": "32M"}, wrap=WRAP)
    try:
        if test_live_and_stale(run, d):
            test_rm_stale(run, d)
        test_goes_by_itself(run, d)
        test_usage(run)
        left = sorted(os.listdir(d))
        tap.check(left == [], f"nothing is left in the fabric directory ({left})")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
