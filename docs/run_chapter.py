"""Execute chapters of the book from the command line, as the book build does.

Usage: ``python docs/run_chapter.py docs/chapters/03_losses.md [...]``
(or ``python -m nox -s chapter -- docs/chapters/03_losses.md``, which installs
what this needs first).

Each chapter is read with jupytext, executed from scratch with nbclient in a
``python3`` kernel of this interpreter, from the chapter's own folder, and
saved with its outputs to ``docs/_build/chapters/<name>.ipynb``. A failing cell
stops the chapter and the exit status is 1; cells tagged ``raises-exception``
may raise.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "_build" / "chapters"


def run(chapter: Path) -> bool:
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = jupytext.read(chapter)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(chapter.parent)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
        ok = True
    except CellExecutionError as err:
        print(f"{chapter.name}: a cell failed\n{err}", file=sys.stderr)
        ok = False
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"{chapter.stem}.ipynb"
    nbformat.write(notebook, out)
    verdict = "executed" if ok else "FAILED"
    print(f"{chapter.name}: {verdict} in {time.perf_counter() - start:.1f} s -> {out}")
    return ok


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    chapters = [Path(a) for a in argv]
    missing = [str(c) for c in chapters if not c.is_file()]
    if missing:
        print(f"no such chapter: {', '.join(missing)} (chapters are in docs/chapters/)")
        return 2
    results = [run(c.resolve()) for c in chapters]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
