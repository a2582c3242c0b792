"""What :func:`~micrograd_plus.book.exercises.check` returns: a verdict that reads well
in Jupyter."""

from __future__ import annotations

import html
from dataclasses import dataclass


class Fail(Exception):
    """Raised inside a checker: what failed, on which input, and a hint if one fits."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class CheckResult:
    """The verdict on one answer.

    Attributes
    ----------
    exercise_id : str
        Which exercise was checked.
    passed : bool
        Whether every test input gave the expected result.
    message : str
        A short pass line, or what failed on which input (and a hint, if the
        mistake is a recognisable one).
    hint : str or None
        The likely mistake, when the checker recognised one.

    Examples
    --------
    >>> r = CheckResult("demo", False, "value differs on shape (3,)", hint="sign error?")
    >>> bool(r), r.hint
    (False, 'sign error?')
    >>> print(r)
    ✗ demo: value differs on shape (3,)
      hint: sign error?
    """

    exercise_id: str
    passed: bool
    message: str
    hint: str | None = None

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = "✓" if self.passed else "✗"
        text = f"{mark} {self.exercise_id}: {self.message}"
        return text + (f"\n  hint: {self.hint}" if self.hint else "")

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b42318"
        mark = "✓ passed" if self.passed else "✗ not yet"
        body = html.escape(self.message)
        hint = f"<br><b>hint:</b> {html.escape(self.hint)}" if self.hint else ""
        return (
            f'<div class="mp-check" style="border-left:4px solid {colour};padding:4px 8px">'
            f'<b style="color:{colour}">{mark}</b> <code>{html.escape(self.exercise_id)}</code>'
            f": {body}{hint}</div>"
        )
