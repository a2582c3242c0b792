"""Citations a reader can read in JupyterLab as well as in the built book.

jupyterlab-myst (2.7.0) resolves no citation: it loads no bibliography, and it
marks every ``{cite}`` role "Citation Not Found", showing the raw key. So the
chapters may write a citation as a Markdown link whose text is the citation
itself and whose target names the keys in ``references.bib``::

    [Kingma and Ba (2015)](../references.bib#kingma2015)            -> {cite:t}
    [(Goyal et al., 2017; Smith et al., 2018)](../references.bib#goyal2017,smith2018)  -> {cite:p}

JupyterLab shows the text (a link that opens the bibliography file); Sphinx reads
the link back as the role (``docs/conf.py`` calls :func:`to_roles` on every
source it reads), so the book's citations and bibliography are as before.
``python docs/citations.py CHAPTER.md ...`` rewrites a chapter's roles as such
links, with the text made from ``references.bib``; ``tests/test_citations.py``
checks that every link's text is still the one its keys give.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

BIB = Path(__file__).resolve().parent / "references.bib"
ROLE = re.compile(r"\{cite:([tp])\}`([^`]+)`")
LINK = re.compile(r"\[([^\]\n]+)\]\(\.\./references\.bib#([\w.:-]+(?:,[\w.:-]+)*)\)")


def to_roles(text: str) -> str:
    """Turn every citation link back into the ``{cite:t}``/``{cite:p}`` role Sphinx reads.

    Examples
    --------
    >>> to_roles("see [Huber (1964)](../references.bib#huber1964).")
    'see {cite:t}`huber1964`.'
    """
    return LINK.sub(lambda m: f"{{cite:{'p' if m[1].startswith('(') else 't'}}}`{m[2]}`", text)


def authors_year(keys: list[str], bib: Path = BIB) -> list[tuple[str, str]]:
    """``(authors, year)`` as a reader writes them, for each key of ``bib``."""
    from pybtex.database import parse_file
    from pybtex.richtext import Text

    entries = parse_file(str(bib)).entries
    found = []
    for key in keys:
        entry = entries[key]  # a KeyError names a key the bibliography lacks
        people = entry.persons.get("author") or entry.persons.get("editor")
        last = [Text.from_latex(" ".join(p.last_names)).render_as("text") for p in people]
        names = last[0] if len(last) == 1 else " and ".join(last) if len(last) == 2 else ""
        found.append((names or f"{last[0]} et al.", entry.fields["year"]))
    return found


def citation_text(role: str, keys: list[str], bib: Path = BIB) -> str:
    """The text of one citation: ``Kingma and Ba (2015)`` (t) or ``(Kingma and Ba, 2015)`` (p)."""
    cited = authors_year(keys, bib)
    if role == "t":
        return "; ".join(f"{names} ({year})" for names, year in cited)
    return "(" + "; ".join(f"{names}, {year}" for names, year in cited) + ")"


def to_links(text: str, bib: Path = BIB) -> str:
    """Rewrite every ``{cite:t}``/``{cite:p}`` role of ``text`` as a citation link."""

    def link(m: re.Match) -> str:
        keys = [k.strip() for k in m[2].split(",")]
        return f"[{citation_text(m[1], keys, bib)}](../references.bib#{','.join(keys)})"

    return ROLE.sub(link, text)


def main(paths: list[str]) -> int:
    for path in map(Path, paths):
        text = path.read_text(encoding="utf-8")
        linked = to_links(text)
        if linked != text:
            path.write_text(linked, encoding="utf-8")
            print(f"{path}: {len(ROLE.findall(text))} citations written as links")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
