"""The reverse-mode engine: grad mode, anomaly mode and the backward pass.

A tensor produced by an op remembers its ``_parents`` and a ``_backward``
function that maps the gradient of the output to the gradients of the parents
(one entry per parent, ``None`` where a parent needs no gradient).
:func:`backward` walks it from the output back to the leaves without
recursion, newest node first, accumulating into ``.grad`` of the leaves.
"""

from __future__ import annotations

import functools
import heapq
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..tensor import Tensor


class _Switches:
    """Process-wide switches, read on every op, so kept as plain attributes.

    They live on an instance, not on the class: assigning a class attribute
    invalidates CPython's attribute caches, which made entering and leaving
    ``no_grad()`` cost more than several ops.
    """

    __slots__ = ("grad_enabled", "anomaly", "inplace_stamp")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        # The creation number of the latest in-place change to any tensor: a node
        # numbered above it cannot have seen one of its arrays change.
        self.inplace_stamp = 0


_State = _Switches()


class _GradMode:
    """Context manager and decorator that sets grad mode, restoring it on exit."""

    __slots__ = ("enabled", "_saved")

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._saved: list[bool] = []

    def __enter__(self):
        self._saved.append(_State.grad_enabled)
        _State.grad_enabled = self.enabled
        return self

    def __exit__(self, *exc):
        _State.grad_enabled = self._saved.pop()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with _GradMode(self.enabled):
                return func(*args, **kwargs)

        return wrapper


def no_grad() -> _GradMode:
    """Record no graph inside the block (or the decorated function).

    Use it for evaluation and for updating parameters by hand: the results
    have ``requires_grad=False`` and hold no references to their inputs.

    Examples
    --------
    >>> from micrograd_plus import Tensor, no_grad
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """
    return _GradMode(False)


def enable_grad() -> _GradMode:
    """Record the graph again inside a :func:`no_grad` block."""
    return _GradMode(True)


def is_grad_enabled() -> bool:
    """Whether ops currently record the graph."""
    return _State.grad_enabled


@contextmanager
def detect_anomaly():
    """Raise at the first op whose forward or backward produces NaN or Inf.

    Checking every array costs time, so this is a debugging aid, off by default.

    Examples
    --------
    >>> from micrograd_plus import Tensor, detect_anomaly
    >>> x = Tensor([0.0], requires_grad=True)
    >>> with detect_anomaly():
    ...     try:
    ...         x.log()
    ...     except FloatingPointError as err:
    ...         print(str(err).split(":")[0])
    forward of 'log' produced non-finite values
    """
    saved = _State.anomaly
    _State.anomaly = True
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            yield
    finally:
        _State.anomaly = saved


def check_finite(array: np.ndarray, what: str, op: str) -> None:
    """Raise ``FloatingPointError`` naming ``op`` if ``array`` holds NaN or Inf."""
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "Inf"
        raise FloatingPointError(
            f"{what} of {op!r} produced non-finite values: first {bad} found there. "
            "Look at that op's inputs (log of 0, division by 0, overflow in exp)."
        )


def _freed(_grad):
    raise RuntimeError(
        "Trying to backward through the graph a second time: its saved arrays were "
        "released after the first backward(). Call backward(retain_graph=True) the first "
        "time if you need to backpropagate through the same graph again."
    )


def topological_order(root: Tensor) -> list[Tensor]:
    """Return the non-leaf nodes behind ``root``, each after all nodes that use it.

    Uses an explicit stack, so a chain of any length is fine (a recursive
    sort dies at Python's recursion limit of about 1,000 nodes).
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if parent._parents and id(parent) not in visited:
                stack.append((parent, False))
    order.reverse()
    return order


class Fresh(tuple):
    """The gradients a backward function has just computed into new arrays and
    keeps no reference to: ``return Fresh((ga, gb))``.

    The engine may then give them to leaf tensors as ``.grad`` as they are,
    without the defensive copy a plain tuple gets (a weight's gradient can be
    megabytes, copied on every step).
    """

    __slots__ = ()


class HookHandle:
    """What ``Tensor.register_hook`` returns: ``handle.remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "id")
    _next_id = 0

    def __init__(self, hooks: dict, hook) -> None:
        HookHandle._next_id += 1
        self.id = HookHandle._next_id
        self._hooks = hooks
        hooks[self.id] = hook

    def remove(self) -> None:
        self._hooks.pop(self.id, None)


def _run_hooks(tensor: Tensor, grad: np.ndarray) -> np.ndarray:
    """Pass ``grad`` through the tensor's hooks in order; each may replace it."""
    for hook in tuple(tensor._hooks.values()):
        new = hook(grad)
        if new is None:
            continue
        if not isinstance(new, np.ndarray):
            new = getattr(new, "data", new)  # a Tensor: its array
        new = np.asarray(new, dtype=tensor.data.dtype)
        if new.shape != grad.shape:
            raise RuntimeError(
                f"a hook returned a gradient of shape {new.shape} for a gradient of shape "
                f"{grad.shape}; return an array of the same shape, or None to keep it"
            )
        grad = new
    return grad


