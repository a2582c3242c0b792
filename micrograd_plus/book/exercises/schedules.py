"""Chapter 4 exercise of per-step schedules: a warm-up + cosine factor for ``LambdaLR``."""

from __future__ import annotations

import math

import numpy as np

from .compare import call
from .registry import exercise
from .result import Fail

WARMUP_FROM_ZERO = (
    "the first step has factor 0, so it does nothing: warm up with (step + 1) / warmup"
)
COSINE_NO_HALF = "twice the factor: the cosine part is (1 + cos(pi * progress)) / 2, from 1 to 0"
COSINE_OVER_TOTAL = (
    "the cosine runs over total steps, not the total - warmup steps left after the warm-up"
)


def warmup_cosine_reference(step: int, warmup: int, total: int) -> float:
    """LambdaLR's factor: linear warm-up to 1 over ``warmup`` steps, then cosine to 0.

    The answer of exercise ``optim.warmup_cosine``; ``step`` counts from 0.

    Examples
    --------
    >>> [round(warmup_cosine_reference(s, 2, 6), 3) for s in range(6)]
    [0.5, 1.0, 1.0, 0.854, 0.5, 0.146]
    """
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))


_SCHEDULES = ((10, 100), (100, 1000), (1, 50))


@exercise(
    "optim.warmup_cosine",
    4,
    "warm-up",
    "Write warmup_cosine(step, warmup, total): a LambdaLR factor, linear warm-up then cosine",
)
def _warmup_cosine(answer):
    for warmup, total in _SCHEDULES:
        where = f"warmup={warmup}, total={total}"
        got = [call(answer, s, warmup, total, where=where) for s in range(total)]
        if not all(isinstance(g, int | float | np.floating) for g in got):
            raise Fail(f"expected numbers on {where}, got {type(got[0]).__name__}")
        expected = [warmup_cosine_reference(s, warmup, total) for s in range(total)]
        if np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            continue
        bad = int(np.argmax(~np.isclose(got, expected, rtol=1e-9, atol=1e-12)))
        message = f"step {bad} on {where}: got {got[bad]:.6g}, expected {expected[bad]:.6g}"
        hint = None
        if np.isclose(got[0], 0.0):
            hint = WARMUP_FROM_ZERO
        elif bad >= warmup and np.isclose(
            got[bad], 0.5 * (1 + math.cos(math.pi * bad / total)), rtol=1e-6
        ):
            hint = COSINE_OVER_TOTAL
        elif bad >= warmup and np.isclose(got[bad], 2 * expected[bad], rtol=1e-6):
            hint = COSINE_NO_HALF
        raise Fail(message, hint)
    return "right at every step of three schedules: warm-up to 1, cosine down to 0"
