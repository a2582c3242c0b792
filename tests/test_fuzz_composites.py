"""The torch-habit composites (issue 23) inside the random-program fuzzer.

Each composite method (logsumexp, norm, std, flip, cumsum, sort, topk, repeat,
gather, masked_fill, %, F.normalize, chunk) is placed at a random step of
random programs of the fuzzer's ops: gradients against float64 central
differences and torch 2.13, and Hessian-vector products against differences
of the gradient and torch's ``hvp``. The ops are registered with the fuzzer
only while these tests run, so the fuzzer's own op table (and chapter 8's
count of it) is unchanged.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from micrograd_plus import Tensor  # noqa: E402
from micrograd_plus.book import fuzz_programs as fp  # noqa: E402
from micrograd_plus.nn import functional as F  # noqa: E402

torch = pytest.importorskip("torch")


def _plan_dim(draw, shape):
    if not shape:
        return None
    return {"dim": draw(st.integers(-len(shape), len(shape) - 1))}, []


def _plan_topk(draw, shape):
    if not shape:
        return None
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return {"dim": dim, "k": draw(st.integers(1, shape[dim]))}, []


def _plan_repeat(draw, shape):
    extra = draw(st.integers(0 if shape else 1, 1))  # torch needs one count per dim
    return {"reps": tuple(draw(st.integers(1, 2)) for _ in range(len(shape) + extra))}, []


def _plan_gather(draw, shape):
    if not shape:
        return None
    dim = draw(st.integers(0, len(shape) - 1))
    seed = draw(st.integers(0, 2**16))
    index = np.random.default_rng(seed).integers(0, shape[dim], size=shape)
    return {"dim": dim, "index": index}, []


def _gap_along(params, a):
    """The smallest gap between two entries of one slice along ``dim`` (ties are kinks)."""
    if a.ndim == 0 or a.shape[params["dim"]] < 2:
        return np.inf
    ordered = np.sort(a, axis=params["dim"])
    return float(np.diff(ordered, axis=params["dim"]).min())


def _norm_along(params, a):
    return float(np.sqrt((a * a).sum(axis=params["dim"])).min(initial=np.inf))


def _spread_along(params, a):
    return float(a.std(axis=params["dim"]).min(initial=np.inf)) if a.ndim else np.inf


def _op(name, method, plan, kinks=None, theirs=None):
    return fp.Op(name, method, theirs or method, plan, kinks=kinks)


COMPOSITES = [
    _op("logsumexp", lambda a, dim: a.logsumexp(dim=dim), _plan_dim),
    _op("norm", lambda a, dim: a.norm(dim=dim), _plan_dim, _norm_along),
    _op("std", lambda a, dim: a.std(dim=dim, correction=0), _plan_dim, _spread_along),
    _op("flip", lambda a, dim: a.flip([dim]), _plan_dim),
    _op("cumsum", lambda a, dim: a.cumsum(dim), _plan_dim),
    _op("sort", lambda a, dim: a.sort(dim=dim).values, _plan_dim, _gap_along),
    _op("topk", lambda a, dim, k: a.topk(k, dim=dim).values, _plan_topk, _gap_along),
    _op("repeat", lambda a, reps: a.repeat(*reps), _plan_repeat),
    _op("chunk", lambda a, dim: a.chunk(2, dim)[0], _plan_dim),
    _op(
        "gather",
        lambda a, dim, index: a.gather(dim, index),
        _plan_gather,
        theirs=lambda a, dim, index: a.gather(dim, torch.tensor(index)),
    ),
    _op(
        "masked_fill",
        lambda a: a.masked_fill(a > 0.5, 0.25),
        fp._no_params,
        lambda p, a: fp._nearest(a, (0.5,)),
    ),
    _op(
        "remainder",
        lambda a: a % 1.3,
        fp._no_params,
        lambda p, a: float(np.abs(a / 1.3 - np.round(a / 1.3)).min(initial=np.inf)) * 1.3,
    ),
    _op(
        "normalize",
        lambda a, dim: F.normalize(a, dim=dim),
        _plan_dim,
        _norm_along,
        theirs=lambda a, dim: torch.nn.functional.normalize(a, dim=dim),
    ),
]


@contextmanager
def _registered(op):
    """``op`` known to the fuzzer's ``run`` for the duration of one test."""
    fp.OP_BY_NAME[op.name] = op
    try:
        yield
    finally:
        del fp.OP_BY_NAME[op.name]


def _torch_agrees(prog, leaves):
    ours = [Tensor(a, requires_grad=True) for a in leaves]
    theirs = [torch.tensor(a, requires_grad=True) for a in leaves]
    out, ref = fp.final(fp.run(prog, ours)), fp.final(fp.run(prog, theirs, "torch"))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    probe = np.random.default_rng(prog.seed).standard_normal(out.shape)
    (out * Tensor(probe)).sum().backward()
    (ref * torch.tensor(probe)).sum().backward()
    for mine, other in zip(ours, theirs):
        expected = np.zeros(other.shape) if other.grad is None else other.grad.numpy()
        got = np.zeros(mine.shape) if mine.grad is None else mine.grad
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11)


EXAMPLES = settings(max_examples=8, derandomize=True, database=None, deadline=None)


@pytest.mark.parametrize("op", COMPOSITES, ids=[op.name for op in COMPOSITES])
def test_composite_inside_random_graphs(op):
    @EXAMPLES
    @given(data=st.data())
    def fuzz(data):
        prog = data.draw(fp.programs(include=op), label="program")
        note(str(prog))
        fp.check_program(prog)
        _torch_agrees(prog, fp.smooth_values(prog))

    with _registered(op):
        fuzz()


@pytest.mark.parametrize("op", COMPOSITES, ids=[op.name for op in COMPOSITES])
def test_composite_at_second_order(op):
    @EXAMPLES
    @given(data=st.data())
    def fuzz(data):
        prog = data.draw(fp.programs(include=op, ops=fp.SECOND_ORDER_OPS), label="program")
        note(str(prog))
        fp.check_program_second_order(prog)

    with _registered(op):
        fuzz()
