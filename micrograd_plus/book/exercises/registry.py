"""The list of exercises and :func:`check`, the one function a learner calls."""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .result import CheckResult, Fail


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id, the chapter it belongs to, a one-line statement and its checker."""

    id: str
    chapter: int
    level: str
    statement: str
    checker: Callable


_REGISTRY: dict[str, Exercise] = {}
LEVELS = ("warm-up", "medium", "hard")


def exercise(id: str, chapter: int, level: str, statement: str):
    """Register the decorated function as the checker of exercise ``id``."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")

    def register(checker: Callable) -> Callable:
        if id in _REGISTRY:
            raise ValueError(f"exercise id {id!r} is registered twice")
        _REGISTRY[id] = Exercise(id, chapter, level, statement, checker)
        return checker

    return register


def get(exercise_id: str) -> Exercise:
    """The :class:`Exercise` called ``exercise_id``; a typo gets the closest ids suggested."""
    if exercise_id not in _REGISTRY:
        close = difflib.get_close_matches(str(exercise_id), list(_REGISTRY), n=3)
        also = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"no exercise {exercise_id!r}{also} (exercises() lists them all)")
    return _REGISTRY[exercise_id]


def check(exercise_id: str, answer) -> CheckResult:
    """Test ``answer`` (your function, class or value) for exercise ``exercise_id``.

    The answer is run on seeded random inputs (several shapes, float32 and
    float64) and compared with the library and, for gradients, with float64
    central differences. Nothing the answer raises escapes: a failure is a
    result whose ``message`` says what failed on which input, with a ``hint``
    when the mistake is a recognisable one.

    Examples
    --------
    >>> from micrograd_plus.book.exercises import check
    >>> check("tensors.tanh_grad", lambda x: 1 - np.tanh(x) ** 2)
    ✓ tensors.tanh_grad: matches backward() on 6 inputs (3 shapes, float32 and float64)
    >>> check("tensors.tanh_grad", lambda x: np.tanh(x) ** 2 - 1).hint
    'sign error? the gradient points the wrong way'
    """
    ex = get(exercise_id)
    state = np.random.get_state()  # checking must not move the learner's global seed
    try:
        with np.errstate(all="ignore"):  # a wrong answer's log(0) is reported, not warned about
            message = ex.checker(answer)
        return CheckResult(ex.id, True, message)
    except Fail as fail:
        return CheckResult(ex.id, False, fail.message, fail.hint)
    except NotImplementedError:
        return CheckResult(ex.id, False, "not implemented yet: fill in the stub, then check again")
    except Exception as err:  # the learner's code failed somewhere the checker did not wrap
        return CheckResult(ex.id, False, f"your code raised {type(err).__name__}: {err}")
    finally:
        np.random.set_state(state)


class ExerciseList(list):
    """The exercises, as a list that prints as a table (and as HTML in Jupyter)."""

    def __repr__(self) -> str:
        return "\n".join(f"ch{e.chapter}  {e.id:<32} {e.level:<8} {e.statement}" for e in self)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{e.chapter}</td><td><code>{html.escape(e.id)}</code></td>"
            f"<td>{e.level}</td><td>{html.escape(e.statement)}</td></tr>"
            for e in self
        )
        head = "<tr><th>chapter</th><th>id</th><th>level</th><th>exercise</th></tr>"
        return f"<table>{head}{rows}</table>"


def exercises(chapter: int | None = None) -> ExerciseList:
    """Every exercise (or those of one ``chapter``), with its id, level and one-line statement.

    Examples
    --------
    >>> from micrograd_plus.book.exercises import exercises
    >>> len(exercises()) >= 35
    True
    >>> exercises(4)[0].chapter
    4
    >>> exercises(5)[0].id
    'curvature.best_lr'
    """
    chosen = [e for e in _REGISTRY.values() if chapter is None or e.chapter == chapter]
    return ExerciseList(sorted(chosen, key=lambda e: e.chapter))  # stable: book order within
