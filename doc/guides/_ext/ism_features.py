# SPDX-License-Identifier: BSD-3-Clause
"""The ``ism-feature-matrix`` directive: net_ism's features next to
net_memif's, as a table.

The rows and their order are DPDK's ``default.ini`` ([Features]); the
columns are our ``nics/features/ism.ini`` and DPDK's ``memif.ini``. DPDK's
two files come from the cache ``devtools/setup.sh`` fills
(``<cache>/<DPDK version>/features``), never from this tree. Comments in
the files (ism.ini names the test behind every row) are not rendered.

A feature of ism.ini that default.ini does not know, a value other than
Y or P, and a missing file are warnings: ``make doc`` fails on them.
"""

import configparser
import os
import subprocess

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

VALUES = ("Y", "P")


def dpdk_features_dir(repo):
    """<cache>/<version>/features of the installed DPDK, or None."""
    root = os.environ.get("ISM_SDK_CACHE") or os.path.join(repo, ".cache", "dpdk-sdk")
    try:
        ver = subprocess.run(["pkg-config", "--modversion", "libdpdk"],
                             capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return os.path.join(root, ver, "features")


def read_features(path):
    """The [Features] section of an ini file: {feature: value}, in order."""
    ini = configparser.ConfigParser(interpolation=None, comment_prefixes=(";",))
    ini.optionxform = str           # "Link status", not "link status"
    with open(path, encoding="utf-8") as f:
        ini.read_file(f)
    if not ini.has_section("Features"):
        return {}
    return {k: v.strip() for k, v in ini.items("Features")}


def cell(text):
    entry = nodes.entry()
    if text:
        entry += nodes.paragraph(text=text)
    return entry


def row(cells, header=False):
    r = nodes.row()
    for c in cells:
        r += cell(c)
    return r


class FeatureMatrix(SphinxDirective):
    has_content = False

    def run(self):
        env = self.env
        # The matrix is in no man page: do not ask for DPDK's files there.
        if env.app.builder.format == "man":
            return []
        conf = env.config
        ours = os.path.join(env.srcdir, conf.ism_features_dir, "ism.ini")
        theirs = conf.ism_dpdk_features_dir or dpdk_features_dir(
            os.path.abspath(os.path.join(env.srcdir, "..", "..")))
        where = self.get_location()
        if not theirs or not os.path.isdir(theirs):
            logger.warning("no DPDK feature lists (%s): run devtools/setup.sh, "
                           "which caches default.ini and memif.ini of the "
                           "installed DPDK", theirs or "pkg-config finds no libdpdk",
                           location=where)
            return []
        paths = {"default": os.path.join(theirs, "default.ini"),
                 "memif": os.path.join(theirs, "memif.ini"), "ism": ours}
        tables = {}
        for name, path in paths.items():
            if not os.path.isfile(path):
                logger.warning("%s: no such file: run devtools/setup.sh", path,
                               location=where)
                return []
            env.note_dependency(path)
            tables[name] = read_features(path)
        rows = list(tables["default"])
        for name in ("ism", "memif"):
            for feature, value in tables[name].items():
                if feature not in tables["default"]:
                    logger.warning("%s: feature '%s' is not in DPDK's default.ini",
                                   paths[name], feature, location=where)
                if value and value not in VALUES:
                    logger.warning("%s: feature '%s' = '%s': the values are Y or P",
                                   paths[name], feature, value, location=where)
        return [self.table(rows, tables)]

    @staticmethod
    def table(rows, tables):
        table = nodes.table(classes=["ism-feature-matrix"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (4, 1, 1):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += row(["Feature", "net_ism", "net_memif"])
        group += head
        body = nodes.tbody()
        for feature in rows:
            body += row([feature, tables["ism"].get(feature, ""),
                         tables["memif"].get(feature, "")])
        group += body
        return table


def setup(app):
    app.add_config_value("ism_features_dir", "nics/features", "env")
    app.add_config_value("ism_dpdk_features_dir", "", "env")
    app.add_directive("ism-feature-matrix", FeatureMatrix)
    return {"version": "1", "parallel_read_safe": True,
            "parallel_write_safe": True}
