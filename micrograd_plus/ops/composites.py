"""Tensor methods that torch has and that are built from the other ops.

None of them has a backward rule of its own: each is a few differentiable ops
(indexing, ``where``, ``broadcast_to``, sums...), so gradients of every order
come from those ops. ``t.add(other)`` and the comparisons are the operators
spelled as methods; ``&``, ``|``, ``~`` and ``//`` are steps with no gradient.

Examples
--------
>>> from micrograd_plus import Tensor
>>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> [c.shape for c in x.chunk(2, dim=1)], x.t().tolist(), x.flip(0)[0].tolist()
([(2, 1), (2, 1)], [[1.0, 3.0], [2.0, 4.0]], [3.0, 4.0])
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor, promote
from . import arithmetic, elementwise, reduce, shape
from ._broadcast import normalize_axis
from .grad_fn import grad_fn


# ------------------------------------------------------------ operators as methods
def add(a: Tensor, other, *, alpha=1) -> Tensor:
    """``a + alpha * other``, as ``torch.add``."""
    return arithmetic.add(a, other if alpha == 1 else other * alpha)


def sub(a: Tensor, other, *, alpha=1) -> Tensor:
    """``a - alpha * other``, as ``torch.sub``."""
    return arithmetic.sub(a, other if alpha == 1 else other * alpha)


def mul(a: Tensor, other) -> Tensor:
    return arithmetic.mul(a, other)


def div(a: Tensor, other, *, rounding_mode=None) -> Tensor:
    """``a / other``; ``rounding_mode="floor"`` or ``"trunc"`` rounds (no gradient)."""
    if rounding_mode is None:
        return arithmetic.div(a, other)
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(
            f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}"
        )
    x, y = promote(a, other)
    rounded = np.floor_divide if rounding_mode == "floor" else _trunc_divide
    return Tensor._make(np.asarray(rounded(x.data, y.data)))


def _trunc_divide(x, y):
    if x.dtype.kind != "f":  # promote() made y integral too, or bool
        return _integer_trunc_divide(x, y)
    return np.trunc(x / y)


def floordiv(a: Tensor, other) -> Tensor:
    """``a // other`` (floor division; a step, so no gradient: torch has none either)."""
    return div(a, other, rounding_mode="floor")


def rfloordiv(a: Tensor, other) -> Tensor:
    x, y = promote(a, other)
    return Tensor._make(np.asarray(np.floor_divide(y.data, x.data)))


def remainder(a: Tensor, other) -> Tensor:
    """``a % other`` with the divisor's sign (Python's and torch's ``remainder``).

    ``a - other * floor(a / other)`` with the floor held constant: the gradient
    is 1 for ``a`` and ``-floor(a / other)`` for ``other``, as torch's.
    """
    x, y = promote(a, other)
    if x.data.dtype.kind != "f":
        return Tensor._make(np.asarray(np.mod(x.data, y.data)))
    quotient = Tensor._make(np.floor(x.data / y.data))
    return x - y * quotient


def rremainder(a: Tensor, other) -> Tensor:
    x, y = promote(a, other)
    return remainder(y, x)


def _bitwise(numpy_op, symbol: str):
    def method(a: Tensor, other) -> Tensor:
        x, y = promote(a, other)
        _check_integral(symbol, x, y)
        return Tensor._make(np.asarray(numpy_op(x.data, y.data)))

    method.__name__ = numpy_op.__name__
    return method


def _check_integral(symbol: str, *tensors: Tensor) -> None:
    for t in tensors:
        if t.data.dtype.kind not in "biu":
            raise TypeError(
                f"'{symbol}' works on bool and integer tensors (as torch), got {t.data.dtype}; "
                "compare first, e.g. (x > 0) & (x < 1)"
            )


bitwise_and = _bitwise(np.bitwise_and, "&")
bitwise_or = _bitwise(np.bitwise_or, "|")
bitwise_xor = _bitwise(np.bitwise_xor, "^")


def invert(a: Tensor) -> Tensor:
    """``~a``: logical not of a bool tensor, bitwise not of an integer one."""
    _check_integral("~", a)
    return Tensor._make(np.asarray(np.invert(a.data)))


def _compare(name: str):
    def method(a: Tensor, other) -> Tensor:
        return getattr(a, name)(other)

    return method


