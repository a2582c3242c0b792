"""Tasks: ``nox -s tests``, ``nox -s book``, ``nox -s lint``, ``nox -s browser``,
``nox -s bench``, ``nox -s fuzz``. Each session installs what it needs itself."""

from __future__ import annotations

import os

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
    session.run("pytest", "-n", "2", "--durations=15", *session.posargs)


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
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
