"""Tasks: ``nox -s tests``, ``nox -s book``, ``nox -s lint``, ``nox -s browser``,
``nox -s bench``, ``nox -s fuzz``, ``nox -s wheel``, ``nox -s tests_oldest tests_newest``,
``nox -s exercise_mutants``.
Each session installs what it needs itself.

Every session runs on the Python that runs nox, if it is a supported one
(3.11 to 3.13); the version-matrix sessions name theirs, and a missing one is an
error, never a skip.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
# uv creates environments and installs several times faster than venv + pip where it
# is installed (`pip install nox uv`); without it, nox falls back to venv + pip.
nox.options.default_venv_backend = "uv|venv"
# A session whose interpreter is missing fails instead of being skipped with exit 0.
nox.options.error_on_missing_interpreters = True
# Nor may uv fetch an interpreter of its own when the one asked for is not installed.
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")

# Also requires-python and the README. Not 3.10: it reached its end of life in October 2026,
# and the pinned Sphinx 9 and ipykernel 7.4 need 3.11.
SUPPORTED = ("3.11", "3.12", "3.13")
OLDEST, NEWEST = SUPPORTED[0], SUPPORTED[-1]
RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
SINGLE_THREAD = {
    name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
}


def _require_supported_python(session: nox.Session) -> None:
    if RUNNING not in SUPPORTED:
        session.error(
            f"micrograd_plus supports Python {OLDEST} to {NEWEST}; nox runs on {RUNNING}. "
            f"Run it with a supported one, e.g. `python{NEWEST} -m pip install nox && "
            f"python{NEWEST} -m nox -s {session.name}`."
        )


def session(*args, **kwargs):
    """``nox.session`` on the running interpreter (checked to be a supported one)."""

    def decorate(func):
        @functools.wraps(func)
        def run(session: nox.Session, *a, **kw):
            _require_supported_python(session)
            return func(session, *a, **kw)

        return nox.session(*args, python=None, **kwargs)(run)

    return decorate


def _install_with_torch(session: nox.Session, target: str, *extra: str, torch=True) -> bool:
    """Install ``-e target`` and, unless MICROGRAD_PLUS_NO_TORCH is set, the torch extra."""
    if torch and os.environ.get("MICROGRAD_PLUS_NO_TORCH"):
        session.warn("MICROGRAD_PLUS_NO_TORCH is set: the PyTorch comparisons will skip.")
        torch = False
    if session.venv_backend == "uv":
        # uv's environments have no pip; the run-anywhere test builds its wheel with it.
        extra = ("pip", *extra)
    session.install("-e", target, *extra)
    if torch:
        _install_torch_cpu(session)
    return torch


# PyPI's torch for Linux is the CUDA build (several GB); PyTorch's own index has the CPU build
# for every platform, and .readthedocs.yaml installs it from there too.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _install_torch_cpu(session: nox.Session) -> None:
    # pip, not uv: uv does not look where pip is configured to find a local CPU wheel. An extra
    # index, not the only one: its `2.13.0+cpu` sorts above PyPI's CUDA `2.13.0`, and a local
    # wheel that pip is configured to find still counts.
    session.run_install(
        *("python", "-m", "pip", "install", "-q", "--extra-index-url", TORCH_CPU_INDEX),
        *_extra_requirements("torch"),
    )


def _install_test_deps(session: nox.Session, *extra: str, torch: bool = True) -> None:
    # torch is the independent oracle; its tests skip if it is absent.
    _install_with_torch(session, ".[test]", *extra, torch=torch)


def _project() -> dict:
    import tomllib  # 3.11+: imported here so that 3.10 gets the clear error above

    with open("pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]


def _extra_requirements(extra: str) -> list[str]:
    return _project()["optional-dependencies"][extra]


def _oldest_numpy() -> str:
    """The NumPy release that ``dependencies`` declares as the oldest (``numpy>=X``)."""
    from packaging.requirements import Requirement  # nox depends on packaging

    (numpy,) = [r for r in map(Requirement, _project()["dependencies"]) if r.name == "numpy"]
    (oldest,) = [s.version for s in numpy.specifier if s.operator == ">="]
    return oldest


def _pytest(session: nox.Session, *args: str) -> None:
    # Two pytest workers on two cores: a BLAS pool per worker would only fight over them.
    session.run("pytest", "-n", "2", "--durations=15", *args, env=SINGLE_THREAD)


@session()
def tests(session: nox.Session) -> None:
    """Unit, property and PyTorch-comparison tests, doctests, and every book chapter."""
    _install_test_deps(session)
    _pytest(session, *session.posargs)


# --------------------------------------------------------------- the version matrix
# The unit tests (not the book) on the oldest Python with the oldest NumPy declared, and
# on the newest Python with the newest NumPy. PyPI's torch for Linux is a CUDA build of
# several GB; the CI machine has a CPU wheel of torch 2.13.0 for 3.11 only, so the oldest
# run has the PyTorch oracle and the newest one runs without it (those tests skip there).


def _matrix(session: nox.Session, *extra: str, torch: bool) -> None:
    _install_test_deps(session, *extra, torch=torch)
    session.run(
        "python",
        "-c",
        "import sys, numpy; print('Python', sys.version.split()[0], '| NumPy', numpy.__version__)",
    )
    _pytest(session, "-m", "not book", *session.posargs)


@nox.session(python=OLDEST)
def tests_oldest(session: nox.Session) -> None:
    """Unit tests on the oldest supported Python, the oldest NumPy declared, and torch."""
    _matrix(session, f"numpy=={_oldest_numpy()}.*", torch=True)


@nox.session(python=NEWEST)
def tests_newest(session: nox.Session) -> None:
    """Unit tests on the newest supported Python with the newest NumPy, without torch."""
    _matrix(session, "--upgrade", "numpy", torch=False)


@session()
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


@session(venv_backend="venv")  # pip: it finds a local CPU wheel of torch, uv does not
def bench(session: nox.Session) -> None:
    """Benchmarks vs PyTorch and a NumPy floor: nox -s bench [-- --quick | --threads 1 ...]

    Writes benchmarks/results/<date>-<machine>.json, .md (the table) and .png (the chart).
    """
    session.install("-e", ".[test,torch,bench]")
    session.run("python", "-m", "benchmarks.run", *session.posargs)


@session()
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff==0.17.6")  # pinned: new releases change formatting
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


# ----------------------------------------------------------------------------- the book
BOOK_HTML = Path("docs/_build/html")
SCREENSHOTS = Path("docs/_build/screenshots")


def _build_book(session: nox.Session, *extra: str) -> None:
    # MathJax comes with the docs extra (sphinx-mathjax-offline), so math renders offline;
    # torch (its CPU build) lets chapters 8-10 compare with it live (conf.py insists on it).
    with_torch = _install_with_torch(session, ".[docs]")
    env = {} if with_torch else {"MICROGRAD_PLUS_BOOK_NO_TORCH": "1"}
    start = time.perf_counter()
    # -E: read (so execute) every chapter again, even if its text did not change.
    session.run(
        *("sphinx-build", "-W", "--keep-going", "-T", "-E", "-b", "html"),
        *("docs", str(BOOK_HTML), *extra),
        env=env,
    )
    session.log(f"Book built in {time.perf_counter() - start:.0f} s.")


@session()
def book(session: nox.Session) -> None:
    """Build the book, executing every chapter; any warning or failing cell fails it."""
    _build_book(session, *session.posargs)
    session.log(f"Open the book: file://{(BOOK_HTML / 'index.html').resolve()}")


@session()
def browser(session: nox.Session) -> None:
    """Open every page of the built book in headless Chromium and check what a reader sees."""
    if not (BOOK_HTML / "index.html").is_file():
        _build_book(session)
    session.install("playwright==1.65.*")  # the Python package only: it drives Debian's chromium
    session.run(
        *("python", "tests/browser/check_book.py", str(BOOK_HTML)),
        *("--screenshots", str(SCREENSHOTS), *session.posargs),
    )


@session()
def chapter(session: nox.Session) -> None:
    """Execute chapters from the command line: nox -s chapter -- docs/chapters/03_losses.md"""
    if not session.posargs:
        session.error("name the chapter(s): nox -s chapter -- docs/chapters/03_losses.md")
    session.install("-e", ".[docs]", "nbclient>=0.10")
    session.run("python", "docs/run_chapter.py", *session.posargs)


# ----------------------------------------------------------------------------- the wheel
PACKAGE = "micrograd_plus"
SMOKE_TEST = """
import importlib.metadata, pathlib, sys
import micrograd_plus as mp
from micrograd_plus import SGD, Linear, MSELoss, Tensor

