# SPDX-License-Identifier: BSD-3-Clause
"""`meson install` into a DESTDIR gives a DPDK driver's layout.

 - the PMD and the bus in the installed DPDK's plugin directory, with
   DPDK's ABI in their sonames, exporting only their API (rte_pmd_ism_*
   experimental, the bus's driver API internal);
 - libism.so.0 / libism_model.so.0 and their static archives in libdir,
   exporting exactly what their public headers declare, with pkg-config
   files that build a program both ways;
 - the public headers under include/ism, the tools in bindir;
 - stock dpdk-testpmd finds net_ism without -d: in a private mount
   namespace the installed plugin directory is mounted over EAL's
   default one and two testpmd processes link and exchange frames.

usage: test_install.py BUILD_DIR SOURCE_DIR PREFIX LIBDIR INCLUDEDIR
       BINDIR PMD_PATH ABI
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

SRC = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SRC / "devtools"))
from tap import Tap  # noqa: E402
import testpmd_session as tps  # noqa: E402

t = Tap()


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def exported(lib):
    """{name: version} of the symbols @lib defines for others."""
    out = run(["nm", "-D", "--defined-only", str(lib)]).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] != "A":
            name, _, ver = f[2].partition("@@")
            syms[name] = ver
    return syms


def dynamic(lib, tag):
    out = run(["readelf", "-d", str(lib)]).stdout
    return re.findall(rf"\({tag}\)\s+.*\[(.*)\]", out)


def declared(headers):
    """Functions and objects the headers declare at file scope."""
    names = set()
    for h in headers:
        text = re.sub(r"/\*.*?\*/", "", h.read_text(), flags=re.S)
        text = re.sub(r"^#.*$", "", text, flags=re.M)
        for m in re.finditer(r"^[a-z_][\w \t\*]*?\b(ism_\w+)\s*\(", text, re.M):
            names.add(m.group(1))
        for m in re.finditer(r"^extern\s+const\s+struct\s+\w+\s+(ism_\w+)\s*;", text, re.M):
            names.add(m.group(1))
    return names


def check_plugins(dest, pmd_path, abi):
    major = abi.split(".")[0]
    plugdir = dest / pmd_path.lstrip("/")
    for name, api, node in [("librte_net_ism", "rte_pmd_ism_", "EXPERIMENTAL"),
                            ("librte_bus_vfio_ism", "rte_vfio_ism_", "INTERNAL")]:
        lib = plugdir / f"{name}.so.{abi}"
        if not t.check(lib.is_file(), f"{lib.relative_to(dest)} installed"):
            continue
        t.check((plugdir / f"{name}.so.{major}").resolve() == lib.resolve(),
                f"{name}.so.{major} links to it")
        t.check(dynamic(lib, "SONAME") == [f"{name}.so.{major}"],
                f"soname {name}.so.{major}: {dynamic(lib, 'SONAME')}")
        syms = exported(lib)
        other = sorted(s for s in syms if not s.startswith(api))
        t.check(syms and not other, f"{name} exports {len(syms)} {api}* symbols only"
                + (f"; also: {', '.join(other[:8])}" if other else ""))
        wrong = sorted(s for s, v in syms.items() if v != node)
        t.check(not wrong, f"each in version node {node}" +
                (f"; not: {', '.join(wrong)}" if wrong else ""))
    return plugdir


def check_libs(dest, prefix, libdir):
    lib_root = dest / (pathlib.Path(prefix) / libdir).relative_to("/")
    heads = {"libism": [SRC / "lib/ism/ism.h", SRC / "lib/ism/ism_transport.h",
                        SRC / "lib/ism/vfio/ism_vfio.h"],
             "libism_model": [SRC / "lib/ism/model/ism_model.h"]}
    internal = {"libism": {"ism_log"}, "libism_model": set()}
    for name, headers in heads.items():
        so = lib_root / f"{name}.so.0"
        t.check((lib_root / f"{name}.a").is_file(), f"{name}.a installed")
        if not t.check(so.exists(), f"{name}.so.0 installed"):
            continue
        t.check(dynamic(so, "SONAME") == [f"{name}.so.0"], f"soname {name}.so.0")
        syms = exported(so)
        want = declared(headers)
        missing = sorted(want - set(syms))
        extra = sorted(set(syms) - want - internal[name])
        t.check(not missing, f"{name} exports all {len(want)} functions of its headers"
                + (f"; missing: {', '.join(missing)}" if missing else ""))
        t.check(not extra, f"{name} exports nothing else"
                + (f"; also: {', '.join(extra[:10])}" if extra else ""))
        unversioned = sorted(s for s, v in syms.items() if not v)
        t.check(not unversioned, f"{name}'s symbols are versioned")
        t.check((lib_root / "pkgconfig" / f"{name}.pc").is_file(), f"{name}.pc installed")
    return lib_root


PROGRAM = r"""
#include <stdio.h>
#include <string.h>
#include <ism.h>
#include <ism_model.h>

