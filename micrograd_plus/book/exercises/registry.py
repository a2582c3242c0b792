"""The list of exercises and :func:`check`, the one function a learner calls."""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .result import CheckResult, Fail
from .sandbox import TimedOut, isolated, time_limit

_PACKAGE = str(Path(__file__).resolve().parents[2])


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


DEFAULT_TIMEOUT = 5.0  # seconds; the slowest right answer takes about 0.5 s


def check(exercise_id: str, answer, *, timeout: float | None = DEFAULT_TIMEOUT) -> CheckResult:
    """Test ``answer`` (your function, class or value) for exercise ``exercise_id``.

    The answer is run on seeded random inputs (several shapes, float32 and
    float64) and compared with the library and, for gradients, with float64
    central differences. Nothing the answer does escapes: an error, a
    ``sys.exit()`` or a check running past ``timeout`` seconds (an endless
    loop?) is a failed result whose ``message`` says what happened on which
    input, with a ``hint`` when the mistake is a recognisable one. Your own
    interrupt (Ctrl-C, Jupyter's stop button) still interrupts. Afterwards grad
    mode, anomaly mode and NumPy's and Python's random state are as they were
    before (``timeout=None`` removes the time limit).

    Examples
    --------
    >>> from micrograd_plus.book.exercises import check
    >>> check("tensors.tanh_grad", lambda x: 1 - np.tanh(x) ** 2)
    ✓ tensors.tanh_grad: matches backward() on 6 inputs (3 shapes, float32 and float64)
    >>> check("tensors.tanh_grad", lambda x: np.tanh(x) ** 2 - 1).hint
    'sign error? the gradient points the wrong way'
    """
    ex = get(exercise_id)
    if timeout is not None and not (isinstance(timeout, int | float) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    try:
        with isolated(), time_limit(timeout):
            with np.errstate(all="ignore"):  # a wrong answer's log(0) is reported, not warned
                message = ex.checker(answer)
        return CheckResult(ex.id, True, message)
    except Fail as fail:
        return CheckResult(ex.id, False, fail.message, fail.hint)
    except NotImplementedError:
        return CheckResult(ex.id, False, "not implemented yet: fill in the stub, then check again")
    except TimedOut as stop:
        return CheckResult(ex.id, False, _timed_out(stop, timeout), _LOOP_HINT)
    except SystemExit as err:  # sys.exit() in an answer must not end the learner's kernel
        return CheckResult(
            ex.id, False, f"your code called sys.exit({err.code!r})", "return a value instead"
        )
    except Exception as err:  # the learner's code failed somewhere the checker did not wrap
        return CheckResult(ex.id, False, f"your code raised {type(err).__name__}: {err}")


_LOOP_HINT = "an endless loop? (check(..., timeout=None) waits as long as it takes)"


def _timed_out(stop: BaseException, timeout: float) -> str:
    """Where the answer was when its time ran out: the innermost frame outside this package."""
    where, tb = "", stop.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if _PACKAGE not in code.co_filename:
            where = f" (stopped in {code.co_name}, line {tb.tb_lineno})"
        tb = tb.tb_next
    return f"not finished after {timeout:g} s{where}"


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
