"""Sphinx configuration for the micrograd_plus book.

Every chapter is a MyST Markdown notebook that is executed at build time. By
default each build executes every chapter from scratch ("force"): the
execution cache hashes only the cells' text, so after a change to the library
it would happily serve stale, passing outputs. Set MICROGRAD_PLUS_BOOK_CACHE=1
for a quick local rebuild that reuses outputs of unchanged chapters.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
import shutil
from pathlib import Path

import micrograd_plus

DOCS = Path(__file__).resolve().parent

project = "micrograd_plus"
author = "the micrograd_plus authors"
copyright = "2026, the micrograd_plus authors"
release = micrograd_plus.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinxcontrib.bibtex",
]

# --- citations ----------------------------------------------------------------
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

# --- PyTorch, for the comparisons the reader should see ------------------------
# Chapters 8, 9 and 10 compare with PyTorch live and skip that without it; the built
# book must show them, so it is built with the torch extra (nox -s book, Read the Docs).
if importlib.util.find_spec("torch") is None and not os.environ.get("MICROGRAD_PLUS_BOOK_NO_TORCH"):
    raise RuntimeError(
        "conf.py: PyTorch is not installed, so chapters 8-10 would show no comparison; "
        'pip install -e ".[docs,torch]", or set MICROGRAD_PLUS_BOOK_NO_TORCH=1 to build without'
    )

exclude_patterns = [
    "_build",
    "_mathjax",  # where MathJax was installed from npm before; a stale copy is not a page
    "jupyter_execute",
    "**.ipynb_checkpoints",
    "README.md",
]

# --- executing the chapters ------------------------------------------------
# The kernel that executes them reads the IPython profile in docs/kernel (copied into the
# build, where IPython may write its history): it logs only errors, and records each
# figure's smallest text in its PNG for the browser check. A reader's own IPython
# startup files do not run in the build.
_PROFILE = DOCS / "_build" / "ipython" / "profile_default"
shutil.copytree(DOCS / "kernel", _PROFILE, dirs_exist_ok=True)
os.environ["IPYTHONDIR"] = str(_PROFILE.parent)
nb_execution_mode = "cache" if os.environ.get("MICROGRAD_PLUS_BOOK_CACHE") == "1" else "force"
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_execution_show_tb = True  # and the log says why
nb_execution_timeout = 180  # per cell, seconds; whole chapters stay far below it
nb_merge_streams = True
# A cell's display(Markdown(...)) is read as MyST, like the chapters' own text: the
# default, CommonMark, has no tables, so the appendix's tables showed as rows of pipes.
nb_render_markdown_format = "myst"

# --- MyST ------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# --- API reference ---------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": True}
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False

# --- math, offline -----------------------------------------------------------
# MathJax 3 comes from PyPI with the docs extra (sphinx-mathjax-offline: the files of
# MathJax's own npm release) and is copied into the build, so math renders without
# internet and no npm is needed. MathJax's licence is in _static/mathjax/LICENSE.
# Without the package (a bare `sphinx-build`), MathJax comes from the CDN.
html_static_path = ["_static"]
html_css_files = ["book.css"]
try:
    _MATHJAX = Path(importlib.metadata.distribution("sphinx-mathjax-offline").locate_file(""))
except importlib.metadata.PackageNotFoundError:
    print("conf.py: sphinx-mathjax-offline not installed; math will load from the CDN")
else:
    # Its folder `static` holds `mathjax/`: served as _static/mathjax/.
    html_static_path.append(str(_MATHJAX / "sphinx-mathjax-offline" / "static"))
    mathjax_path = "mathjax/tex-mml-chtml.js"

# --- HTML --------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "micrograd_plus: losses and optimizers, executed"
html_theme_options = {
    "use_download_button": True,  # each page offers its source and notebook
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
# Follow the reader's system (light or dark) until they pick one with the toggle; without
# it the theme starts from an empty mode and logs "Got invalid theme mode".
html_context = {"default_mode": "auto"}
html_last_updated_fmt = None
html_show_sourcelink = True


def _offer_notebook(app, pagename, templatename, context, doctree):
    """Let the download button offer a chapter as the notebook that was executed.

    myst-nb writes each executed chapter to ``<build>/jupyter_execute``; the book
    theme lists an ``.ipynb`` download when ``ipynb_source`` names a copy of it in
    ``_sources`` (it only does this itself when launch buttons are configured).
    """
    if "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


class _NoConfigDump(logging.Filter):
    """Drop the full MdParserConfig / NbParserConfig that myst logs at every build."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "ParserConfig(" not in record.getMessage()


for _logger in ("sphinx.myst_parser.sphinx_ext.main", "sphinx.myst_nb.sphinx_ext"):
    logging.getLogger(_logger).addFilter(_NoConfigDump())


def _load_citations():
    spec = importlib.util.spec_from_file_location("book_citations", DOCS / "citations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_citations = _load_citations()


def _citation_links_as_roles(app, docname, source):
    """Chapters may cite with links JupyterLab can show (docs/citations.py): read them as roles."""
    source[0] = _citations.to_roles(source[0])


def setup(app):
    app.connect("source-read", _citation_links_as_roles)
    # Before the theme builds its header buttons (priority 501).
    app.connect("html-page-context", _offer_notebook, priority=400)
