"""The README, the book's introduction and the build files tell the same story.

Chapters get renumbered and tools replaced; a sentence elsewhere that still names the
old chapter or tool misleads a newcomer. Each claim below is read from every file that
makes it and checked against the chapters themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "docs" / "chapters"
# Where the story is told: what a newcomer reads first, and the build files' comments.
FILES = [
    "README.md",
    "docs/index.md",
    "docs/conf.py",
    "pyproject.toml",
    "noxfile.py",
    ".readthedocs.yaml",
    ".ci/run",
]
CHAPTER_NUMBERS = re.compile(r"[Cc]hapters? (\d+(?:(?:, | and |-|–| to )\d+)*)")


def _sentences(path: str) -> list[str]:
    """The file's text as sentences, comment markers removed and lines joined."""
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    text = " ".join(re.sub(r"^\s*#\s?", "", line) for line in lines)
    return re.split(r"(?<=[.!?])\s+|;\s", text)


def _numbers(phrase: str) -> set[int]:
    """{8, 9, 10} from "8, 9 and 10" or "8-10"."""
    numbers: set[int] = set()
    for part in re.split(r", | and ", phrase):
        bounds = [int(n) for n in re.split(r"-|–| to ", part)]
        numbers.update(range(bounds[0], bounds[-1] + 1))
    return numbers


def _chapters_with(code: str, shown_only: bool = False) -> set[int]:
    """The chapters whose code cells hold ``code`` (with ``shown_only``, in cells the
    page shows: a hidden check that also compares with torch when it is there is not
    what a reader is told about)."""
    cell = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", flags=re.S)
    return {
        int(path.name[:2])
        for path in CHAPTERS.glob("[0-9][0-9]_*.md")
        if any(
            code in body and not (shown_only and "remove-cell" in body.split("---\n")[:2][-1])
            for body in cell.findall(path.read_text(encoding="utf-8"))
        )
    }


# claim: (what a sentence making it says, the chapters that make it true)
CLAIMS = {
    "compare with PyTorch live": (
        lambda s: re.search(r"compar", s) and re.search(r"torch|PyTorch", s),
        lambda: _chapters_with("import torch", shown_only=True),
    ),
    "run a property-based test live": (
        lambda s: "property-based" in s,
        lambda: _chapters_with("from hypothesis"),
    ),
}


def test_numbers_are_read_as_written():
    assert _numbers("8, 9 and 10") == _numbers("8-10") == {8, 9, 10}
    assert _numbers("3 to 5") == {3, 4, 5} and _numbers("7") == {7}


@pytest.mark.parametrize("claim", CLAIMS)
def test_chapter_numbers_match_the_chapters(claim):
    says, truth = CLAIMS[claim]
    expected = truth()
    assert expected, f"no chapter makes the claim {claim!r}: the check would be empty"
    wrong, seen = [], 0
    for path in FILES:
        for sentence in _sentences(path):
            if not says(sentence):
                continue
            for phrase in CHAPTER_NUMBERS.findall(sentence):
                seen += 1
                if _numbers(phrase) != expected:
                    wrong.append(f"{path}: {sentence.strip()[:160]!r}")
    assert seen, f"no file names the chapters that {claim}"
    assert not wrong, f"the chapters that {claim} are {sorted(expected)}, but:\n" + "\n".join(wrong)


# Tool claims that no longer hold, with what holds instead.
STALE = {
    r"npm registry|MathJax from (the )?npm": "MathJax comes from PyPI (sphinx-mathjax-offline)",
    r"license = \{ ?text": "pyproject's license is an SPDX string",
}


@pytest.mark.parametrize("pattern", STALE)
def test_no_stale_tool_claims(pattern):
    found = [
        f"{path}: {sentence.strip()[:160]!r}"
        for path in FILES
        for sentence in _sentences(path)
        if re.search(pattern, sentence)
    ]
    assert not found, f"{STALE[pattern]}; stale:\n" + "\n".join(found)


def test_the_pypi_install_is_offered_only_for_once_it_is_published():
    # micrograd-plus is not on PyPI yet: `pip install "micrograd-plus[book]"` fails today.
    offers = [
        (path, sentence)
        for path in ("README.md", "docs/index.md")
        for sentence in _sentences(path)
        if '"micrograd-plus[' in sentence
    ]
    assert offers, "the README and the introduction say how to install a downloaded notebook"
    for path, sentence in offers:
        assert "published" in sentence, f"{path}: {sentence.strip()[:200]!r}"
