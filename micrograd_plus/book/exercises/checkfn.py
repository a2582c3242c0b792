"""Checking a differentiable function: values and gradients against the library, in float32
and float64, and gradients against float64 central differences."""

from __future__ import annotations

import numpy as np

from ...autograd.gradcheck import gradient_check
from ...tensor import Tensor
from .compare import assert_close, assert_dtype, call, cases
from .result import Fail


def _grads(fn, arrays, extras, probe):
    """Value of ``fn`` and the gradient of ``sum(fn * probe)`` for every array input."""
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*tensors, *extras)
    if not isinstance(out, Tensor):
        raise Fail(
            f"returned {type(out).__name__}, expected a Tensor",
            "build the result from Tensor operations so backward() can reach the inputs",
        )
    if not out.requires_grad:
        raise Fail(
            "returned a Tensor that does not require grad: backward() cannot reach the inputs",
            "build the result from Tensor operations on the inputs, not from NumPy arrays "
            "(x.data, np.*) or under no_grad()",
        )
    value = out.data.copy()
    (out * Tensor(probe.astype(out.dtype)) if out.data.ndim else out).sum().backward()
    return value, out, [t.grad for t in tensors]


def check_function(answer, reference, make_inputs, *, mistakes=(), shapes=None, name="result"):
    """Compare ``answer`` with ``reference`` on seeded inputs; return the pass line.

    ``make_inputs(rng, shape, dtype)`` returns ``(arrays, extras)``: the arrays
    become Tensors with ``requires_grad=True`` and are checked for gradients, the
    extras (targets, options) are passed after them unchanged. ``mistakes`` are
    ``(hint, wrong_fn)`` pairs: library-built versions of a typical wrong answer,
    whose values and gradients, when matched, name the mistake.
    """
    kwargs = {} if shapes is None else {"shapes": shapes}
    n = 0
    for rng, shape, dtype, where in cases(**kwargs):
        arrays, extras = make_inputs(rng, shape, dtype)
        probe = rng.standard_normal(reference(*map(Tensor, arrays), *extras).data.shape)
        ref_value, _, ref_grads = _grads(reference, arrays, extras, probe)
        value, out, grads = call(_grads, answer, arrays, extras, probe, where=where)
        wrong = _explaining(_mistakes(mistakes, arrays, extras, probe), value, grads)
        known = [(h, w[0]) for h, w in wrong]
        assert_close(
            value,
            ref_value,
            name,
            where,
            known,
            dtype,
            ratio_of=_all(value, grads, ref_value, ref_grads),
        )
        assert_dtype(out, dtype, name, where)
        for i, (g, rg) in enumerate(zip(grads, ref_grads)):
            what = f"gradient of input {i}"
            assert_close(g, rg, what, where, [(h, w[2][i]) for h, w in wrong], dtype)
        if np.dtype(dtype) == np.float64:
            _central_differences(answer, arrays, extras, where)
        n += 1
    return f"matches the library on {n} inputs (float32 and float64), gradients too"


def _all(value, grads, ref_value, ref_grads):
    """A value with its gradients, flat, for a ratio hint that holds for all of them (or None)."""
    if any(g is None for g in grads):
        return None
    flat = lambda v, gs: np.concatenate([np.ravel(v), *(np.ravel(g) for g in gs)])  # noqa: E731
    return flat(value, grads), flat(ref_value, ref_grads)


def _explaining(found, value, grads):
    """The mistakes whose value and every gradient match the answer's: only such a one is
    named (two can agree on the value, or on one input's gradient, and differ elsewhere)."""

    def near(a, b):
        if a is None or b is None:
            return a is None and b is None
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        return a.shape == b.shape and np.allclose(a, b, rtol=1e-3, atol=1e-6, equal_nan=True)

    return [
        (hint, w)
        for hint, w in found
        if near(value, w[0]) and all(near(g, wg) for g, wg in zip(grads, w[2]))
    ]


def _mistakes(mistakes, arrays, extras, probe):
    """Values and gradients of the typical wrong answers that apply to these inputs."""
    found = []
    for hint, wrong_fn in mistakes:
        try:
            found.append((hint, _grads(wrong_fn, arrays, extras, probe)))
        except ValueError:  # e.g. a missing transpose only runs on square weights
            continue
    return found


def _central_differences(answer, arrays, extras, where):
    result = gradient_check(lambda *ts: answer(*ts, *extras), *arrays)
    if not result.passed:
        raise Fail(
            f"backward() disagrees with float64 central differences on {where} "
            f"(max abs error {result.max_abs_error:.2e})",
            "check the backward formula of your op against its forward",
        )