# Ops whose backward reads no array of their inputs or output (only shapes), so
# an in-place change after them cannot corrupt their gradient (as torch, which
# saves nothing for them).
_READS_NO_ARRAYS = frozenset(
    ("add", "sub", "neg", "sum", "mean", "reshape", "transpose", "permute", "getitem")
    + ("concatenate", "stack", "clone", "to")
)


def _check_versions(node: Tensor) -> None:
    """Raise if an array this node's backward reads changed in place after it was recorded."""
    if node._op in _READS_NO_ARRAYS:
        return
    seq = node._seq
    if node._version > seq or any(p._version > seq for p in node._parents):
        raise RuntimeError(
            f"one of the tensors needed for gradient computation has been modified by an "
            f"in-place operation after the graph was recorded (it is an input or the output "
            f"of the {node._op!r} node). Update tensors in place only after backward(), or "
            "write the change out of place (x = x + ...) so the graph keeps the old values"
        )


def _accumulate_leaf(leaf: Tensor, grad: np.ndarray, fresh: bool = False) -> None:
    data = leaf.data
    if grad.shape != data.shape:
        grad = np.broadcast_to(grad, data.shape)
        fresh = False
    if leaf.grad is None:
        # Copy unless fresh: ``grad`` may be a view shared with other nodes or the user.
        total = grad if fresh and grad.dtype is data.dtype else grad.astype(data.dtype)
    elif grad.dtype is data.dtype:  # the usual case: no cast, not even a no-op one
        total = leaf.grad + grad
    else:
        total = leaf.grad + grad.astype(data.dtype)
    # Arithmetic on 0-d arrays returns NumPy scalars; a gradient is always an array
    # (optimizers update their state in place).
    leaf.grad = total if total.__class__ is np.ndarray else np.asarray(total)


def backward(root: Tensor, gradient: np.ndarray, retain_graph: bool = False) -> None:
    """Propagate ``gradient`` (d output / d root) back to every leaf behind ``root``.

    Every recorded node carries a creation number ``_seq``, and a node is always
    created after its inputs. Visiting nodes from the highest number down is
    therefore a valid reverse topological order: a max-heap of the nodes that
    have received a gradient replaces a separate graph sort, visits only the
    nodes that matter, and lets each node (and the arrays its backward saved)
    go as soon as it has been processed.
    """
    if root._backward is None:  # a leaf: its gradient is the seed itself
        _accumulate_leaf(root, _run_hooks(root, gradient) if root._hooks else gradient)
        return
    # Tensors hash by identity, so they key the dict without id() calls.
    grads: dict = {root: gradient}
    hooked_leaves: dict = {}
    heap = [(-root._seq, root)]
    anomaly = _State.anomaly
    stamp = _State.inplace_stamp
    push, pop = heapq.heappush, heapq.heappop
    while heap:
        node = pop(heap)[1]
        grad = grads.pop(node)
        if stamp > node._seq:
            _check_versions(node)
        if node._hooks:
            grad = _run_hooks(node, grad)
        if node._retains_grad:
            _accumulate_leaf(node, grad)
        parents = node._parents
        parent_grads = node._backward(grad)
        fresh = type(parent_grads) is Fresh
        if not retain_graph:
            # Dropping the closure frees the arrays it saved for this backward.
            node._backward = _freed
            node._parents = ()
        for parent, pgrad in zip(parents, parent_grads):
            if pgrad is None or not parent.requires_grad:
                continue
            if anomaly:
                check_finite(pgrad, "backward", node._op)
            if parent._parents:
                seen = grads.get(parent)
                if seen is None:
                    grads[parent] = pgrad
                    push(heap, (-parent._seq, parent))
                else:
                    grads[parent] = seen + pgrad
            elif parent._backward is None:
                if parent._hooks:  # hooks see the leaf's whole gradient, once (torch)
                    seen = hooked_leaves.get(parent)
                    hooked_leaves[parent] = pgrad if seen is None else seen + pgrad
                else:
                    _accumulate_leaf(parent, pgrad, fresh)
            else:
                parent._backward(pgrad)  # freed earlier: raises the explanation
    for leaf, grad in hooked_leaves.items():
        if grad.shape != leaf.data.shape:
            grad = np.broadcast_to(grad, leaf.data.shape)
        _accumulate_leaf(leaf, _run_hooks(leaf, grad))


__all__ = [
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "backward",
    "topological_order",
    "HookHandle",
]
