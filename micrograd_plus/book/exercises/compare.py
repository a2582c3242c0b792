"""Seeded test inputs and the comparison every checker uses (with the hint it implies)."""

from __future__ import annotations

import math

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
    got,
    expected,
    what: str,
    where: str,
    mistakes=(),
    dtype=None,
    factors: bool = True,
    ratio_of=None,
) -> None:
    """Fail with a hint unless ``got`` matches ``expected`` within ``dtype``'s tolerance.

    ``mistakes`` lists ``(hint, value_that_mistake_gives)``: when ``got`` matches
    one of them, that hint is the one shown. Otherwise a constant ratio gives the
    sign or factor-N hint, and inf/nan the log-of-0 hint. The ratio is taken over
    ``ratio_of = (got_all, expected_all)`` when given (a value with its
    gradients); a single number alone is always some multiple of another, so it
    never gets a ratio hint by itself. The message shows the entry that differs
    most, with as many digits as it takes to see the difference.
    """
    if got is None:
        raise Fail(f"{what} is None on {where}", "backward() not called, or the graph was cut?")
    got_a, exp_a = as_float_array(got, what, where), np.asarray(data(expected), np.float64)
    if got_a.shape != exp_a.shape:
        raise Fail(f"{what} has shape {got_a.shape}, expected {exp_a.shape} on {where}")
    rtol, atol = TOLERANCE[np.dtype(dtype or np.float64)]
    if np.allclose(got_a, exp_a, rtol=rtol, atol=atol, equal_nan=True):
        return
    message = f"{what} differs on {where}: {describe_difference(got_a, exp_a)}"
    for hint, wrong in mistakes:
        wrong_a = np.asarray(data(wrong), np.float64)
        if wrong_a.shape == got_a.shape and np.allclose(
            got_a, wrong_a, rtol=1e-3, atol=1e-6, equal_nan=True
        ):
            raise Fail(message, hint)
    if not np.isfinite(got_a).all() and np.isfinite(exp_a).all():
        raise Fail(message, hints.NONFINITE)
    if ratio_of is None and got_a.size == 1:
        raise Fail(message)
    raise Fail(message, hints.ratio_hint(*(ratio_of or (got_a, exp_a)), factors))


def plain_numbers(got, what: str, where: str) -> None:
    """Fail unless ``got`` is a number, or a list (of tuples) of numbers, not Tensors."""
    items = got if isinstance(got, list | tuple) else [got]
    flat = [x for item in items for x in (item if isinstance(item, list | tuple) else [item])]
    if any(isinstance(x, Tensor) for x in flat):
        raise Fail(
            f"{what} holds Tensors on {where}, expected plain numbers",
            "store .item() (a float): a Tensor that came out of the graph keeps it alive",
        )


def as_float_array(got, what: str, where: str) -> np.ndarray:
    """``got`` as a float64 array; something that is not numbers fails, naming it."""
    try:
        array = np.asarray(data(got), np.float64)
    except (TypeError, ValueError):
        raise Fail(f"{what} is {type(got).__name__} {got!r:.60} on {where}, not numbers") from None
    return array


def describe_difference(got: np.ndarray, expected: np.ndarray) -> str:
    """Both arrays' first entries and the entry that differs most, with enough digits."""
    gap = np.abs(got - expected)
    gap = np.where(np.isnan(gap), np.inf, gap)
    index = np.unravel_index(int(np.argmax(gap)), got.shape) if got.ndim else ()
    a, b = float(got[index]), float(expected[index])
    # the first precision that tells them apart, plus one digit so rounding cannot mislead
    digits = min(17, 1 + next((p for p in range(3, 18) if f"{a:.{p}g}" != f"{b:.{p}g}"), 16))
    text = f"got {_short(got, digits)}, expected {_short(expected, digits)}"
    if got.size > 1:
        text += (
            f" (most different at index {tuple(map(int, index))}: {a:.{digits}g} vs {b:.{digits}g})"
        )
    return text


def close_to_precision(value: float, truth: float, digits: int = 2) -> bool:
    """Whether ``value`` is ``truth`` rounded or cut to the decimals ``value`` was given with.

    A plain number asked for "to 2 decimals" is right as 2.3 (for ln 10 =
    2.3026...), 2.30, 2.302 or 2.3026, wrong as 2.31; fewer than ``digits``
    significant digits are not enough (2 is not ln 10).

    Examples
    --------
    >>> [close_to_precision(v, 2.302585) for v in (2.3, 2.302, 2.3026, 2.31, 2.0)]
    [True, True, True, False, False]
    """
    if not math.isfinite(value):
        return False
    if math.isclose(value, truth, rel_tol=1e-6, abs_tol=1e-12):
        return True
    text = repr(abs(value)).lower()
    if "e" in text:
        return False
    whole, _, decimals = text.partition(".")
    decimals = decimals.rstrip("0")
    significant = len((whole + decimals).lstrip("0"))
    if significant < digits:
        return False
    scale = 10 ** len(decimals)
    near = [round(truth * scale) / scale, math.trunc(truth * scale) / scale]
    return any(math.isclose(value, n, rel_tol=1e-9, abs_tol=1e-12) for n in near)


def assert_dtype(got, dtype, what: str, where: str) -> None:
    """Fail unless the result kept the input's dtype (float32 stays float32)."""
    got_dtype = data(got).dtype
    if got_dtype != np.dtype(dtype):
        raise Fail(
            f"{what} is {got_dtype.name} for {np.dtype(dtype).name} input on {where}",
            "a constant made with np.zeros/np.ones defaults to float64: pass dtype=x.dtype",
        )


def _short(a: np.ndarray, digits: int = 4) -> str:
    flat = a.reshape(-1)
    if a.ndim == 0:
        return f"{float(flat[0]):.{digits}g}"
    text = ", ".join(f"{float(x):.{digits}g}" for x in flat[:4])
    return f"[{text}, ...]" if flat.size > 4 else f"[{text}]"
