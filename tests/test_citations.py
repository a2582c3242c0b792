"""Citations written as links JupyterLab can show (docs/citations.py) read as roles in Sphinx,
and their text is the one their keys in docs/references.bib give."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("pybtex")

DOCS = Path(__file__).resolve().parents[1] / "docs"
CHAPTERS = sorted((DOCS / "chapters").glob("*.md"))
_spec = importlib.util.spec_from_file_location("book_citations", DOCS / "citations.py")
citations = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(citations)


def test_a_narrative_and_a_parenthetical_citation_make_their_text_and_read_back():
    text = "{cite:t}`kingma2015` and {cite:p}`goyal2017,smith2018`."
    linked = citations.to_links(text)
    assert linked == (
        "[Kingma and Ba (2015)](../references.bib#kingma2015) and "
        "[(Goyal et al., 2017; Smith and Le, 2018)](../references.bib#goyal2017,smith2018)."
    )
    assert citations.to_roles(linked) == text


def test_an_unknown_key_is_an_error():
    with pytest.raises(KeyError, match="nosuchkey"):
        citations.to_links("{cite:t}`nosuchkey`")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_every_citation_link_has_the_text_of_its_keys(path):
    text = path.read_text(encoding="utf-8")
    for written, keys in citations.LINK.findall(text):
        role = "p" if written.startswith("(") else "t"
        assert written == citations.citation_text(role, keys.split(",")), (path.name, keys)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_writing_the_roles_as_links_and_back_changes_nothing(path):
    roles = citations.to_roles(path.read_text(encoding="utf-8"))
    assert citations.to_roles(citations.to_links(roles)) == roles
