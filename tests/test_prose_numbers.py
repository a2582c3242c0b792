"""Every number in a chapter's prose is asserted by that chapter.

The book's promise is that what the text says, a cell checks. This test holds
the text to it: each number in a chapter's prose (outside code cells, inline
code and roles) must appear among the numbers of that chapter's ``assert``
statements, in any of its spellings (``60,000`` is ``60000``, ``81 %`` is
``0.81``, ``$10^{-5}$`` is ``1e-5``), or be listed in :data:`NOT_CLAIMS` with
the reason it is not a claim a cell could check.

To hold another chapter to it, add its file name to :data:`CHAPTERS`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs" / "chapters"
CHAPTERS = [
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

# Numbers that are not claims, wherever they appear.
NOT_CLAIMS_ANYWHERE = {
    # a chapter's own number, or another's, in "chapter 6" / "chapters 3 to 6"
    r"[Cc]hapters? (\d+)(?: (?:and|to) (\d+))?",
    r"[Rr]eferee (\d+)",  # section labels of chapter 8
    r"(\d+)-(?:D|d)\b",  # "1-D", "2-d": dimensionality words
    r"\b(\d)(?: ?× ?(\d))? matri",  # "a 2 × 2 matrix" names a shape in an example
    r"[Ee]xercise (\d+\.\d+)",  # exercise numbers
    r"(\d+(?:\.\d+)?) (?:hours?|minutes)",  # a chapter's estimated time to complete
}

# Per chapter: number -> why it is not a claim that a cell could check.
NOT_CLAIMS: dict[str, dict[str, str]] = {
    "01_tensors": {
        "5": "the darts picture: an illustrative miss of 5 cm",
        "0.3": "the input the plot of finite-difference errors is drawn at",
        "32": "the name of the format: 32-bit floats",
    },
    "02_layers": {},
    "03_losses": {
        "80": "the darts picture: 'you were 80 % sure it would hit'",
        "6": "the logit of the worked example, an input",
        "9": "the example's ratio of negatives to positives (one in ten), an input",
    },
    "07_fashion_mnist": {
        "90": "convolutional networks' accuracy, from the cited benchmark table, not computed here",
    },
    "08_testing": {
        "6": "the Taylor coefficient in the formula for the central difference's error",
        "16": "16 KiB: the memory bound of tests/test_long_runs.py, which a chapter cannot import",
    },
    "09_benchmarks": {
        "25": "the benchmark harness's threshold for a disturbed round, described, not measured",
    },
}

NUMBER = re.compile(r"(?<![\w.\\])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?(?:e-?\d+)?)(?=x\b|(?!\.?\w))")
CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)


def _prose(text: str) -> str:
    text = text.split("---", 2)[2]  # the front matter
    # Exercises state tasks; micrograd_plus.book.exercises.check, run on each solution, checks them.
    text = re.sub(r"^## Exercises\n.*?(?=^## )", "", text, flags=re.S | re.M)
    text = CELL.sub("", text)
    text = re.sub(r"```\{(?:literalinclude|toctree)\}.*?```", "", text, flags=re.S)
    text = re.sub(r"\{[\w:]+\}`[^`]*`", "", text)  # roles: {cite}`x`, {func}`y`
    text = re.sub(r"\[[^\]\n]*\]\(\.\./references\.bib#[^)]*\)", "", text)  # cited (citations.py)
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    text = re.sub(r"^:\w+:.*$", "", text, flags=re.M)  # directive options
    text = re.sub(r"10\^\{?(-?\d+)\}?", r"1e\1", text)  # 10^{-5} -> 1e-5
    text = text.replace("{,}", ",")  # 235{,}146 in math
    return text


def _spellings(number: str) -> set[float]:
    value = float(number.replace(",", ""))
    return {value, value / 100}  # 81 % is 0.81 in code


def _asserted(text: str) -> set[float]:
    values: set[float] = set()
    for cell in CELL.findall(text):
        source = "\n".join(
            line for line in cell.splitlines() if not line.lstrip().startswith(("%", ":", "---"))
        )
        source = re.sub(r"^(tags|jupyter|  source_hidden|mystnb|  \w+):.*$", "", source, flags=re.M)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert):
                values |= _constants(node)
    return values


def _constants(node: ast.AST) -> set[float]:
    """The numbers in an assert: its numeric literals, and numbers in its strings
    (``assert "batch 128" in description`` checks 128)."""
    values = set()
    for const in ast.walk(node):
        if not isinstance(const, ast.Constant) or isinstance(const.value, bool):
            continue
        if isinstance(const.value, int | float):
            values.add(float(const.value))
        elif isinstance(const.value, str):
            values |= {float(n.replace(",", "")) for n in NUMBER.findall(const.value)}
    return values


def _not_claims(prose: str) -> set[str]:
    found = set()
    for pattern in NOT_CLAIMS_ANYWHERE:
        for match in re.finditer(pattern, prose):
            found |= {g for g in match.groups() if g}
    return found


def unasserted(stem: str, folder: Path = DOCS) -> list[str]:
    """The numbers in ``stem``'s prose that no assert of the chapter checks."""
    text = (folder / f"{stem}.md").read_text(encoding="utf-8")
    prose = _prose(text)
    asserted = _asserted(text)
    allowed = _not_claims(prose) | set(NOT_CLAIMS.get(stem, {}))
    missing = []
    for number in dict.fromkeys(NUMBER.findall(prose)):
        if number in allowed:
            continue
        if not any(
            abs(v - a) <= 1e-9 * max(1.0, abs(a)) for v in _spellings(number) for a in asserted
        ):
            missing.append(number)
    return missing


@pytest.mark.parametrize("stem", CHAPTERS)
def test_every_number_in_the_prose_is_asserted(stem):
    missing = unasserted(stem)
    assert not missing, (
        f"{stem}.md states {missing} in its prose, but no assert of the chapter has them: "
        "assert each claim in a cell, or list a number that is not a claim in NOT_CLAIMS"
    )


def test_the_check_finds_an_unasserted_number(tmp_path):
    chapter = tmp_path / "99_demo.md"
    chapter.write_text(
        "---\nkernelspec: {}\n---\n\nChapter 3 showed it: 60,000 images, about 81 % right,"
        " and 42 more.\n\n```{code-cell} ipython3\nassert n == 60_000 and acc > 0.81\n```\n"
    )
    assert unasserted("99_demo", tmp_path) == ["42"]
