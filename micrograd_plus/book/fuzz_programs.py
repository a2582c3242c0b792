"""Random programs of tensor ops for the fuzzer, as data (the test suite's and the book's).

A *program* is a list of leaf shapes and a list of steps; each step applies one
op (elementwise, broadcasting binary, reduction, matmul, reshape/transpose/
indexing, joining, softmax) to earlier results or to fresh leaves. Shapes are
drawn so that every step is valid; values come from a seeded generator, so
hypothesis explores structure and shrinks a failure to the smallest program.
``run`` evaluates a program with micrograd_plus or with PyTorch;
``check_program`` checks its gradient and ``check_program_second_order`` its
Hessian-vector products (over :data:`SECOND_ORDER_OPS`, which add the ``nn``
losses and layers of :mod:`~micrograd_plus.book.fuzz_nn_ops`). It needs
``hypothesis`` (``pip install "micrograd-plus[test]"``); the tests in
``tests/test_fuzz_properties.py`` and chapter 8 of the book use it.

Examples
--------
>>> from micrograd_plus.book.fuzz_programs import OP_BY_NAME, PROFILES
>>> OP_BY_NAME["tanh"].name, PROFILES["ci"]["max_examples"]
('tanh', 60)
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

try:
    from hypothesis import HealthCheck, assume, settings
    from hypothesis import strategies as st
except ImportError as err:  # an optional dependency, like matplotlib for plotting
    raise ImportError(
        "micrograd_plus.book.fuzz_programs draws its random programs with hypothesis; "
        'install it: pip install hypothesis (or pip install "micrograd-plus[book]")'
    ) from err

import micrograd_plus as mp
from micrograd_plus import Tensor
from micrograd_plus.book.fuzz_nn_ops import NN_OP_SPECS
from micrograd_plus.ops.linalg import linear

MARGIN = 1e-3  # keep kinks this far from the points we differentiate at
LIMIT = 1e3  # larger values make central differences in float64 too coarse

# The test suite's hypothesis profiles: 'ci' is deterministic so a red run can be
# reproduced; 'long' is for `nox -s fuzz`. The book counts programs from them.
PROFILES = {
    "ci": {"derandomize": True, "max_examples": 60},
    "long": {"max_examples": 2000},
}


def register_profiles() -> None:
    """Register :data:`PROFILES` with hypothesis (``settings.load_profile("ci")`` picks one)."""
    for name, options in PROFILES.items():
        settings.register_profile(
            name, deadline=None, suppress_health_check=[HealthCheck.too_slow], **options
        )


# ----------------------------------------------------------------- the ops
@dataclass(frozen=True)
class Op:
    """One op: how to plan a valid call, run it in both libraries, and where it is not smooth.

    ``plan(draw, shape)`` returns ``(params, fresh_leaf_shapes)`` or ``None`` if
    the op does not apply to an operand of that shape. Binary ops (``binary``)
    get their second operand from the pool or as a fresh, broadcastable leaf.
    ``kinks(params, *arrays)`` returns how close the inputs are to a point
    where the op is not differentiable (inf if nowhere).
    """

    name: str
    ours: object
    torch: object
    plan: object = None
    binary: bool = False
    kinks: object = None


def _no_params(draw, shape):
    return {}, []


def _nearest(values: np.ndarray, points) -> float:
    return min((np.abs(values - p).min(initial=np.inf) for p in points), default=np.inf)


def _unary(name, ours, torch_fn, kink_points=()):
    kinks = (lambda p, a: _nearest(a, kink_points)) if kink_points else None
    return Op(name, lambda a, **p: ours(a), lambda a, **p: torch_fn(a), _no_params, kinks=kinks)


def _binary(name, ours, torch_fn, kinks=None):
    return Op(
        name,
        lambda a, b, **p: ours(a, b),
        lambda a, b, **p: torch_fn(a, b),
        _no_params,
        binary=True,
        kinks=kinks,
    )


def _tie_gap(params, a):
    """Gap between the two largest (or smallest) entries of every reduced slice."""
    axes = params["axis"]
    axes = tuple(range(a.ndim)) if axes is None else (axes % a.ndim,)
    moved = np.moveaxis(a, axes, tuple(range(-len(axes), 0)))
    flat = np.sort(moved.reshape(*moved.shape[: a.ndim - len(axes)], -1), axis=-1)
    if flat.shape[-1] < 2:
        return np.inf
    ends = np.minimum(flat[..., -1] - flat[..., -2], flat[..., 1] - flat[..., 0])
    return float(ends.min(initial=np.inf))


def _plan_axis(draw, shape):
    if not shape:
        return None
    axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    return {"axis": axis, "keepdims": draw(st.booleans())}, []


def _dims(axis, ndim):
    return tuple(range(ndim)) if axis is None else (axis,)


def _reduction(name, torch_name, kinks=None):
    def theirs(a, axis, keepdims):
        import torch

        dims = _dims(axis, a.ndim)
        if torch_name == "var":
            return torch.var(a, dim=dims, correction=0, keepdim=keepdims)
        return getattr(torch, torch_name)(a, dim=dims, keepdim=keepdims)

    return Op(
        name,
        # var as the biased estimate on both sides: a size-1 axis is a legal draw.
        lambda a, axis, keepdims: getattr(a, name)(
            axis=axis, keepdims=keepdims, **({"correction": 0} if name == "var" else {})
        ),
        theirs,
        _plan_axis,
        kinks=kinks,
    )


def _plan_softmax(draw, shape):
    if not shape:
        return None
    return {"axis": draw(st.integers(-len(shape), len(shape) - 1))}, []


def _plan_reshape(draw, shape):
    size = int(np.prod(shape))
    choices = [(size,), (-1,), tuple(reversed(shape)), (*shape, 1), (1, *shape)]
    if len(shape) >= 2:
        choices.append((shape[0], -1))
    return {"shape": draw(st.sampled_from(choices))}, []


def _plan_transpose(draw, shape):
    if len(shape) < 2:
        return None
    return {"perm": tuple(draw(st.permutations(range(len(shape)))))}, []


def _plan_getitem(draw, shape):
    if not shape:
        return None
    n = shape[0]
    keys = [
        draw(st.integers(-n, n - 1)),
        slice(draw(st.integers(0, n - 1)), draw(st.integers(1, n))),
        # A repeated index: its gradients must add up, not overwrite each other.
        [first := draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1)), first],
    ]
    if len(shape) >= 2:
        keys.append((slice(None), draw(st.integers(0, shape[1] - 1))))
    key = draw(st.sampled_from(keys))
    if isinstance(key, slice) and key.start >= key.stop:
        key = slice(key.stop - 1, key.stop)
    return {"key": key}, []


def _plan_unsqueeze(draw, shape):
    return {"axis": draw(st.integers(-len(shape) - 1, len(shape)))}, []


def _plan_squeeze(draw, shape):
    ones = [i for i, n in enumerate(shape) if n == 1]
    if not ones:
        return None
    return {"axis": draw(st.sampled_from([None, *ones]))}, []


def _plan_concatenate(draw, shape):
    if not shape:
        return None
    axis = draw(st.integers(0, len(shape) - 1))
    other = list(shape)
    other[axis] = draw(st.integers(1, 2))
    return {"axis": axis}, [tuple(other)]


def _plan_stack(draw, shape):
    return {"axis": draw(st.integers(0, len(shape)))}, [shape]


def _plan_matmul(draw, shape):
    if not shape:
        return None
    k, m = shape[-1], draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["matrix", "vector", "batched", "left"]))
    if kind == "vector":
        return {"left": False}, [(k,)]
    if kind == "batched":
        batch = shape[-3] if len(shape) >= 3 else 2
        return {"left": False}, [(batch, k, m)]
    if kind == "left":
        rows = shape[-2] if len(shape) >= 2 else shape[-1]
        return {"left": True}, [(m, rows)]
    return {"left": False}, [(k, m)]


def _matmul(ours_or_torch):
    def run(a, w, left):
        return w @ a if left else a @ w

    return run


def _plan_einsum(draw, shape):
    """``...`` subscripts with a fresh leaf: a contraction with a matrix, or a dot
    product along the last dim (``...`` alone for a 0-d operand)."""
    if not shape:
        return {"eq": "...,...->..."}, [()]
    if draw(st.booleans()):
        return {"eq": "...i,ij->...j"}, [(shape[-1], draw(st.integers(1, 3)))]
    return {"eq": "...i,...i->..."}, [shape]


def _einsum(lib_einsum):
    def run(a, b, eq):
        return lib_einsum()(eq, a, b)

    return run


def _torch_einsum():
    import torch

    return torch.einsum


def _step_gap(offset):
    """Distance to the nearest step of floor (offset 0) or round (offset 0.5)."""
    return lambda p, a: float(np.abs(a - offset - np.round(a - offset)).min(initial=np.inf))


def _plan_linear(draw, shape):
    if not shape:
        return None
    m = draw(st.integers(1, 3))
    return {}, [(m, shape[-1]), (m,)]


def _torch_linear(a, w, b):
    import torch

    return torch.nn.functional.linear(a, w, b)


def _torch_getitem(a, key):
    return a[key]


def _torch_concat(a, b, axis):
    import torch

    return torch.cat([a, b], dim=axis)


def _torch_stack(a, b, axis):
    import torch

    return torch.stack([a, b], dim=axis)


def _torch_where(a, b):
    import torch

    return torch.where(a > 0, a, b)


def _torch(name):
    def call(*args, **kwargs):
        import torch

        return getattr(torch, name)(*args, **kwargs)

    return call


def _torch_fn(name, **fixed):
    def call(a):
        import torch

        return getattr(torch.nn.functional, name)(a, **fixed)

    return call


OPS = [
    _unary("neg", lambda a: -a, lambda a: -a),
    _unary("exp", lambda a: a.exp(), _torch("exp")),
    _unary("log", lambda a: (a * a + 0.5).log(), lambda a: (a * a + 0.5).log()),
    _unary("sqrt", lambda a: (a * a + 0.5).sqrt(), lambda a: (a * a + 0.5).sqrt()),
    _unary("tanh", lambda a: a.tanh(), _torch("tanh")),
    _unary("sigmoid", lambda a: a.sigmoid(), _torch("sigmoid")),
    _unary("gelu", lambda a: a.gelu(), _torch_fn("gelu")),
    _unary("relu", lambda a: a.relu(), _torch("relu"), kink_points=(0.0,)),
    _unary("abs", lambda a: a.abs(), _torch("abs"), kink_points=(0.0,)),
    _unary(
        "leaky_relu",
        lambda a: a.leaky_relu(0.1),
        _torch_fn("leaky_relu", negative_slope=0.1),
        kink_points=(0.0,),
    ),
    _unary(
        "clip", lambda a: a.clip(-1.0, 1.0), lambda a: a.clamp(-1.0, 1.0), kink_points=(-1.0, 1.0)
    ),
    _unary("sin", lambda a: a.sin(), _torch("sin")),
    _unary("cos", lambda a: a.cos(), _torch("cos")),
    _unary("log1p", lambda a: (a * a).log1p(), lambda a: (a * a).log1p()),
    Op("floor", lambda a: a.floor(), _torch("floor"), _no_params, kinks=_step_gap(0.0)),
    Op("round", lambda a: a.round(), _torch("round"), _no_params, kinks=_step_gap(0.5)),
    _unary("cube", lambda a: a**3, lambda a: a**3),
    _unary("square", lambda a: a**2, lambda a: a**2),
    _unary(
        "scalar-arith", lambda a: 1.5 - 2.0 * a / 4.0 + 0.25, lambda a: 1.5 - 2.0 * a / 4.0 + 0.25
    ),
    _unary("reciprocal", lambda a: 1.0 / (a * a + 1.0), lambda a: 1.0 / (a * a + 1.0)),
    _binary("add", lambda a, b: a + b, lambda a, b: a + b),
    _binary("sub", lambda a, b: a - b, lambda a, b: a - b),
    _binary("mul", lambda a, b: a * b, lambda a, b: a * b),
    _binary("div", lambda a, b: a / (b * b + 0.5), lambda a, b: a / (b * b + 0.5)),
    _binary("pow", lambda a, b: (a * a + 0.5) ** b, lambda a, b: (a * a + 0.5) ** b),
    _binary(
        "maximum",
        lambda a, b: a.maximum(b),
        _torch("maximum"),
        kinks=lambda p, a, b: float(np.abs(a - b).min(initial=np.inf)),
    ),
    _binary(
        "minimum",
        lambda a, b: a.minimum(b),
        _torch("minimum"),
        kinks=lambda p, a, b: float(np.abs(a - b).min(initial=np.inf)),
    ),
    _binary(
        "where",
        lambda a, b: mp.where(a > 0, a, b),
        _torch_where,
        kinks=lambda p, a, b: _nearest(a, (0.0,)),
    ),
    _reduction("sum", "sum"),
    _reduction("mean", "mean"),
    _reduction("var", "var"),
    _reduction("amax", "amax", kinks=_tie_gap),
    Op(
        "prod",
        lambda a, axis, keepdims: a.prod(dim=axis, keepdim=keepdims),
        lambda a, axis, keepdims: a.prod() if axis is None else a.prod(axis, keepdims),
        _plan_axis,
    ),
    _reduction("amin", "amin", kinks=_tie_gap),
    Op(
        "softmax",
        lambda a, axis: a.softmax(axis=axis),
        lambda a, axis: a.softmax(dim=axis),
        _plan_softmax,
    ),
    Op(
        "log_softmax",
        lambda a, axis: a.log_softmax(axis=axis),
        lambda a, axis: a.log_softmax(dim=axis),
        _plan_softmax,
    ),
    Op(
        "reshape",
        lambda a, shape: a.reshape(shape),
        lambda a, shape: a.reshape(shape),
        _plan_reshape,
    ),
    Op(
        "permute",
        lambda a, perm: a.permute(perm),
        lambda a, perm: a.permute(perm),
        _plan_transpose,
    ),
    Op("getitem", lambda a, key: a[key], _torch_getitem, _plan_getitem),
    Op(
        "unsqueeze",
        lambda a, axis: a.unsqueeze(axis),
        lambda a, axis: a.unsqueeze(axis),
        _plan_unsqueeze,
    ),
    Op(
        "squeeze",
        lambda a, axis: a.squeeze(axis),
        lambda a, axis: a.squeeze() if axis is None else a.squeeze(axis),
        _plan_squeeze,
    ),
    Op(
        "concatenate",
        lambda a, b, axis: mp.concatenate([a, b], axis=axis),
        _torch_concat,
        _plan_concatenate,
    ),
    Op("stack", lambda a, b, axis: mp.stack([a, b], axis=axis), _torch_stack, _plan_stack),
    Op("matmul", _matmul("ours"), _matmul("torch"), _plan_matmul),
    Op("einsum", _einsum(lambda: mp.einsum), _einsum(_torch_einsum), _plan_einsum),
    Op("linear", lambda a, w, b: linear(a, w, b), _torch_linear, _plan_linear),
]
# The nn losses (their targets leaves too) and layers: drawn by the second-order
# fuzzer (their first derivatives have their own tests against torch).
NN_OPS = [Op(*spec[:4], kinks=spec[4]) for spec in NN_OP_SPECS]
OP_BY_NAME = {op.name: op for op in OPS + NN_OPS}
# Hypothesis shrinks towards the first entry: make that a broadcasting product,
# and put the ops that need a particular shape early, where shrinking keeps them.
DRAW_ORDER = sorted(OPS, key=lambda op: (not op.binary, op.plan is _no_params))
_ALL_DRAW_ORDER = sorted(OPS + NN_OPS, key=lambda op: (not op.binary, op.plan is _no_params))

# The ops whose backward rule also runs on Tensors (double backward), which the
# second-order fuzzer draws from: every op and every nn loss and layer, so a new
# one needs its double backward.
SECOND_ORDER = frozenset(op.name for op in OPS + NN_OPS)
SECOND_ORDER_OPS = [op for op in OPS + NN_OPS if op.name in SECOND_ORDER]


# ------------------------------------------------------------ the programs
@dataclass
class Program:
    """Leaf shapes, and steps ``(op name, operands, params)``.

    An operand is ``("leaf", j)`` or ``("step", k)`` (the result of step ``k``).
    """

    seed: int = 0
    leaves: list = field(default_factory=list)
    steps: list = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"seed {self.seed}, leaves {self.leaves}"]
        for k, (name, refs, params) in enumerate(self.steps):
            args = ", ".join(f"{kind[0]}{i}" for kind, i in refs)
            lines.append(f"  s{k} = {name}({args}) {params}")
        return "\n".join(lines)


def _shape_of(op: Op, params, shapes) -> tuple:
    """The result shape, found by running our op on zeros of the operand shapes."""
    return op.ours(*[Tensor(np.zeros(s)) for s in shapes], **params).shape


def _broadcastable(draw, shape) -> tuple:
    """A shape that broadcasts with ``shape``: leading axes dropped, some set to 1."""
    drop = draw(st.integers(0, len(shape)))
    return tuple(1 if draw(st.booleans()) else n for n in shape[drop:])


def _broadcasts(x, y) -> bool:
    try:
        np.broadcast_shapes(x, y)
    except ValueError:
        return False
    return True


@st.composite
def programs(draw, max_steps: int = 8, include: Op | None = None, ops=None) -> Program:
    """Random programs; with ``include``, one that applies that op at a random step.

    ``ops`` restricts the draw to those ops (default: all of :data:`OPS`).
    """
    order = DRAW_ORDER if ops is None else [op for op in _ALL_DRAW_ORDER if op in ops]
    # 0-d values still appear, as the results of full reductions.
    base = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    prog = Program(seed=draw(st.integers(0, 2**32 - 1)))
    pool = []  # (operand, shape) of every value so far

    def new_leaf(shape):
        prog.leaves.append(tuple(shape))
        pool.append((("leaf", len(prog.leaves) - 1), tuple(shape)))
        return pool[-1]

    new_leaf(base)
    for _ in range(draw(st.integers(0, 2))):
        new_leaf(_broadcastable(draw, base))
    steps = draw(st.integers(2, max_steps))
    place = draw(st.integers(0, steps - 1)) if include else steps
    for step in range(steps):
        # Lean towards recent values, so programs grow deep rather than wide.
        first = pool[len(pool) - 1 - draw(st.integers(0, len(pool) - 1))]
        planned = None
        if step >= place and include.name not in {name for name, _, _ in prog.steps}:
            op = include  # if it does not fit this operand, try again next step
            planned = op.plan(draw, first[1])
        if planned is None:
            op = draw(st.sampled_from(order))
            planned = op.plan(draw, first[1])
        if planned is None:
            continue
        params, fresh = planned
        operands = [first]
        if op.binary:
            other = pool[draw(st.integers(0, len(pool) - 1))]
            if draw(st.booleans()) or not _broadcasts(first[1], other[1]):
                other = new_leaf(_broadcastable(draw, first[1]))
            operands.append(other)
            if draw(st.booleans()):
                operands.reverse()
        operands += [new_leaf(shape) for shape in fresh]
        shape = _shape_of(op, params, [s for _, s in operands])
        prog.steps.append((op.name, tuple(ref for ref, _ in operands), params))
        pool.append((("step", len(prog.steps) - 1), shape))
    assume(prog.steps)
    assume(include is None or include.name in {name for name, _, _ in prog.steps})
    return prog


# ------------------------------------------------------------ running them
def run(prog: Program, leaves, kind: str = "ours") -> list:
    """Evaluate ``prog`` on ``leaves`` (ours or torch tensors); return every step's result."""
    results = []
    for name, refs, params in prog.steps:
        op = OP_BY_NAME[name]
        args = [leaves[i] if where == "leaf" else results[i] for where, i in refs]
        results.append((op.ours if kind == "ours" else op.torch)(*args, **params))
    return results


