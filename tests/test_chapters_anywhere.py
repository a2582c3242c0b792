"""Every chapter runs anywhere: as a learner's ``.ipynb``, in an empty folder, against
micrograd_plus installed from a wheel.

The test builds a wheel of this checkout, installs it into a fresh virtual
environment (whose other packages come from the running one, so nothing is
downloaded), converts each chapter to ``.ipynb`` and executes it in that
environment's kernel, from an empty temporary folder outside the repository,
with ``PYTHONPATH`` cleared. The chapter must not need ``tests/`` or
``benchmarks/``, must import micrograd_plus from the wheel, and must leave its
folder and its temporary directory as empty as it found them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import venv
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "docs" / "chapters").glob("*.md"))
CELL_TIMEOUT = 300

# Runs in the wheel's environment: executes one notebook in a kernel of that environment.
DRIVER = """
import sys, nbformat
from nbclient import NotebookClient
notebook, folder = sys.argv[1], sys.argv[2]
nb = nbformat.read(notebook, as_version=4)
check = nbformat.v4.new_code_cell(
    "import sys, micrograd_plus\\n"
    "assert micrograd_plus.__file__.startswith(sys.prefix), micrograd_plus.__file__"
)
nb.cells.insert(0, check)
client = NotebookClient(nb, timeout=int(sys.argv[3]), kernel_name="wheel",
                        resources={"metadata": {"path": folder}})
