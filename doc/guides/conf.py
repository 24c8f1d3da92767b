# SPDX-License-Identifier: BSD-3-Clause
"""Sphinx configuration of the dpdk-ism guides.

Build them with ``make doc`` (devtools/build_doc.py): HTML, the API
reference and the man pages under <build>/doc, warnings as errors. Nothing
is written into this tree.
"""

import os
import re
import sys

# the extension's byte code would land next to it, in the source tree
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ext"))

project = "dpdk-ism"
copyright = "dpdk-ism contributors"

_top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
with open(os.path.join(_top, "meson.build"), encoding="utf-8") as _f:
    version = release = re.search(r"version:\s*'([^']+)'", _f.read()).group(1)

extensions = ["ism_features"]

# results.rst is the body of a section of perf/index.rst (included there)
exclude_patterns = ["_ext", "perf/results.rst"]

html_theme = "alabaster"
html_theme_options = {"page_width": "1100px", "sidebar_width": "240px"}
html_show_sourcelink = False

# (source document, name, description, authors, section)
man_pages = [
    ("tools/ism_ctl", "ism-ctl",
     "look at and try out the ISM functions bound to ism_vfio_pci", [], 1),
    ("tools/ism_perf", "ism-perf",
     "benchmarks of ISM: store loop, round trips, ethdev streams", [], 1),
]
man_make_section_directory = False
man_show_urls = True