where = pathlib.Path(mp.__file__).resolve()
assert where.is_relative_to(pathlib.Path(sys.prefix).resolve()), f"imported from {where}"
assert mp.__version__ == importlib.metadata.version("micrograd-plus"), mp.__version__
assert (where.parent / "py.typed").is_file()
layer = Linear(3, 1)
optimizer = SGD(layer.parameters(), lr=0.1)
loss = MSELoss()(layer(Tensor([[1.0, 2.0, 3.0]])), Tensor([[0.5]]))
loss.backward()
optimizer.step()
assert layer.weight.grad.shape == (1, 3) and layer.weight.dtype == "float32"
print("import smoke test passed:", mp.__version__, "from", where.parent)
"""


def _check_wheel_contents(session: nox.Session, wheel: Path) -> None:
    """The wheel holds exactly the package's files (code, py.typed, data) and its metadata."""
    names = set(zipfile.ZipFile(wheel).namelist())
    packaged = {n for n in names if not n.split("/")[0].endswith(".dist-info")}
    expected = {
        path.as_posix()
        for path in Path(PACKAGE).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    problems = [f"missing from the wheel: {n}" for n in sorted(expected - packaged)]
    problems += [f"not part of the package: {n}" for n in sorted(packaged - expected)]
    for top in ("tests/", "docs/", "benchmarks/"):
        problems += [f"does not belong in the wheel: {n}" for n in sorted(names) if top in n]
    if f"{PACKAGE}/py.typed" not in names:
        problems.append("py.typed is missing: type checkers would ignore the annotations")
    if problems:
        session.error("\n".join([f"{wheel.name}:", *problems]))
    session.log(f"{wheel.name}: {len(packaged)} package files, py.typed, no tests/docs/benchmarks")


@session()
def wheel(session: nox.Session) -> None:
    """Build the sdist and wheel; test the wheel installed in a clean venv outside the repo.

    Checks that the wheel holds the package's code, py.typed and data files and no tests,
    docs or benchmarks; then, from a folder outside the repository (so that only the
    installed copy can be imported), runs an import smoke test and the doctests. The
    tested sdist and wheel are copied to ``dist/``.
    """
    # uv makes build's isolated environments and the clean venv in seconds, not minutes.
    session.install("build[uv]>=1")
    outside = Path(tempfile.mkdtemp(prefix="micrograd_plus-wheel-"))
    dist = outside / "dist"
    # python -m build makes the sdist, then the wheel from the sdist: both are checked.
    session.run("python", "-m", "build", "--installer", "uv", "--outdir", str(dist), ".")
    (built,) = dist.glob("*.whl")
    _check_wheel_contents(session, built)
    venv = outside / "venv"
    python = str(venv / "bin" / "python")
    session.run("uv", "venv", "-q", "--python", sys.executable, str(venv))
    session.run(
        *("uv", "pip", "install", "-q", "--python", python),
        # hypothesis: the fuzzer's program generator (book.fuzz_programs) is built on it.
        *(f"{built}[train,plot]", "pytest>=8", "hypothesis>=6.100"),
    )
    session.chdir(outside)
    session.run(python, "-c", SMOKE_TEST, external=True)
    session.run(
        *(python, "-m", "pytest", "-p", "no:cacheprovider", "-q"),
        *("--doctest-modules", "--pyargs", PACKAGE, *session.posargs),
        external=True,
        env=SINGLE_THREAD,
    )
    # Kept for a reader who installs it elsewhere (README: a downloaded notebook).
    session.chdir(Path(__file__).parent)
    Path("dist").mkdir(exist_ok=True)
    for built_file in dist.iterdir():
        shutil.copy2(built_file, Path("dist") / built_file.name)
    session.log(f"The sdist and wheel are in {Path('dist').resolve()}")
    shutil.rmtree(outside)


@session()
def mutants(session: nox.Session) -> None:
    """How much of what it teaches the book pins: nox -s mutants [-- --sample 50 --seed 0]

    Mutates a temporary copy of the package one change at a time and executes
    the chapter(s) that teach the mutated file (``--scope library``: its unit
    tests and the double-backward tests first); reports the kill rate and the
    survivors. A development tool, not part of the default sessions (one mutant
    takes about 5-100 s; ``--scope library --fast --tests-only`` runs all of the
    library's in about an hour). tools/MUTANTS.md has the measured samples.
    """
    session.install("-e", ".[docs,test,torch]", "nbclient>=0.10", "pytest-cov>=5")
    args = session.posargs or ["--sample", "50", "--seed", "0"]
    session.run("python", "tools/mutants.py", *args)


@session()
def exercise_mutants(session: nox.Session) -> None:
    """The exercise checkers tested by mutation: nox -s exercise_mutants [-- --only optim.sgd]

    Mutates each reference solution in tests/exercise_solutions.py one change at a
    time and runs its checker; fails unless at least 97 % of the mutants not listed
    as equivalent (tests/exercise_mutants_equivalent.txt, with the reason) are
    rejected. Prints the rate and every survivor. About 10 s.
    """
    session.install("-e", ".")
    session.run("python", "tests/exercise_mutants.py", *session.posargs, env=SINGLE_THREAD)
