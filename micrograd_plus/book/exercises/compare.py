"""Seeded test inputs and the comparison every checker uses (with the hint it implies)."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from . import hints
from .result import Fail

DTYPES = (np.float32, np.float64)
SHAPES = ((5,), (3, 4), (2, 3, 4))
# float32 answers may sum in another order than the library: allow its rounding.
TOLERANCE = {np.dtype(np.float32): (1e-4, 1e-5), np.dtype(np.float64): (1e-7, 1e-9)}


def cases(shapes=SHAPES, dtypes=DTYPES, seed: int = 0):
    """Yield ``(rng, shape, dtype, label)`` for every shape and dtype, each with its own seed."""
    for i, shape in enumerate(shapes):
        for j, dtype in enumerate(dtypes):
            rng = np.random.default_rng([seed, i, j])
            yield rng, shape, dtype, f"shape {shape}, {np.dtype(dtype).name}"


def data(x) -> np.ndarray:
    """The array behind a Tensor (or anything array-like)."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def call(fn, *args, where: str, **kwargs):
    """Call the learner's ``fn``; an error it raises becomes a failure naming the input."""
    try:
        return fn(*args, **kwargs)
    except (Fail, NotImplementedError):
        raise
    except Exception as err:
        raise Fail(f"on {where} your code raised {type(err).__name__}: {err}") from None


def assert_close(
    got, expected, what: str, where: str, mistakes=(), dtype=None, factors: bool = True
) -> None:
    """Fail with a hint unless ``got`` matches ``expected`` within ``dtype``'s tolerance.

    ``mistakes`` lists ``(hint, value_that_mistake_gives)``: when ``got`` matches
    one of them, that hint is the one shown. Otherwise a constant ratio gives the
    sign or factor-N hint, and inf/nan the log-of-0 hint.
    """
    if got is None:
        raise Fail(f"{what} is None on {where}", "backward() not called, or the graph was cut?")
    got_a, exp_a = np.asarray(data(got), np.float64), np.asarray(data(expected), np.float64)
    if got_a.shape != exp_a.shape:
        raise Fail(f"{what} has shape {got_a.shape}, expected {exp_a.shape} on {where}")
    rtol, atol = TOLERANCE[np.dtype(dtype or np.float64)]
    if np.allclose(got_a, exp_a, rtol=rtol, atol=atol, equal_nan=True):
        return
    message = f"{what} differs on {where}: got {_short(got_a)}, expected {_short(exp_a)}"
    for hint, wrong in mistakes:
        wrong_a = np.asarray(data(wrong), np.float64)
        if wrong_a.shape == got_a.shape and np.allclose(got_a, wrong_a, rtol=1e-3, atol=1e-6):
            raise Fail(message, hint)
    if not np.isfinite(got_a).all() and np.isfinite(exp_a).all():
        raise Fail(message, hints.NONFINITE)
    raise Fail(message, hints.ratio_hint(got_a, exp_a, factors))


def assert_dtype(got, dtype, what: str, where: str) -> None:
    """Fail unless the result kept the input's dtype (float32 stays float32)."""
    got_dtype = data(got).dtype
    if got_dtype != np.dtype(dtype):
        raise Fail(
            f"{what} is {got_dtype.name} for {np.dtype(dtype).name} input on {where}",
            "a constant made with np.zeros/np.ones defaults to float64: pass dtype=x.dtype",
        )


def _short(a: np.ndarray) -> str:
    flat = a.reshape(-1)
    text = np.array2string(flat[:4], precision=4, separator=", ")
    return text[:-1] + ", ...]" if flat.size > 4 else text