def leaf_values(prog: Program, seed_offset: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(prog.seed + seed_offset)
    return [rng.uniform(-2.0, 2.0, size=shape) for shape in prog.leaves]


def smooth_values(prog: Program) -> list[np.ndarray]:
    """Leaf values at which every op is smooth and values stay moderate, or reject."""
    for attempt in range(5):
        leaves = leaf_values(prog, attempt)
        if _distance_to_trouble(prog, leaves) > MARGIN:
            return leaves
    assume(False)  # a kink built into the structure, e.g. relu(relu(x)) feeding a max
    raise AssertionError("unreachable")


def _distance_to_trouble(prog: Program, leaves) -> float:
    with np.errstate(all="ignore"):
        results = run(prog, [Tensor(a) for a in leaves])
    closest = np.inf
    for (name, refs, params), out in zip(prog.steps, results):
        if not np.all(np.abs(out.data) < LIMIT):
            return 0.0
        kinks = OP_BY_NAME[name].kinks
        if kinks is not None:
            args = [leaves[i] if where == "leaf" else results[i].data for where, i in refs]
            closest = min(closest, kinks(params, *args))
    return closest


def final(values):
    return values[-1]


# ------------------------------------------------------- checking, and breaking
def check_program(prog: Program) -> None:
    """Assert that ``prog``'s gradients match float64 central differences."""
    from micrograd_plus.autograd.gradcheck import gradient_check

    leaves = smooth_values(prog)
    result = gradient_check(lambda *ts: final(run(prog, ts)), *leaves)
    assert result.passed, str(result)


def _scalar_of(prog: Program, probe: np.ndarray):
    """``sum(final(prog) * probe)``: a scalar whose Hessian involves every output entry."""
    return lambda *ts: (final(run(prog, ts)) * probe).sum()


def _gradient(func, arrays) -> list[np.ndarray]:
    xs = [Tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    grads = mp.grad(func(*xs), xs, allow_unused=True)
    return [np.zeros_like(a) if g is None else g.data for g, a in zip(grads, arrays)]


def check_program_second_order(prog: Program, eps: float = 1e-5, torch_too: bool = True) -> None:
    """Assert ``prog``'s Hessian-vector products (:func:`~micrograd_plus.autograd.functional.hvp`)
    match central differences of its gradient and, when importable, PyTorch's ``hvp``.

    The scalar is ``sum(output * probe)`` for a random ``probe``, differentiated
    twice with respect to every leaf, along a random direction ``v`` (float64).
    """
    from micrograd_plus.autograd.functional import hvp

    # 0-d draws come back as Python floats, which Tensor() would make float32.
    leaves = [np.asarray(a, dtype=np.float64) for a in smooth_values(prog)]
    rng = np.random.default_rng(prog.seed + 7)
    with mp.no_grad():
        shape = final(run(prog, [Tensor(a) for a in leaves])).shape
    probe = np.asarray(rng.standard_normal(shape), dtype=np.float64)
    vs = [np.asarray(rng.standard_normal(a.shape), dtype=np.float64) for a in leaves]
    func = _scalar_of(prog, Tensor(probe))
    _, hv = hvp(func, tuple(Tensor(a) for a in leaves), tuple(Tensor(v) for v in vs))
    plus = _gradient(func, [a + eps * v for a, v in zip(leaves, vs)])
    minus = _gradient(func, [a - eps * v for a, v in zip(leaves, vs)])
    for i, (mine, p, m) in enumerate(zip(hv, plus, minus)):
        numeric = (p - m) / (2 * eps)
        scale = max(1.0, float(np.abs(numeric).max(initial=0.0)))
        if not np.allclose(mine.data, numeric, rtol=1e-4, atol=1e-5 * scale):
            raise AssertionError(
                f"second-order check FAIL: H v for leaf {i} differs from central differences "
                f"of the gradient\n ours    {mine.data.ravel()[:6]}\n numeric {numeric.ravel()[:6]}"
            )
    if torch_too:
        _torch_hvp_agrees(prog, leaves, probe, vs, hv)


def _torch_hvp_agrees(prog: Program, leaves, probe, vs, hv) -> None:
    try:
        import torch
    except ImportError:
        return

    def theirs(*ts):
        return (final(run(prog, ts, "torch")) * torch.tensor(probe)).sum()

    _, ref = torch.autograd.functional.hvp(
        theirs, tuple(torch.tensor(a) for a in leaves), tuple(torch.tensor(v) for v in vs)
    )
    for i, (mine, other) in enumerate(zip(hv, ref)):
        other = other.numpy()
        # Rounding scales with the vector's largest entries, not with each entry:
        # a small entry of a large H v may differ by 1e-10 with both sides right.
        atol = 1e-11 + 1e-9 * float(np.abs(other).max(initial=0.0))
        if not np.allclose(mine.data, other, rtol=1e-9, atol=atol):
            raise AssertionError(
                f"second-order check FAIL: H v for leaf {i} differs from torch's\n"
                f" ours  {mine.data.ravel()[:6]}\n torch {other.ravel()[:6]}"
            )


def _with_backward(out: Tensor, backward) -> Tensor:
    if out._backward is not None:
        out._backward = backward
    return out


def _overwriting_getitem(a, key):
    """Indexing whose gradient overwrites repeated indices instead of adding them."""
    from micrograd_plus.ops import shape

    index = shape.index_arrays(key)

    def backward(g):
        grad = np.zeros_like(a.data)
        grad[index] = g
        return (grad,)

    return _with_backward(shape.getitem(a, key), backward)


def _uncorrected_log_softmax(a, axis=-1):
    """Log-softmax whose gradient forgets the ``- softmax * sum(g)`` term."""
    from micrograd_plus.ops import softmax

    return _with_backward(softmax.log_softmax(a, axis), lambda g, *saved: (g,))


def _halved_maximum(a, b):
    """Elementwise maximum that sends back half the gradient it should."""
    from micrograd_plus.ops import elementwise

    out = elementwise.maximum(a, b)
    inner = out._backward
    return _with_backward(
        out, lambda g, *saved: tuple(None if x is None else x / 2 for x in inner(g, *saved))
    )


def _constant_factor_tanh(a):
    """tanh whose rule takes the *array* of the output it is handed for ``1 - tanh**2``
    (the NumPy-on-a-Tensor slip): first derivatives stay right, second ones lose a term."""
    from micrograd_plus.ops import elementwise

    def backward(g, t):
        t = np.asarray(t)  # under create_graph t is the output Tensor: this drops its graph
        return (g * (1 - t * t),)

    return _with_backward(elementwise.tanh(a), backward)


# Op name -> (Tensor attribute, a subtly wrong replacement).
MUTANTS = {
    "getitem": ("__getitem__", _overwriting_getitem),
    "log_softmax": ("log_softmax", _uncorrected_log_softmax),
    "maximum": ("maximum", _halved_maximum),
}
# Mutants that only second derivatives reveal (the first-order fuzzer passes them).
SECOND_ORDER_MUTANTS = {
    "tanh": ("tanh", _constant_factor_tanh),
}


@contextmanager
def broken(name: str):
    """Temporarily replace one op with a wrong version, to show the fuzzer notices."""
    attribute, fake = MUTANTS[name] if name in MUTANTS else SECOND_ORDER_MUTANTS[name]
    saved = getattr(Tensor, attribute)
    setattr(Tensor, attribute, fake)
    try:
        yield
    finally:
        setattr(Tensor, attribute, saved)
