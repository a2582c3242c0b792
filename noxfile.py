"""Tasks: ``nox -s tests``, ``nox -s book``, ``nox -s lint``, ``nox -s browser``,
``nox -s bench``, ``nox -s fuzz``. Each session installs what it needs itself."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "venv"

PYTHON = "3.11"


def _install_test_deps(session: nox.Session) -> None:
    # torch is the independent oracle; its tests skip if it is absent, but CI has it.
    extras = "test" if os.environ.get("MICROGRAD_PLUS_NO_TORCH") else "test,torch"
    session.install("-e", f".[{extras}]")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit, property and PyTorch-comparison tests, doctests, and every book chapter."""
    _install_test_deps(session)
    # Two pytest workers on two cores: a BLAS pool per worker would only fight over them.
    single_thread = {
        name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    }
    session.run("pytest", "-n", "2", "--durations=15", *session.posargs, env=single_thread)


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """The property-based tests with many more examples (HYPOTHESIS_PROFILE=long)."""
    _install_test_deps(session)
    session.run(
        "pytest",
        "-m",
        "not book",
        "-k",
        "property or fuzz",
        *session.posargs,
        env={"HYPOTHESIS_PROFILE": "long"},
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks vs PyTorch and a NumPy floor: nox -s bench [-- --quick | --threads 1 ...]

    Writes benchmarks/results/<date>-<machine>.json, .md (the table) and .png (the chart).
    """
    session.install("-e", ".[test,torch,bench]")
    session.run("python", "-m", "benchmarks.run", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff==0.17.6")  # pinned: new releases change formatting
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


# ----------------------------------------------------------------------------- the book
BOOK_HTML = Path("docs/_build/html")
SCREENSHOTS = Path("docs/_build/screenshots")
MATHJAX = "mathjax@3.2.2"  # also in .readthedocs.yaml


def _install_mathjax(session: nox.Session) -> None:
    """MathJax from the npm registry into docs/_mathjax, so the built book renders math offline."""
    if shutil.which("npm") is None:
        session.error("npm is needed to install MathJax for offline math (apt install npm)")
    session.run(
        *("npm", "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error"),
        *("--prefix", "docs/_mathjax", MATHJAX),
        external=True,
    )
    if not Path("docs/_mathjax/node_modules/mathjax/es5/tex-mml-chtml.js").is_file():
        session.error("MathJax was not installed into docs/_mathjax")


def _build_book(session: nox.Session, *extra: str) -> None:
    # torch: chapter 7's and 8's comparisons run live in the book (conf.py insists).
    session.install("-e", ".[docs,torch]")
    _install_mathjax(session)
    start = time.perf_counter()
    # -E: read (so execute) every chapter again, even if its text did not change.
    session.run(
        *("sphinx-build", "-W", "--keep-going", "-T", "-E", "-b", "html"),
        *("docs", str(BOOK_HTML), *extra),
    )
    session.log(f"Book built in {time.perf_counter() - start:.0f} s.")


@nox.session(python=PYTHON)
def book(session: nox.Session) -> None:
    """Build the book, executing every chapter; any warning or failing cell fails it."""
    _build_book(session, *session.posargs)
    session.log(f"Open the book: file://{(BOOK_HTML / 'index.html').resolve()}")


@nox.session(python=PYTHON)
def browser(session: nox.Session) -> None:
    """Open every page of the built book in headless Chromium and check what a reader sees."""
    if not (BOOK_HTML / "index.html").is_file():
        _build_book(session)
    session.install("playwright==1.65.*")  # the Python package only: it drives Debian's chromium
    session.run(
        *("python", "tests/browser/check_book.py", str(BOOK_HTML)),
        *("--screenshots", str(SCREENSHOTS), *session.posargs),
    )


@nox.session(python=PYTHON)
def chapter(session: nox.Session) -> None:
    """Execute chapters from the command line: nox -s chapter -- docs/chapters/03_losses.md"""
    if not session.posargs:
        session.error("name the chapter(s): nox -s chapter -- docs/chapters/03_losses.md")
    session.install("-e", ".[docs]", "nbclient>=0.10")
    session.run("python", "docs/run_chapter.py", *session.posargs)


@nox.session(python=PYTHON)
def mutants(session: nox.Session) -> None:
    """How much of losses/ and optim/ the book pins: nox -s mutants [-- --sample 50 --seed 0]

    Mutates a temporary copy of the package one change at a time and executes
    chapters 3-5 against each mutant; reports the kill rate and the survivors.
    A development tool, not part of the default sessions (one mutant takes
    about 20-100 s; a full run of all mutants takes hours).
    """
    session.install("-e", ".[docs]", "nbclient>=0.10")
    args = session.posargs or ["--sample", "50", "--seed", "0"]
    session.run("python", "tools/mutants.py", *args)