int
main(int argc, char **argv)
{
	struct ism_transport *t;
	struct ism_dev *dev;
	int rc;

	(void)argc;
	/* by kind: linked with libism only, it loads libism_model.so.0;
	 * statically, the model's constructor comes with the model object
	 * the program uses (ism_model_is_model) */
	rc = ism_transport_open("model", argv[1], NULL, &t);
#ifdef STATIC_MODEL
	if (rc == 0 && !ism_model_is_model(t))
		return 2;
#endif
	if (rc < 0 || ism_dev_open(t, &dev) < 0)
		return 1;
	printf("gid %016llx\n", (unsigned long long)ism_dev_gid(dev));
	ism_dev_close(dev);
	return 0;
}
"""


def check_pkgconfig(dest, lib_root, work):
    env = {**os.environ, "PKG_CONFIG_PATH": str(lib_root / "pkgconfig"),
           "PKG_CONFIG_SYSROOT_DIR": str(dest), "ISM_MODEL_DIR": str(work),
           "ISM_MODEL_HEAP": "16M"}
    src = work / "prog.c"
    src.write_text(PROGRAM)
    for how, pc, link_mode in [("shared", "libism", []),
                               ("static", "libism_model", ["--static"])]:
        flags = run(["pkg-config", "--cflags", "--libs", *link_mode, pc], env=env)
        if not t.check(flags.returncode == 0, f"pkg-config {' '.join(link_mode)} {pc}"):
            t.diag(flags.stderr)
            continue
        args = flags.stdout.split()
        if how == "static":
            # the archives, not the .so next to them
            args = [a for a in args if a not in ("-lism", "-lism_model")]
            args = ["-DSTATIC_MODEL", "-Wl,-Bstatic", "-lism_model", "-lism",
                    "-Wl,-Bdynamic"] + args
        else:
            # no LD_LIBRARY_PATH: libism finds libism_model.so.0 by its
            # own run path, as it must wherever it is installed
            args += [f"-Wl,-rpath,{lib_root}"]
        exe = work / f"prog_{how}"
        cc = run(["cc", "-o", str(exe), str(src), *args])
        if not t.check(cc.returncode == 0, f"a program builds against the {how} library"):
            t.diag(cc.stderr)
            continue
        needed = dynamic(exe, "NEEDED")
        if how == "shared":
            t.check(needed.count("libism.so.0") == 1 and
                    not any("ism_model" in n for n in needed),
                    f"shared: it needs libism.so.0 and not the model: {needed}")
        else:
            t.check(not any("ism" in n for n in needed), f"static: no libism needed: {needed}")
        r = run([str(exe), f"pkgcfg{how}"], env=env, timeout=30)
        way = ("libism_model.so.0 loaded beside libism" if how == "shared"
               else "the model linked in")
        t.check(r.returncode == 0 and r.stdout.startswith("gid "),
                f"{how}: it opens a model function by kind ({way}): "
                f"{r.stdout.strip() or r.stderr.strip()}")


def check_eal_default(plugdir, pmd_path, lib_root, work):
    """Two testpmd processes without -d, the installed plugins mounted
    over EAL's default directory in a private mount namespace."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        t.skip("testpmd without -d", "needs root and unshare(1) for a private mount")
        return
    # every plugin of the system's directory, reached through a second
    # mount of it (a link through the covered path would loop), and ours
    merged, orig = work / "pmds", work / "orig"
    merged.mkdir()
    orig.mkdir()
    for f in pathlib.Path(pmd_path).iterdir():
        (merged / f.name).symlink_to(orig / f.name)
    for f in plugdir.iterdir():
        link = merged / f.name
        if link.is_symlink():
            link.unlink()
        link.symlink_to(f)
    r = run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
             'mount --bind "$2" "$1" && mount --bind "$3" "$2" && exec "$4" "$5" --eal-child "$6"',
             "sh", str(orig), pmd_path, str(merged), sys.executable, __file__,
             str(lib_root)],
            timeout=120)
    for line in r.stdout.splitlines():
        if line.startswith(("ok ", "not ok ")):
            t.check(line.startswith("ok "), line.split(" - ", 1)[-1] + " (namespace)")
        elif line.startswith("#"):
            print(line, flush=True)
    if r.returncode not in (0, 1):
        t.check(False, f"namespace child exited {r.returncode}: {r.stderr[-400:]}")


