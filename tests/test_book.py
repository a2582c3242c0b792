"""Every chapter of the book runs as a test: a claim that stops being true fails here.

Each ``docs/chapters/*.md`` is read with jupytext and executed with nbclient in
a fresh ``python3`` kernel of the running interpreter, from ``docs/chapters``
(as Sphinx runs it). New chapters are picked up by the glob.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
CHAPTERS = sorted((DOCS / "chapters").glob("*.md"))
# A chapter may take up to 60 s on a 2-core machine; leave room for a loaded CI box.
CELL_TIMEOUT = 300


@pytest.mark.book
@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_executes(chapter: Path) -> None:
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")

    notebook = jupytext.read(chapter)
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        # jupyter_client starts the "python3" kernel with sys.executable, so the
        # chapter sees this environment's micrograd_plus. Every test gets its own
        # kernel process and connection file: pytest-xdist workers never share one.
        kernel_name="python3",
        resources={"metadata": {"path": str(chapter.parent)}},
        allow_errors=False,  # cells tagged raises-exception are still allowed to raise
    )
    start = time.perf_counter()
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        pytest.fail(f"{chapter.name}: a cell failed\n{err}", pytrace=False)
    elapsed = time.perf_counter() - start
    print(f"{chapter.name}: executed in {elapsed:.1f} s")


def _toctree_entries(index_text: str) -> set[str]:
    entries = set()
    for block in re.findall(r"```\{toctree\}(.*?)```", index_text, flags=re.S):
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith(":"):
                entries.add(line)
    return entries


def test_index_lists_every_chapter() -> None:
    entries = _toctree_entries((DOCS / "index.md").read_text(encoding="utf-8"))
    missing = [c.name for c in CHAPTERS if f"chapters/{c.stem}" not in entries]
    assert not missing, f"docs/index.md's toctree does not list {missing}; add them"
    assert CHAPTERS, "no chapter found in docs/chapters"


def test_chapters_are_jupytext_notebooks_with_a_python3_kernel() -> None:
    for chapter in CHAPTERS:
        head = chapter.read_text(encoding="utf-8").split("---", 2)[1]
        assert "format_name: myst" in head, f"{chapter.name}: front matter is not jupytext MyST"
        assert "name: python3" in head, f"{chapter.name}: kernelspec is not python3"


def test_api_reference_covers_every_public_module() -> None:
    package = DOCS.parent / "micrograd_plus"
    modules = {"micrograd_plus"}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if path.name == "__init__.py" or any(p.startswith("_") for p in parts[1:-1]):
            continue
        if not parts[-1].startswith("_"):
            modules.add(".".join(parts))
    documented = set(
        re.findall(r"automodule:: (\S+)", (DOCS / "api.md").read_text(encoding="utf-8"))
    )
    # A sub-package documented as a whole (its __all__ re-exports its modules) covers them.
    missing = sorted(
        m
        for m in modules - documented
        if m.rsplit(".", 1)[0] not in documented - {"micrograd_plus"}
    )
    assert not missing, f"docs/api.md has no automodule for {missing}; add a section"
