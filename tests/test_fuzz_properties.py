"""Fuzzing: hypothesis draws random graphs of ops and checks their gradients.

The programs come from ``micrograd_plus.book.fuzz_programs``. Each is checked against float64
central differences, against PyTorch (when importable), for float32 staying
float32, and for retain_graph accumulation; programs of the ops with double
backward (``SECOND_ORDER_OPS``) also at second order (Hessian-vector products).
Profiles live there too (``PROFILES``): ``ci`` is deterministic,
``HYPOTHESIS_PROFILE=long`` (``nox -s fuzz``) runs thousands of examples.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import Phase, given, note, settings
from hypothesis import strategies as st

from micrograd_plus import Tensor
from micrograd_plus.autograd.gradcheck import gradient_check
from micrograd_plus.book.fuzz_programs import (
    MUTANTS,
    NN_OPS,
    OP_BY_NAME,
    OPS,
    SECOND_ORDER_MUTANTS,
    SECOND_ORDER_OPS,
    Program,
    broken,
    check_program,
    check_program_second_order,
    final,
    programs,
    run,
    smooth_values,
)
from micrograd_plus.nn import functional as F


# ---------------------------------------------------------------- the tests
@given(prog=programs())
def test_fuzz_gradients_match_central_differences(prog):
    note(str(prog))
    leaves = smooth_values(prog)
    result = gradient_check(lambda *ts: final(run(prog, ts)), *leaves)
    assert result.passed, str(result)


@given(prog=programs())
def test_fuzz_values_and_gradients_match_torch(prog):
    pytest.importorskip("torch")
    note(str(prog))
    _torch_agrees(prog, smooth_values(prog))


def _torch_agrees(prog: Program, leaves) -> None:
    torch = pytest.importorskip("torch")
    ours = [Tensor(a, requires_grad=True) for a in leaves]
    theirs = [torch.tensor(a, requires_grad=True) for a in leaves]
    out, ref = final(run(prog, ours)), final(run(prog, theirs, "torch"))
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    probe = np.random.default_rng(prog.seed).standard_normal(out.shape)
    (out * Tensor(probe)).sum().backward()
    (ref * torch.tensor(probe)).sum().backward()
    for mine, other in zip(ours, theirs):
        expected = np.zeros(other.shape) if other.grad is None else other.grad.numpy()
        got = np.zeros(mine.shape) if mine.grad is None else mine.grad
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11)


# Each op gets its own share of examples (a tenth of the profile's count), so
# a rare op is not left to chance in a short CI run.
PER_OP = settings(max_examples=max(3, settings.default.max_examples // 10))


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@given(data=st.data())
@PER_OP
def test_fuzz_each_op_inside_random_graphs(op, data):
    prog = data.draw(programs(include=op), label="program")
    note(str(prog))
    leaves = smooth_values(prog)
    result = gradient_check(lambda *ts: final(run(prog, ts)), *leaves)
    assert result.passed, str(result)
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    _torch_agrees(prog, leaves)


@given(prog=programs())
def test_fuzz_float32_stays_float32(prog):
    note(str(prog))
    leaves = [Tensor(a.astype(np.float32), requires_grad=True) for a in smooth_values(prog)]
    results = run(prog, leaves)
    assert all(r.dtype == np.float32 for r in results), [r.dtype for r in results]
    out = final(results)
    (out * Tensor(np.ones(out.shape))).sum().backward()
    for leaf in leaves:
        assert leaf.grad is None or (
            leaf.grad.dtype == np.float32 and leaf.grad.shape == leaf.shape
        )


@given(prog=programs())
def test_fuzz_retained_graph_gives_the_same_gradients_again(prog):
    """Backward through a retained graph accumulates, and repeats exactly once zeroed.

    An op whose backward changed the arrays it saved would fail the second pass.
    """
    note(str(prog))
    leaves = [Tensor(a, requires_grad=True) for a in smooth_values(prog)]
    loss = final(run(prog, leaves)).sum()
    loss.backward(retain_graph=True)
    once = [None if t.grad is None else t.grad.copy() for t in leaves]
    loss.backward(retain_graph=True)
    for leaf, first in zip(leaves, once):
        assert (leaf.grad is None) == (first is None)
        if first is not None:
            np.testing.assert_allclose(leaf.grad, 2 * first, rtol=1e-12, atol=1e-15)
        leaf.zero_grad()
    loss.backward()
    for leaf, first in zip(leaves, once):
        if first is not None:
            np.testing.assert_array_equal(leaf.grad, first)


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_fuzz_catches_a_deliberately_broken_gradient(name):
    """The fuzzer is itself tested: each subtly wrong op must be caught by the
    40 programs that use it (without shrinking, to stay fast)."""
    op = OP_BY_NAME[name]

    @settings(
        max_examples=40,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        report_multiple_bugs=False,
    )
    @given(data=st.data())
    def fuzz(data):
        check_program(data.draw(programs(include=op)))

    fuzz()  # the real op passes
    with broken(name), pytest.raises(AssertionError, match="gradient check FAIL"):
        fuzz()


# ------------------------------------------------------------- second order
@given(prog=programs(ops=SECOND_ORDER_OPS))
def test_fuzz_hessian_vector_products_match_differences_and_torch(prog):
    note(str(prog))
    check_program_second_order(prog)


@pytest.mark.parametrize("op", SECOND_ORDER_OPS, ids=[op.name for op in SECOND_ORDER_OPS])
@given(data=st.data())
@PER_OP
def test_fuzz_each_op_at_second_order(op, data):
    prog = data.draw(programs(include=op, ops=SECOND_ORDER_OPS), label="program")
    note(str(prog))
    check_program_second_order(prog)


def test_the_second_order_fuzzer_draws_every_nn_function():
    # issue 24: it drew only the ops in ops/, none of the nn losses and layers
    drawn = {op.name.split("-")[0] for op in SECOND_ORDER_OPS}
    random = {"dropout"}  # its mask is random: no two libraries draw the same one
    # one_hot has integer output (no gradient); normalize is a composite of drawn ops,
    # fuzzed to second order in tests/test_fuzz_composites.py
    elsewhere = {"one_hot", "normalize"}
    left = set(F.__all__) - random - elsewhere
    assert left <= drawn, left - drawn
    assert len(NN_OPS) == 16 and len(SECOND_ORDER_OPS) == len(OPS) + len(NN_OPS) == 62


@pytest.mark.parametrize("name", sorted(SECOND_ORDER_MUTANTS))
def test_fuzz_catches_a_wrong_second_derivative(name):
    """A graph-mode rule that treats a recomputed factor as a constant leaves every
    first derivative right: the first-order fuzzer passes it, the second-order one
    must catch it within 40 programs (central differences alone, without torch)."""
    op = OP_BY_NAME[name]
    search = settings(
        max_examples=40,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        report_multiple_bugs=False,
    )

    @search
    @given(data=st.data())
    def first_order(data):
        check_program(data.draw(programs(include=op, ops=SECOND_ORDER_OPS)))

    @search
    @given(data=st.data())
    def second_order(data):
        prog = data.draw(programs(include=op, ops=SECOND_ORDER_OPS))
        check_program_second_order(prog, torch_too=False)

    second_order()  # the real op passes
    with broken(name):
        first_order()  # invisible at first order
        with pytest.raises(AssertionError, match="second-order check FAIL"):
            second_order()
