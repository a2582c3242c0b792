"""torch's top-level functions (``torch.exp(x)``, ``torch.sum(x, dim=1)``...).

Each is the Tensor method of the same name, so it adds no op of its own: the
value and the gradient are the method's. Arguments that are not Tensors are
made tensors first (float32 unless they are floating arrays, as ``Tensor``).

Examples
--------
>>> import micrograd_plus as mp
>>> x = mp.tensor([1.0, 2.0], requires_grad=True)
>>> mp.sum(mp.exp(x) * 0).item(), mp.matmul(x, x).item()
(0.0, 5.0)
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from ..tensor import DEFAULT_DTYPE, Tensor
from .convert import as_dtype
from .creation import numpy_generator


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _method(name: str):
    def function(input, *args, **kwargs):  # noqa: A002 - torch's argument name
        return getattr(_as_tensor(input), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``torch.{name}(input, ...)``: the same as ``input.{name}(...)``."
    return function


_METHODS = (
    "exp",
    "log",
    "sqrt",
    "abs",
    "sigmoid",
    "tanh",
    "relu",
    "sum",
    "mean",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "var",
    "std",
    "clamp",
    "clip",
    "maximum",
    "minimum",
    "matmul",
    "transpose",
    "permute",
    "reshape",
    "flatten",
    "squeeze",
    "unsqueeze",
    "logsumexp",
    "norm",
    "chunk",
    "split",
    "flip",
    "gather",
    "masked_fill",
    "argsort",
    "sort",
    "topk",
    "cumsum",
    "square",
    "sign",
    "isnan",
    "isfinite",
    "isinf",
    "outer",
    "dot",
    "diag",
    "trace",
    "tril",
    "triu",
    "roll",
    "unbind",
    "narrow",
    "index_select",
    "t",
    "sin",
    "cos",
    "log1p",
    "floor",
    "round",
    "prod",
)
FUNCTIONS = {name: _method(name) for name in _METHODS}


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor, with ``torch.tensor``'s dtype inference.

    Python floats give float32, ints int64 and bools bool (``Tensor(...)``
    makes every non-float float32); a NumPy array or scalar keeps its dtype;
    an explicit ``dtype`` wins. The data is always copied.

    Examples
    --------
    >>> import micrograd_plus as mp
    >>> [mp.tensor(v).dtype.name for v in ([1.5], [1, 2], [True], 3)]
    ['float32', 'int64', 'bool', 'int64']
    """
    if device is not None:
        from .convert import check_device

        check_device(device)
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = as_dtype(dtype)
    elif not isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
        kind = array.dtype.kind
        dtype = DEFAULT_DTYPE if kind == "f" else np.dtype(np.int64) if kind in "iu" else None
    array = np.array(data, dtype=dtype)  # a copy, as torch.tensor
    return Tensor(array, requires_grad=requires_grad, dtype=array.dtype)


def einsum(equation: str, *operands) -> Tensor:
    """Sums of products named by subscripts, as ``torch.einsum`` (``"ij,jk->ik"``).

    Each operand is permuted and reshaped onto one common axis order, the
    operands are multiplied (broadcasting) and the letters missing from the
    output are summed: differentiable through those ops, with no rule of its
    own. ``...`` stands for the dims no letter names, aligned from the right
    and broadcast across operands (``"...ij,...jk->...ik"``); without ``->``
    they lead the output, as in torch. It forms the whole product before
    summing, so for a large matrix product ``matmul`` is faster. Not
    supported: a letter repeated within one operand (a diagonal; use ``diag``
    first).

    Examples
    --------
    >>> import micrograd_plus as mp
    >>> a = mp.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> mp.einsum("ij,jk->ik", a, a).tolist(), mp.einsum("ij->", a).item()
    ([[7.0, 10.0], [15.0, 22.0]], 10.0)
    >>> mp.einsum("...j,...j->...", a, a).tolist()
    [5.0, 25.0]
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = tuple(_as_tensor(t) for t in operands)
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise ValueError(
            f"einsum: {equation!r} names {len(terms)} operands but {len(operands)} were given"
        )
    dots = _ellipsis_letters(equation, terms, operands)
    terms = [_spell_ellipsis(term, t.ndim, dots) for term, t in zip(terms, operands)]
    letters = sorted(set("".join(terms)) - set(dots))
    if arrow:
        output = _spell_ellipsis(output, None, dots)
    else:  # implicit output: '...' first, then the letters used once, alphabetically
        output = dots + "".join(c for c in letters if inputs.count(c) == 1)
    order = list(output) + [c for c in dots + "".join(letters) if c not in output]
    product = None
    for term, operand in zip(terms, operands):
        factor = _einsum_operand(term, operand, order)
        product = factor if product is None else product * factor
    summed = tuple(range(len(output), len(order)))
    return product.sum(axis=summed) if summed else product


def _ellipsis_letters(equation: str, terms: list, operands: tuple) -> str:
    """Fresh letters for the most dims any operand's ``...`` stands for (terms checked)."""
    for term in terms + [equation.partition("->")[2]]:
        named = term.replace("...", "", 1)
        if "." in named:
            raise ValueError(f"einsum: {term!r} has a '.' that is not one '...'")
        if term in terms and len(set(named)) != len(named):
            raise NotImplementedError(
                f"einsum: {term!r} repeats a letter within one operand (a diagonal); take "
                "it first with diag() or indexing"
            )
    widths = [t.ndim - (len(term) - 3) for term, t in zip(terms, operands) if "..." in term]
    if any(w < 0 for w in widths):
        raise ValueError(
            f"einsum: {equation!r} names more dims than an operand has, besides its '...'"
        )
    free = [c for c in map(chr, range(ord("A"), ord("z") + 1)) if c.isalpha()]
    free = [c for c in free if c not in equation]
    return "".join(free[: max(widths, default=0)])


