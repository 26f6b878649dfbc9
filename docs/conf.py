"""Sphinx configuration of the scoreopt documentation (built by ``./dev docs``).

The site documents the *installed* package (autodoc imports ``scoreopt``, so build and install
first: ``./dev docs`` does both). Warnings are errors (``-W`` in ``./dev docs`` and in
tests/test_docs.py). The gallery runs ``examples/*.py`` at build time at the sizes listed in
``GALLERY_ARGS`` below (small enough that the whole gallery takes about two minutes on two cores).
"""

from __future__ import annotations

import os
import sys
import tempfile
from importlib.metadata import version as _dist_version
from pathlib import Path

import scoreopt

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))  # cpp_headers.py, the C++ API page generator

project = "scoreopt"
author = "the scoreopt authors"
copyright = "2026, the scoreopt authors"
release = _dist_version("scoreopt")
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinxarg.ext",
    "sphinx_gallery.gen_gallery",
]

html_theme = "furo"
html_title = f"scoreopt {release}"
templates_path: list = []
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "auto_examples/*.json",
                    "auto_examples/*.md5"]
default_role = "code"
# sphinx_gallery_conf holds a function (reset_argv), which Sphinx cannot pickle into its cache
suppress_warnings = ["config.cache"]

autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
napoleon_google_docstring = True
napoleon_numpy_docstring = True

# ---------------------------------------------------------------------------------------------
# The gallery: examples/*.py, executed at build time. Each example is an ordinary script with a
# command line; the gallery runs it with the arguments below (smaller than the scripts' defaults)
# and shows what it prints and the figures it leaves open. Files are written to a scratch folder.
_SCRATCH = Path(tempfile.mkdtemp(prefix="scoreopt-gallery-"))

GALLERY_ARGS = {
    "hsm_fractal_1d.py": ["--score", "smoothing"],
    "hsm_parallel_1d.py": ["--points", "6", "--score", "smoothing"],
    "hsm_cec2017_f4.py": ["--score", "smoothing", "--dim", "10", "--budget", "20000"],
    "hsm_circle_packing.py": ["--n", "5", "--budget", "20000", "--score", "smoothing"],
    "coco_comparison.py": ["--functions", "1,8,15", "--dims", "2,5", "--instances", "1-3",
                           "--budget-multiplier", "200"],
    "glens_samples.py": ["--steps", "80"],
}


def _reset_argv(gallery_conf, script_vars):
    name = Path(script_vars["src_file"]).name
    out = _SCRATCH / Path(name).with_suffix(".png").name
    return list(GALLERY_ARGS.get(name, [])) + ["--out", str(out)]


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",            # execute every example
    "ignore_pattern": r"__init__\.py",
    "reset_argv": _reset_argv,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "plot_gallery": "True",
    "show_memory": False,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "copyfile_regex": "",
    "run_stale_examples": False,
}

os.environ.setdefault("MPLBACKEND", "Agg")


# ---------------------------------------------------------------------------------------------
# The C++ SDK page, generated from the public headers at every build (docs/cpp_headers.py).
def _cpp_page(app):
    import cpp_headers

    cpp_headers.write(ROOT / "csrc" / "include" / "scoreopt", HERE / "api" / "_generated" / "cpp.rst")


def setup(app):
    app.connect("builder-inited", _cpp_page)
