"""The chapters as Jupyter opens them (jupytext's contents manager, as `Open With ->
Jupytext Notebook` does): solutions and checks folded, and saving leaves the file as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

sync = pytest.importorskip("jupytext.sync_contentsmanager")

CHAPTERS = Path(__file__).resolve().parents[1] / "docs" / "chapters"
BOOK = sorted(CHAPTERS.glob("[01][0-9]_*.md"))


@pytest.fixture
def manager(tmp_path):
    shutil.copy(CHAPTERS / "jupytext.toml", tmp_path)
    return sync.TextFileContentsManager(root_dir=str(tmp_path))


@pytest.mark.parametrize("chapter", BOOK, ids=[p.name for p in BOOK])
def test_opening_and_saving_a_chapter_leaves_it_as_committed(chapter, manager, tmp_path):
    shutil.copy(chapter, tmp_path)
    model = manager.get(chapter.name, content=True, type="notebook")
    assert (tmp_path / chapter.name).read_text() == chapter.read_text()  # opening wrote nothing
    manager.save(model, chapter.name)
    assert (tmp_path / chapter.name).read_text() == chapter.read_text()


@pytest.mark.parametrize("chapter", BOOK[:7], ids=[p.name for p in BOOK[:7]])
def test_solutions_and_checks_are_folded_in_jupyter(chapter, manager, tmp_path):
    shutil.copy(chapter, tmp_path)
    cells = manager.get(chapter.name, content=True, type="notebook")["content"].cells
    folded = [c for c in cells if {"hide-input", "remove-cell"} & set(c.metadata.get("tags", []))]
    solutions = [c for c in cells if "hide-input" in c.metadata.get("tags", [])]
    assert solutions and all("check(" in c.source for c in solutions)
    assert all(c.metadata.get("jupyter", {}).get("source_hidden") is True for c in folded)
    stubs = [c for c in cells if "NotImplementedError" in c.source and c.cell_type == "code"]
    assert stubs and not any(c.metadata.get("jupyter") for c in stubs)  # the stubs stay open


def test_the_fold_tool_is_idempotent_and_covers_every_chapter():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "hide_check_cells", CHAPTERS.parents[1] / "tools" / "hide_check_cells.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    for chapter in BOOK:
        text = chapter.read_text()
        assert tool.hide(text) == text, f"run tools/hide_check_cells.py on {chapter.name}"


def test_the_book_extras_jupyterlab_myst_works_with_the_jupyterlab_it_installs():
    """`jupyter labextension list` marks an extension built for other shared packages
    "not compatible with the current JupyterLab"; run where the book extra is installed."""
    import subprocess
    import sys
    import tomllib
    from importlib.metadata import PackageNotFoundError, version

    from packaging.requirements import Requirement

    pyproject = tomllib.loads((CHAPTERS.parents[1] / "pyproject.toml").read_text())
    wanted = {
        r.name: r
        for r in map(Requirement, pyproject["project"]["optional-dependencies"]["book"])
        if r.name in ("jupyterlab", "jupyterlab-myst")
    }
    try:
        installed = {name: version(name) for name in wanted}
    except PackageNotFoundError:
        pytest.skip("JupyterLab and jupyterlab-myst are not installed here")
    outside = [f"{n} {v}" for n, v in installed.items() if v not in wanted[n].specifier]
    if outside:
        pytest.skip(f"{', '.join(outside)} installed here is outside the book extra's range")
    listed = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = listed.stdout + listed.stderr
    assert "jupyterlab-myst" in report and "not compatible" not in report, report


LANGUAGE_INFO = {  # what ipykernel reports, and JupyterLab writes when the kernel starts
    "name": "python",
    "version": "3.11.7",
    "mimetype": "text/x-python",
    "codemirror_mode": {"name": "ipython", "version": 3},
    "pygments_lexer": "ipython3",
    "nbconvert_exporter": "python",
    "file_extension": ".py",
}


def test_saving_after_the_kernel_wrote_its_language_info_leaves_the_file(manager, tmp_path):
    chapter = CHAPTERS / "06_training.md"
    shutil.copy(chapter, tmp_path)
    model = manager.get(chapter.name, content=True, type="notebook")
    assert "language_info" not in model["content"]["metadata"]  # hence JupyterLab's change
    model["content"]["metadata"]["language_info"] = LANGUAGE_INFO
    manager.save(model, chapter.name)
    assert (tmp_path / chapter.name).read_text() == chapter.read_text()


def _jupyterlab_check():
    import importlib.util

    path = CHAPTERS.parents[1] / "tools" / "jupyterlab_check.py"
    spec = importlib.util.spec_from_file_location("jupyterlab_check", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_jupyterlab_check_names_what_is_wrong():
    tool = _jupyterlab_check()
    seen = dict(folded=3, should_fold=3, unresolved_citations=0, dirty=["a.md"])
    assert tool._verdict({**seen, "metadata_changed": ["language_info"]}) == []
    assert tool._verdict({**seen, "metadata_changed": ["kernelspec", "language_info"]}) == [
        "the tab is modified by more than the kernel's language_info"
    ]
    assert tool._verdict({**seen, "folded": 2, "unresolved_citations": 1, "dirty": []}) == [
        "cells that should be folded are not",
        "citations shown as 'Citation Not Found'",
    ]


def test_the_jupyterlab_check_compares_the_metadata_with_jupytexts_reading():
    tool = _jupyterlab_check()
    chapter = CHAPTERS / "06_training.md"
    jupytext = pytest.importorskip("jupytext")
    shown = dict(jupytext.read(chapter).metadata, language_info=LANGUAGE_INFO)
    assert tool._metadata_changes({"metadata": shown}, chapter) == ["language_info"]