def _spell_ellipsis(term: str, ndim, dots: str) -> str:
    """``term`` with ``...`` replaced by the last of ``dots`` it covers (all in the output)."""
    if "..." not in term:
        return term
    width = len(dots) if ndim is None else ndim - (len(term) - 3)
    return term.replace("...", dots[len(dots) - width :])


def _einsum_operand(term: str, t: Tensor, order: list) -> Tensor:
    """``t`` with its axes in ``order`` and a length-1 axis for each letter it lacks."""
    if len(set(term)) != len(term):
        raise NotImplementedError(
            f"einsum: {term!r} repeats a letter within one operand (a diagonal); take it "
            "first with diag() or indexing"
        )
    if len(term) != t.ndim:
        raise ValueError(
            f"einsum: subscripts {term!r} name {len(term)} dims, the operand has {t.ndim}"
        )
    present = [c for c in order if c in term]
    if present != list(term):
        t = t.permute(*[term.index(c) for c in present])
    return t.reshape([t.shape[present.index(c)] if c in term else 1 for c in order])


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory and dtype (``torch.from_numpy``)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"from_numpy expects a NumPy array, got {type(array).__name__}; use tensor(data)"
        )
    return Tensor(array, dtype=array.dtype)


def mm(input: Tensor, mat2) -> Tensor:  # noqa: A002 - torch's argument name
    """The product of two matrices (2-D only, as ``torch.mm``; :func:`matmul` broadcasts)."""
    return _fixed_rank_product("mm", 2, _as_tensor(input), _as_tensor(mat2))


def bmm(input: Tensor, mat2) -> Tensor:  # noqa: A002 - torch's argument name
    """Batched matrix products of two 3-D tensors (``torch.bmm``)."""
    return _fixed_rank_product("bmm", 3, _as_tensor(input), _as_tensor(mat2))


def _fixed_rank_product(op: str, ndim: int, a: Tensor, b: Tensor) -> Tensor:
    if a.ndim != ndim or b.ndim != ndim:
        raise RuntimeError(
            f"{op} needs two {ndim}-D tensors, got shapes {a.shape} and {b.shape}; use "
            "matmul (or @) for other shapes, it broadcasts"
        )
    if ndim == 3 and a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"bmm needs equal batch sizes, got {a.shape[0]} and {b.shape[0]}; use matmul "
            "to broadcast a batch of 1"
        )
    return a @ b


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (float32)."""
    dtype = DEFAULT_DTYPE if dtype is None else as_dtype(dtype)
    data = np.linspace(start, end, int(steps), dtype=np.float64).astype(dtype)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def randint(low, high=None, size=None, *, generator=None, dtype=None, requires_grad=False):
    """Random integers in ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``.

    int64 unless ``dtype`` says otherwise, from NumPy's global generator (seeded by
    :func:`manual_seed`), or from ``generator`` (a ``np.random.Generator``).
    """
    if size is None:  # randint(high, size), torch's short form
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint needs a size, e.g. randint(10, (3,)) or randint(0, 10, (3,))")
    size = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    rng = numpy_generator(generator)
    sample = np.random.randint if rng is None else rng.integers
    data = sample(low, high, size=size).astype(np.int64 if dtype is None else as_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad, dtype=data.dtype)


def randperm(n: int, *, generator=None, dtype=None) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64), as ``torch.randperm``."""
    rng = np.random if generator is None else numpy_generator(generator)
    data = rng.permutation(int(n)).astype(np.int64 if dtype is None else as_dtype(dtype))
    return Tensor(data, dtype=data.dtype)


def manual_seed(seed: int) -> None:
    """Seed the generators every random op here uses (Python's and NumPy's global ones).

    The same seed gives the same numbers run after run, but not torch's numbers:
    the generators differ.
    """
    from ..utils.notebook import set_seed

    set_seed(int(seed))


class CallableModule(ModuleType):
    """The module ``micrograd_plus.tensor``, callable as :func:`tensor` (``mp.tensor(data)``).

    ``mp.tensor`` is both torch's function and the module that defines ``Tensor``, so
    ``import micrograd_plus.tensor`` and ``from micrograd_plus.tensor import Tensor``
    keep working.
    """

    def __call__(self, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