def eal_child(lib_root):
    """Inside the namespace: stock testpmd, no -d."""
    child = Tap()
    fabric = f"inst{os.getpid()}"
    env = {"LD_LIBRARY_PATH": lib_root}
    vdev = f"net_ism0,fabric={fabric},pair=inst"
    a = tps.TestPmd("insta", None, vdev, "0,1", 0, env=env)
    b = tps.TestPmd("instb", None, vdev, "0,1", 1, env=env)
    try:
        if child.check(a.ready() and b.ready(), "both testpmd start without -d"):
            m = a.cmd("show port info 0", r"Driver name: (\S+)")
            child.check(m is not None and m.group(1) == "net_ism",
                        "port 0 is a net_ism port from the default plugin directory")
            if child.check(a.link_up() and b.link_up(), "the two ports link"):
                a.cmd("set txpkts 64")
                tx, rx = tps.one_way(a, b, 1.0)
                child.check(tx["tx_packets"] > 0 and rx["rx_packets"] == tx["tx_packets"],
                            f"{tx['tx_packets']} frames sent, {rx['rx_packets']} received")
    finally:
        for p in (a, b):
            p.quit()
        tps.remove_fabric(fabric)
    return child.done()


def main():
    if sys.argv[1] == "--eal-child":
        return eal_child(sys.argv[2])
    build, _, prefix, libdir, includedir, bindir, pmd_path, abi = sys.argv[1:9]
    # not under /tmp: EAL refuses plugins on a world-writable path
    work = pathlib.Path(tempfile.mkdtemp(prefix="install-", dir=build))
    dest = work / "dest"
    try:
        r = run(["meson", "install", "-C", build, "--no-rebuild", "--quiet",
                 "--destdir", str(dest)])
        if not t.check(r.returncode == 0, f"meson install --destdir {dest}"):
            t.diag(r.stdout[-2000:] + r.stderr[-2000:])
            return t.done()
        plugdir = check_plugins(dest, pmd_path, abi)
        lib_root = check_libs(dest, prefix, libdir)
        net = plugdir / f"librte_net_ism.so.{abi}"
        needed = dynamic(net, "NEEDED")
        t.check("libism.so.0" in needed and not any("ism_model" in n for n in needed),
                f"the PMD needs libism.so.0, not the model: {needed}")
        runpath = ":".join(dynamic(net, "RUNPATH"))
        t.check(str(pathlib.Path(prefix) / libdir) in runpath.split(":"),
                f"the PMD finds libism in libdir: RUNPATH {runpath}")
        inc = dest / (pathlib.Path(prefix) / includedir).relative_to("/") / "ism"
        for h in ["ism.h", "ism_proto.h", "ism_byteorder.h", "ism_transport.h",
                  "ism_vfio.h", "ism_model.h", "rte_pmd_ism.h", "bus_vfio_ism_driver.h"]:
            t.check((inc / h).is_file(), f"include/ism/{h} installed")
        bins = dest / (pathlib.Path(prefix) / bindir).relative_to("/")
        for b in ["ism-ctl", "ism-perf", "smcd_stream"]:
            t.check(os.access(bins / b, os.X_OK), f"bin/{b} installed")
        check_pkgconfig(dest, lib_root, work)
        check_eal_default(plugdir, pmd_path, lib_root, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