# ------------------------------------------------------------ shapes
def t(a: Tensor) -> Tensor:
    """The transpose of a matrix; a 0-D or 1-D tensor is returned as it is (torch)."""
    if a.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, got {a.ndim}; use "
            "transpose(dim0, dim1) or mT"
        )
    return a if a.ndim < 2 else shape.transpose(a, 0, 1)


def expand(a: Tensor, *sizes) -> Tensor:
    """Repeat along new or length-1 dims to ``sizes`` (``-1`` keeps a dim), as torch."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    lead = len(sizes) - a.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes ({len(sizes)}) must be at least the number of "
            f"dims ({a.ndim}); pass one size per dim, -1 to keep one"
        )
    target = tuple(a.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
    return shape.broadcast_to(a, target)


def expand_as(a: Tensor, other: Tensor) -> Tensor:
    return shape.broadcast_to(a, other.shape)


def contiguous(a: Tensor, memory_format=None) -> Tensor:
    """``a`` itself: every array here is laid out as NumPy keeps it (torch returns self too)."""
    return a


def repeat(a: Tensor, *sizes) -> Tensor:
    """Tile ``a`` ``sizes[i]`` times along dim ``i`` (torch's ``repeat``, NumPy's ``tile``)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if len(sizes) < a.ndim:
        raise RuntimeError(f"repeat: give at least one count per dim ({a.ndim}), got {len(sizes)}")
    x = a.reshape((1,) * (len(sizes) - a.ndim) + a.shape)
    # (n0, n1) repeated (r0, r1) is (1, n0, 1, n1) broadcast to (r0, n0, r1, n1).
    spread = x.reshape(tuple(v for n in x.shape for v in (1, n)))
    full = shape.broadcast_to(spread, tuple(v for r, n in zip(sizes, x.shape) for v in (r, n)))
    return full.reshape(tuple(r * n for r, n in zip(sizes, x.shape)))


def flip(a: Tensor, dims) -> Tensor:
    """Reverse the order along ``dims`` (an int or a sequence), as ``torch.flip``."""
    axes = normalize_axis(dims, a.ndim)
    return a[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(a.ndim))]


def _sections(a: Tensor, sizes: list, dim: int) -> tuple:
    (ax,) = normalize_axis(dim, a.ndim)
    lead = (slice(None),) * ax
    bounds = np.cumsum([0, *sizes])
    return tuple(a[(*lead, slice(int(s), int(e)))] for s, e in zip(bounds[:-1], bounds[1:]))


def split(a: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or the given sizes."""
    (ax,) = normalize_axis(dim, a.ndim)
    n = a.shape[ax]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {size}")
        return _sections(a, [min(size, n - s) for s in range(0, n, size)] or [0], ax)
    sizes = [int(s) for s in split_size_or_sections]
    if sum(sizes) != n:
        raise RuntimeError(
            f"split: the sections {sizes} add up to {sum(sizes)}, but dim {dim} has size {n}"
        )
    return _sections(a, sizes, ax)


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of ``ceil(n / chunks)`` along ``dim``, as ``torch.chunk``."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects chunks to be greater than 0, got {chunks}")
    (ax,) = normalize_axis(dim, a.ndim)
    return split(a, max(1, math.ceil(a.shape[ax] / chunks)), ax)


# ------------------------------------------------------------ indexing
def gather(a: Tensor, dim: int, index) -> Tensor:
    """``out[i][j] = a[index[i][j]][j]`` for ``dim=0`` (and so on), as ``torch.gather``.

    Indexing with arrays, so the gradient is a scatter-add (repeated indices sum).
    """
    idx = np.asarray(index.data if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"gather(): index must be an integer tensor, got {idx.dtype}")
    if idx.ndim != a.ndim:
        raise RuntimeError(
            f"gather(): index has {idx.ndim} dims but the input has {a.ndim}; they must match"
        )
    (ax,) = normalize_axis(dim, a.ndim)
    grid = list(np.ogrid[tuple(slice(n) for n in idx.shape)])
    grid[ax] = idx
    return a[tuple(grid)]


def masked_fill(a: Tensor, mask, value) -> Tensor:
    """``value`` where ``mask`` is True, ``a`` elsewhere (the gradient flows where False)."""
    mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if mask.dtype != np.bool_:
        raise RuntimeError(
            f"masked_fill only supports boolean masks, got {mask.dtype}; pass mask.bool() "
            "or a comparison such as x > 0"
        )
    return elementwise.where(mask, value, a)


# ------------------------------------------------------------ sorting and scans
def argsort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``a`` along ``dim`` (int64; an index has no gradient).

    NumPy's stable sort is used either way; ties keep their order.
    """
    (ax,) = normalize_axis(dim, max(a.ndim, 1))
    x = a.data.reshape(1) if a.ndim == 0 else a.data
    order = np.argsort(-x if descending else x, axis=ax, kind="stable")
    return Tensor._make(np.asarray(order.reshape(a.shape), dtype=np.int64))


class SortResult(tuple):
    """``t.sort()``: the sorted ``values`` and their ``indices`` (torch.return_types.sort)."""

    __slots__ = ()

    def __new__(cls, values: Tensor, indices: Tensor):
        return super().__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])