client.execute()
"""


def _run(*cmd, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", _clean_env())
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))}\n{result.stdout}\n{result.stderr}"
    return result


def _clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def wheel_python(tmp_path_factory) -> Path:
    """The python of a fresh environment holding micrograd_plus from a built wheel."""
    base = tmp_path_factory.mktemp("anywhere")
    wheels = base / "wheels"
    # The running environment's setuptools builds it when it is recent enough (offline, fast).
    setuptools = metadata.version("setuptools") if _has("setuptools") else "0"
    isolation = [] if int(setuptools.split(".")[0]) < 68 else ["--no-build-isolation"]
    _run(
        *(sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q"),
        *("-w", str(wheels), str(ROOT)),
    )
    (wheel,) = wheels.glob("micrograd_plus-*.whl")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    own = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout)
    own = Path(str(own).strip())
    _run(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(own), wheel)
    # The book's other dependencies come from this environment, after the venv's own
    # packages: plain path lines, so no .pth of an editable install here is processed.
    shared = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (own / "zz_test_environment.pth").write_text("\n".join(sorted(shared)) + "\n")
    kernel = env_dir / "share" / "jupyter" / "kernels" / "wheel"
    kernel.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "wheel", "language": "python"}
    (kernel / "kernel.json").write_text(json.dumps(spec))
    where = _run(python, "-c", "import micrograd_plus; print(micrograd_plus.__file__)", cwd=base)
    assert where.stdout.strip().startswith(str(env_dir)), where.stdout
    return python


def _has(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.book
@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_runs_from_an_empty_folder_against_the_wheel(chapter, wheel_python, tmp_path):
    jupytext = pytest.importorskip("jupytext")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = tmp_path / f"{chapter.stem}.ipynb"
    jupytext.write(jupytext.read(chapter), notebook)
    folder, scratch = tmp_path / "folder", tmp_path / "tmp"
    folder.mkdir()
    scratch.mkdir()
    env = _clean_env(
        JUPYTER_PATH=str(wheel_python.parents[1] / "share" / "jupyter"),
        TMPDIR=str(scratch),
        MPLBACKEND="Agg",
    )
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    result = subprocess.run(
        [wheel_python, driver, notebook, folder, str(CELL_TIMEOUT)],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
    )
    assert result.returncode == 0, f"{chapter.name} failed outside the repository:\n{result.stderr}"
    assert not list(folder.iterdir()), f"{chapter.name} left files in its folder"
    # PyTorch's optimizers create their compiler cache there on import: not the chapter's.
    left = [str(p.relative_to(scratch)) for p in scratch.rglob("*") if not _cache(p, scratch)]
    assert not left, f"{chapter.name} left temporary files: {left}"


def _cache(path: Path, scratch: Path) -> bool:
    return path.relative_to(scratch).parts[0].startswith("torchinductor_")


def test_the_book_extra_installs_what_the_chapters_import():
    """Every top-level module a chapter imports is NumPy, ours, or in the ``book`` extra."""
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    book = {re.split(r"[<>=\[ ;]", req)[0].lower().replace("-", "_") for req in extras["book"]}
    provided = {"numpy", "micrograd_plus", "ipython", "torch"} | book
    stdlib = set(sys.stdlib_module_names)
    imported = set()
    for chapter in CHAPTERS:
        text = chapter.read_text(encoding="utf-8")
        for cell in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.S):
            imported |= set(re.findall(r"^\s*(?:from|import) (\w+)", cell, flags=re.M))
    missing = sorted(m for m in imported - stdlib if m.lower() not in provided)
    assert not missing, f"chapters import {missing}; add them to the book extra"
    assert "ipykernel" in book and "jupyterlab_myst" in book  # runs, and renders MyST


def test_the_recorded_benchmarks_are_the_newest_committed_results():
    from micrograd_plus.book import recorded_benchmarks as benchmark

    newest = benchmark.latest(ROOT / "benchmarks" / "results")
    assert benchmark.recorded() == json.loads(newest.read_text()), (
        f"micrograd_plus/book/{benchmark.RECORDED} is not {newest.name}: "
        "run python -m benchmarks.report to copy the newest results into the package"
    )


# What a reader sees in Jupyter and on the page. A new chapter: run
# tools/hide_check_cells.py on it, then add it here.
READER_READY = [
    "01_tensors",
    "02_layers",
    "03_losses",
    "04_optimizers",
    "05_curvature",
    "06_training",
    "07_fashion_mnist",
    "08_testing",
    "09_benchmarks",
    "10_from_pytorch",
]
# Characters per line that the book's theme shows without scrolling sideways, measured in
# Chromium at its default width (tests/browser/check_book.py, 1280 px: a cell's box holds
# 77.4 characters of its 14 px monospace, a folded solution's 75.2). A cell whose source is
# removed is not on the page; Jupyter shows it at 80.
CODE_WIDTH = 77
SOLUTION_WIDTH = 75
REMOVED_WIDTH = 80


def _width(options: str) -> int:
    if "remove-cell" in options or "remove-input" in options:
        return REMOVED_WIDTH
    return SOLUTION_WIDTH if "hide-input" in options else CODE_WIDTH


def _cells(stem: str) -> list[tuple[str, str]]:
    """(options, source) of each code cell of a chapter."""
    text = (ROOT / "docs" / "chapters" / f"{stem}.md").read_text(encoding="utf-8")
    cells = []
    for body in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.S):
        options = re.match(r"(---\n.*?\n---\n|(?::\w+:[^\n]*\n)+)?", body, flags=re.S).group(0)
        cells.append((options, body[len(options) :]))
    return cells


@pytest.mark.parametrize("stem", READER_READY)
def test_check_cells_are_collapsed_in_jupyter_too(stem):
    for options, source in _cells(stem):
        if "remove-cell" in options:
            assert "source_hidden: true" in options, f"{stem}: not collapsed:\n{source}"


@pytest.mark.parametrize("stem", READER_READY)
def test_intended_errors_show_short_tracebacks(stem):
    cells = _cells(stem)
    if any("raises-exception" in options for options, _ in cells):
        first = next(source for _, source in cells)
        assert "%xmode Minimal" in first, f"{stem}: start with a cell running %xmode Minimal"


@pytest.mark.parametrize("stem", READER_READY)
def test_code_fits_the_page(stem):
    wide = [
        f"{len(line)} > {_width(options)}: {line}"
        for options, source in _cells(stem)
        for line in source.splitlines()
        if len(line) > _width(options)
    ]
    assert not wide, f"{stem}: code lines wider than the page shows:\n" + "\n".join(wide)


def test_cells_are_found_with_their_options():
    # `:tags:` options end at their line: the cell's source must not be taken for options.
    (options, source) = next(c for c in _cells("04_optimizers") if "hide-input" in c[0])
    assert "class" in source and "class" not in options, options
