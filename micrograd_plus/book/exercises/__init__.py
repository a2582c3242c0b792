"""Exercises for the book, with a checker that names your mistake.

Each chapter ends with exercises; ``exercises()`` lists them all, and
``check(exercise_id, answer)`` tests your answer on seeded random inputs
(several shapes, float32 and float64) against the library and, for gradients,
against float64 central differences. It returns a
:class:`~micrograd_plus.book.exercises.result.CheckResult` with ``.passed`` and
``.message`` that displays as a short line in Jupyter.

Examples
--------
>>> from micrograd_plus.book.exercises import check, exercises
>>> result = check("losses.predict_uniform", 1.0)
>>> result.passed, result.hint
(False, 'log base 10? losses use the natural log')
"""

from . import (  # noqa: F401 (registers)
    accumulation,
    curvature,
    fashion,
    layers,
    likelihood,
    losses,
    optimizers,
    schedules,
    tensors,
    training,
)
from .registry import Exercise, ExerciseList, check, exercises, get
from .result import CheckResult

__all__ = ["check", "exercises", "get", "Exercise", "ExerciseList", "CheckResult"]
