#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Build the documentation under OUT (default build/doc), never in the tree.

Steps, in this order (--steps picks some):
  api   Doxygen reference of the public headers (doc/api/Doxyfile) in
        OUT/api; any warning, an undocumented function among them, fails
  html  the guides (doc/guides) in OUT/html, with the API reference
        copied to OUT/html/api
  man   the man pages ism-ctl.1 and ism-perf.1 in OUT/man
Sphinx runs with warnings as errors. Each step prints one line
"doc: STEP ok" or "doc: STEP FAILED"; with --results FILE each step is
also one test result (meson's testlog.json format, which
devtools/test_summary.py counts). Exits 1 when a step failed.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUIDES = os.path.join(REPO, "doc", "guides")
DOXYFILE = os.path.join(REPO, "doc", "api", "Doxyfile")
STEPS = ("api", "html", "man")


def tool(name, package):
    path = shutil.which(name)
    if path is None:
        print(f"doc: {name} not found: apt-get install {package} "
              "(devtools/setup.sh installs it)", file=sys.stderr)
    return path


def run(cmd, **kw):
    print("doc: " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=False, **kw).returncode == 0


def step_api(out):
    dest = os.path.join(out, "api")
    shutil.rmtree(dest, ignore_errors=True)     # never a stale reference
    doxygen = tool("doxygen", "doxygen")
    if doxygen is None:
        return False
    os.makedirs(dest)
    with open(DOXYFILE, encoding="utf-8") as f:
        conf = f.read()
    # The Doxyfile's paths are relative to the top of the tree; only the
    # output moves.
    conf += f'\nOUTPUT_DIRECTORY = "{dest}"\n'
    print(f"doc: doxygen {os.path.relpath(DOXYFILE, REPO)} -> {dest}", flush=True)
    return subprocess.run([doxygen, "-"], input=conf, text=True, cwd=REPO,
                          check=False).returncode == 0


def sphinx(builder, out, name):
    build = tool("sphinx-build", "python3-sphinx")
    if build is None:
        return False
    dest = os.path.join(out, name)
    return run([build, "-b", builder, "-W", "--keep-going", "-q", "-n",
                "-d", os.path.join(out, ".doctrees-" + name), GUIDES, dest])


def step_html(out):
    if not sphinx("html", out, "html"):
        return False
    api = os.path.join(out, "api", "html")
    dest = os.path.join(out, "html", "api")
    shutil.rmtree(dest, ignore_errors=True)
    if not os.path.isdir(api):
        print(f"doc: no API reference in {api} (run step api first): "
              "the guides' link to it is dangling", file=sys.stderr)
        return False
    shutil.copytree(api, dest)
    return True


def step_man(out):
    if not sphinx("man", out, "man"):
        return False
    missing = [p for p in ("ism-ctl.1", "ism-perf.1")
               if not os.path.isfile(os.path.join(out, "man", p))]
    for p in missing:
        print(f"doc: sphinx wrote no {p}: see man_pages in doc/guides/conf.py",
              file=sys.stderr)
    return not missing


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(REPO, "build", "doc"),
                    help="output directory (default build/doc)")
    ap.add_argument("--steps", default=",".join(STEPS),
                    help="comma-separated, of " + ", ".join(STEPS))
    ap.add_argument("--results", metavar="FILE",
                    help="write one test result per step to FILE")
    args = ap.parse_args()
    steps = args.steps.split(",")
    bad = [s for s in steps if s not in STEPS]
    if bad:
        ap.error(f"unknown step {bad[0]}: the steps are {', '.join(STEPS)}")
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    if args.results and os.path.exists(args.results):
        os.unlink(args.results)     # a run that dies leaves none: a failure
    results = []
    for s in STEPS:
        if s not in steps:
            continue
        t0 = time.monotonic()
        ok = globals()["step_" + s](out)
        dt = time.monotonic() - t0
        print(f"doc: {s} {'ok' if ok else 'FAILED'} ({dt:.1f} s)", flush=True)
        results.append({"name": f"doc-{s}", "result": "OK" if ok else "FAIL",
                        "duration": round(dt, 2)})
    if args.results:
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, "w", encoding="utf-8") as f:
            for r in results:
                f.write(json.dumps(r) + "\n")
    if all(r["result"] == "OK" for r in results):
        if "html" in steps:
            print(f"doc: open {out}/html/index.html")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