def sort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """Sorted values along ``dim`` and their indices; the values pass the gradient back
    to where each came from (a :func:`gather`)."""
    indices = argsort(a, dim, descending)
    return SortResult(gather(a, dim, indices) if a.ndim else a, indices)


def topk(a: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim`` and their indices, as torch."""
    (ax,) = normalize_axis(dim, a.ndim)
    if not 0 <= k <= a.shape[ax]:
        raise RuntimeError(f"topk: k={k} is out of range for dim {dim} of size {a.shape[ax]}")
    indices = argsort(a, ax, descending=largest)
    keep = (slice(None),) * ax + (slice(0, k),)
    indices = Tensor._make(np.ascontiguousarray(indices.data[keep]))
    return SortResult(gather(a, ax, indices), indices)


def cumsum(a: Tensor, dim: int, dtype=None) -> Tensor:
    """Running sums along ``dim``: a product with a triangle of ones, so the gradient
    (the reversed running sum) comes from ``matmul``."""
    x = a if dtype is None else a.to(dtype)
    if x.data.dtype.kind != "f":
        x = x.to(np.int64 if x.data.dtype.kind in "biu" else x.data.dtype)
        return Tensor._make(np.cumsum(x.data, axis=dim))
    (ax,) = normalize_axis(dim, x.ndim)
    n = x.shape[ax]
    last = shape.transpose(x, ax, -1) if ax != x.ndim - 1 else x
    summed = last @ Tensor._make(np.triu(np.ones((n, n), dtype=x.data.dtype)))
    return shape.transpose(summed, ax, -1) if ax != x.ndim - 1 else summed


# ------------------------------------------------------------ reductions
def logsumexp(a: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(a)))`` over ``dim``, shifted by the maximum so it never overflows.

    The shift is held constant, so the gradient is the softmax along ``dim``.
    """
    x = a if a.data.dtype.kind == "f" else a.float()
    axes = normalize_axis(dim, x.ndim)
    peak = np.max(x.data, axis=axes, keepdims=True) if x.data.size else np.zeros(())
    peak = np.where(np.isfinite(peak), peak, 0).astype(x.data.dtype)
    total = reduce.sum(elementwise.exp(x - peak), axis=axes, keepdims=True)
    out = elementwise.log(total) + peak
    return out if keepdim else out.reshape([n for i, n in enumerate(out.shape) if i not in axes])


def norm(a: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """The ``p``-norm over ``dim`` (all elements by default), as ``Tensor.norm``.

    ``p`` is ``"fro"`` or 2 (Euclidean; the gradient at 0 is 0, as torch's), 1,
    ``inf``/``-inf`` (largest/smallest magnitude) or another positive number.
    """
    x = a if dtype is None else a.to(dtype)
    axes = normalize_axis(dim, x.ndim)
    if p in ("fro", 2, 2.0):
        return reduce.sqrt_or_zero(reduce.sum(x * x, axis=axes, keepdims=keepdim))
    magnitude = elementwise.abs(x)
    if p in (1, 1.0):
        return reduce.sum(magnitude, axis=axes, keepdims=keepdim)
    if p in (math.inf, "inf"):
        return reduce.amax(magnitude, axis=axes, keepdims=keepdim)
    if p in (-math.inf, "-inf"):
        return reduce.amin(magnitude, axis=axes, keepdims=keepdim)
    if isinstance(p, (int, float)) and p > 0:
        return _root(reduce.sum(_power(magnitude, p), axis=axes, keepdims=keepdim), p)
    raise ValueError(f"norm: p must be 'fro', inf, -inf or a positive number, got {p!r}")


def _root(total: Tensor, p) -> Tensor:
    """``total ** (1 / p)`` whose gradient at 0 is 0 (torch's norm), not inf * 0."""
    zero = total.data == 0
    if not zero.any():
        return total ** (1 / p)
    return elementwise.where(zero, 1.0, total) ** (1 / p) * ~zero


# ------------------------------------------------------------ more of torch's vocabulary
def _step(numpy_fn):
    """A function with no gradient (a step or a test), applied to the values."""

    def method(a: Tensor) -> Tensor:
        return Tensor._make(np.asarray(numpy_fn(a.data)))

    method.__name__ = numpy_fn.__name__
    return method


def _like(numpy_fn):
    """``t.new_zeros(shape)`` and friends: ``t``'s dtype unless told otherwise."""

    def method(a: Tensor, *size, dtype=None, requires_grad: bool = False) -> Tensor:
        size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        data = numpy_fn(size, dtype=a.data.dtype if dtype is None else _dtype(dtype))
        return Tensor(data, requires_grad=requires_grad, dtype=data.dtype)

    return method


def _dtype(spec):
    from .convert import as_dtype

    return as_dtype(spec)


def new_tensor(a: Tensor, data, dtype=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding ``data``, of ``a``'s dtype unless told otherwise (a copy)."""
    array = np.array(data, dtype=a.data.dtype if dtype is None else _dtype(dtype))
    return Tensor(array, requires_grad=requires_grad, dtype=array.dtype)


def unbind(a: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim``, that dim removed (each passes its gradient back)."""
    (ax,) = normalize_axis(dim, a.ndim)
    lead = (slice(None),) * ax
    return tuple(a[(*lead, i)] for i in range(a.shape[ax]))


def narrow(a: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` entries of ``dim`` from ``start`` (a slice)."""
    (ax,) = normalize_axis(dim, a.ndim)
    start = _narrow_start(a.shape[ax], start, length)
    return a[(slice(None),) * ax + (slice(start, start + length),)]


def index_select(a: Tensor, dim: int, index) -> Tensor:
    """The entries at ``index`` (1-D integers) along ``dim``; repeats add their gradients."""
    idx = np.asarray(index.data if isinstance(index, Tensor) else index)
    if idx.ndim > 1 or idx.dtype.kind not in "iu":
        raise RuntimeError("index_select(): index must be a 1-D integer tensor")
    (ax,) = normalize_axis(dim, a.ndim)
    return a[(slice(None),) * ax + (idx.reshape(-1),)]


def _triangle(numpy_fn):
    def method(a: Tensor, diagonal: int = 0) -> Tensor:
        if a.ndim < 2:
            raise RuntimeError(f"{numpy_fn.__name__}: the input must have at least 2 dims")
        keep = numpy_fn(np.ones(a.shape[-2:], dtype=bool), diagonal)
        return elementwise.where(keep, a, 0)

    method.__name__ = numpy_fn.__name__
    return method


def outer(a: Tensor, vec2) -> Tensor:
    """The outer product of two 1-D tensors."""
    return a.reshape(-1, 1) * vec2.reshape(1, -1)


def dot(a: Tensor, other) -> Tensor:
    """The dot product of two 1-D tensors of one length (torch's ``dot``)."""
    if a.ndim != 1 or other.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {a.ndim}D and {other.ndim}D tensors; use matmul"
        )
    return a @ other


def diag(a: Tensor, diagonal: int = 0) -> Tensor:
    """The ``diagonal``-th diagonal of a matrix, or the matrix with a vector on it."""
    if a.ndim == 1:
        n = a.shape[0] + abs(diagonal)
        rows = np.arange(a.shape[0]) + max(-diagonal, 0)
        cols = np.arange(a.shape[0]) + max(diagonal, 0)
        place = np.zeros((n, a.shape[0]), dtype=a.data.dtype)
        place[rows, np.arange(a.shape[0])] = 1
        spread = np.zeros((a.shape[0], n), dtype=a.data.dtype)
        spread[np.arange(a.shape[0]), cols] = 1
        return Tensor._make(place) @ (a.reshape(-1, 1) * Tensor._make(spread))
    if a.ndim != 2:
        raise RuntimeError(f"diag(): expected a 1-D or 2-D tensor, got {a.ndim}-D")
    rows, cols = np.nonzero(np.eye(*a.shape, k=diagonal, dtype=bool))
    return a[rows, cols]


def trace(a: Tensor) -> Tensor:
    """The sum of a matrix's diagonal."""
    if a.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got a {a.ndim}-D tensor")
    return reduce.sum(diag(a))


def roll(a: Tensor, shifts, dims=None) -> Tensor:
    """Entries moved ``shifts`` places along ``dims`` (wrapping round), as ``torch.roll``."""
    if dims is None:
        return roll(a.reshape(-1), shifts, 0).reshape(a.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    out = a
    for shift, dim in zip(shifts, dims):
        (ax,) = normalize_axis(dim, a.ndim)
        order = np.roll(np.arange(a.shape[ax]), shift)
        out = out[(slice(None),) * ax + (order,)]
    return out


COMPOSITE_METHODS = {
    "add": add,
    "sub": sub,
    "subtract": sub,
    "mul": mul,
    "multiply": mul,
    "div": div,
    "divide": div,
    "true_divide": arithmetic.div,
    "floor_divide": floordiv,
    "remainder": remainder,
    "__floordiv__": floordiv,
    "__rfloordiv__": rfloordiv,
    "__mod__": remainder,
    "__rmod__": rremainder,
    "__and__": bitwise_and,
    "__rand__": bitwise_and,
    "__or__": bitwise_or,
    "__ror__": bitwise_or,
    "__xor__": bitwise_xor,
    "__rxor__": bitwise_xor,
    "__invert__": invert,
    "logical_not": lambda a: Tensor._make(np.logical_not(a.data)),
    "__abs__": elementwise.abs,
    "absolute": elementwise.abs,
    "neg": arithmetic.neg,
    "negative": arithmetic.neg,
    "eq": _compare("__eq__"),
    "ne": _compare("__ne__"),
    "gt": _compare("__gt__"),
    "lt": _compare("__lt__"),
    "ge": _compare("__ge__"),
    "le": _compare("__le__"),
    "t": t,
    "expand": expand,
    "expand_as": expand_as,
    "contiguous": contiguous,
    "repeat": repeat,
    "flip": flip,
    "split": split,
    "chunk": chunk,
    "gather": gather,
    "masked_fill": masked_fill,
    "logsumexp": logsumexp,
    "argsort": argsort,
    "sort": sort,
    "topk": topk,
    "cumsum": cumsum,
    "norm": norm,
    "grad_fn": property(grad_fn),
    "square": lambda a: a * a,
    "sign": _step(np.sign),
    "isnan": _step(np.isnan),
    "isfinite": _step(np.isfinite),
    "isinf": _step(np.isinf),
    "type_as": lambda a, other: a.to(other.dtype),
    "view_as": lambda a, other: a.reshape(other.shape),
    "reshape_as": lambda a, other: a.reshape(other.shape),
    "new_zeros": _like(np.zeros),
    "new_ones": _like(np.ones),
    "new_tensor": new_tensor,
    "unbind": unbind,
    "narrow": narrow,
    "index_select": index_select,
    "tril": _triangle(np.tril),
    "triu": _triangle(np.triu),
    "outer": outer,
    "dot": dot,
    "diag": diag,
    "trace": trace,
    "roll": roll,
    "cpu": lambda a: a,
    "is_floating_point": lambda a: a.data.dtype.kind == "f",
    "element_size": lambda a: a.data.itemsize,
    "nbytes": property(lambda a: a.data.nbytes),
}


def _narrow_start(size: int, start: int, length: int) -> int:
    """``narrow``'s ``start`` as an index from 0, checked as torch checks it."""
    if not -size <= start <= size:
        raise IndexError(
            f"narrow: start {start} is out of range for a dim of size {size}; "
            f"use a start from {-size} to {size}"
        )
    start = start + size if start < 0 else start
    if length < 0 or start + length > size:
        raise RuntimeError(
            f"narrow: length {length} from start {start} does not fit a dim of size {size}; "
            f"use a length from 0 to {size - start}"
        )
    return start


def _power(magnitude: Tensor, p) -> Tensor:
    """``magnitude ** p`` whose gradient at 0 is 0, as torch's norm's (for ``p < 1`` the
    power's own is inf there, and inf * 0 would make it nan)."""
    zero = magnitude.data == 0
    if not zero.any():
        return magnitude**p
    return elementwise.where(zero, 0.0, elementwise.where(zero, 1.0, magnitude) ** p)


def _integer_trunc_divide(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x / y`` rounded toward zero, for integer or bool arrays, in their common dtype."""
    x, y = (v.astype(np.result_type(x, y), copy=False) for v in (x, y))  # np.sign has no bool
    return (np.abs(x) // np.abs(y)) * np.sign(x) * np.sign(y)
