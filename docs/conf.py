"""Sphinx configuration of the looplab documentation (built by ``scripts/docs.sh``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT / "src"))  # document this checkout, not an installed copy
sys.path.insert(0, str(DOCS / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

project = "looplab"
author = "the looplab authors"
copyright = "the looplab authors"  # noqa: A001 - Sphinx's name

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "sphinx_autodoc_typehints",
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "looplab_docs",  # generates the family, paper, coverage and API pages (docs/_ext)
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
# a bare "::" block is a docstring formula or table, not Python: no syntax colours
highlight_language = "text"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "sg_execution_times.rst"]

html_theme = "furo"
html_title = "looplab"
html_static_path: list[str] = []

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_class_signature = "separated"
# document each object once, where it is defined (packages re-export their members)
autodoc_default_options = {"show-inheritance": True, "ignore-module-all": True}
typehints_fully_qualified = False
always_document_param_types = False
typehints_document_rtype = True
# sphinx-autodoc-typehints cannot always resolve a TYPE_CHECKING-only annotation; that is
# a note about the signature, not an error in the docs
suppress_warnings = ["sphinx_autodoc_typehints", "config.cache"]

copybutton_prompt_text = r"\$ |>>> "
copybutton_prompt_is_regexp = True

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": str(DOCS / "auto_examples"),
    "filename_pattern": r"/plot_",  # run every example at build time
    "abort_on_example_error": True,
    "plot_gallery": "True",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    "write_computation_times": False,
}
