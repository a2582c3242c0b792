"""Make a chapter read well in Jupyter too: collapsed checks and solutions, short errors.

Sphinx drops cells tagged ``remove-cell`` from the built page and folds the code
of cells tagged ``hide-input`` (the exercises' solutions) behind a toggle; Jupyter
shows both as ordinary code cells. This gives every such cell the metadata
``jupyter: {source_hidden: true}`` beside its tag, so Jupyter collapses it too
(a click on the bar beside it opens it).
A chapter with cells tagged ``raises-exception`` also gets a first, hidden
cell running ``%xmode Minimal``, so an intended error shows its message only.

Usage: ``python tools/hide_check_cells.py docs/chapters/*.md`` (idempotent).
"""

from __future__ import annotations

import sys
from pathlib import Path

SHORT = "```{code-cell} ipython3\n:tags: [remove-cell]\n"
HIDDEN = "```{code-cell} ipython3\n---\ntags: [remove-cell]\njupyter:\n  source_hidden: true\n---\n"
FOLDED = {
    tag: (SHORT.replace("remove-cell", tag), HIDDEN.replace("remove-cell", tag))
    for tag in ("remove-cell", "hide-input")
}


XMODE = (
    HIDDEN + "# Intended errors below show only their message, not the library's internals.\n"
    "%xmode Minimal\n```\n\n"
)


def hide(text: str) -> str:
    """``text`` with every ``remove-cell``/``hide-input`` option block (any form) made hidden."""
    out = text
    for short, hidden in FOLDED.values():
        out = out.replace(short, hidden)
        out = out.replace(hidden.replace("jupyter:\n  source_hidden: true\n", ""), hidden)
        # A blank line separates the short form's options from the code; the YAML form has none.
        out = out.replace(hidden + "\n", hidden)
    if "raises-exception" in out and "%xmode Minimal" not in out:
        first = out.index("```{code-cell}")
        out = out[:first] + XMODE + out[first:]
    return out


def main(paths: list[str]) -> int:
    for path in map(Path, paths):
        text = path.read_text(encoding="utf-8")
        hidden = hide(text)
        if hidden != text:
            path.write_text(hidden, encoding="utf-8")
            counts = ", ".join(f"{text.count(short)} {tag}" for tag, (short, _) in FOLDED.items())
            print(f"{path}: cells hidden in Jupyter: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
