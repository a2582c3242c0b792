"""The reverse-mode engine: grad mode, anomaly mode and the backward pass.

A tensor produced by an op remembers its ``_parents`` and a ``_backward``
function that maps the gradient of the output to the gradients of the parents
(one entry per parent, ``None`` where a parent needs no gradient).
:func:`backward` walks it from the output back to the leaves without
recursion, newest node first, accumulating into ``.grad`` of the leaves.

Each op's backward rule is written once, as ``rule(g, *saved)``: the op hands
``Tensor._make`` the values its rule reads (``saved``: inputs, its output,
masks), and the engine, which knows the mode, hands them to the rule:

- on the first-order path (``backward()``), ``g`` and the saved values are
  NumPy arrays, so the rule runs as fast as plain NumPy;
- under ``create_graph=True``, ``g`` is a :class:`~micrograd_plus.Tensor` and so
  is every saved value that is an input of the op (handed as that input
  Tensor) or its output (handed as the output Tensor, at call time, so no node
  refers to itself); the same arithmetic then records a graph of the gradient,
  which can be differentiated again, to any order. Other saved arrays (masks,
  indices, weights) stay arrays: constants, whose derivative is zero. A value
  derived from the inputs that is neither, an op declares with
  :class:`Derived`, and the engine recomputes it from the input Tensors.

A rule therefore computes with operations that arrays and Tensors share (``+ -
* / @``, ``.sum``, ``.reshape``, ``.T``, ...); where NumPy and Tensors name an
operation differently, :mod:`micrograd_plus.autograd.shared` bridges the two.

:func:`grad` returns gradients without touching ``.grad`` (``torch.autograd.grad``).
"""

from __future__ import annotations

import functools
import heapq
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from .versions import version

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


#: The library's global switches: grad mode, anomaly mode and the in-place stamp.
SWITCHES = _Switches()


class GradMode:
    """Context manager and decorator that sets grad mode, restoring it on exit
    (:func:`~micrograd_plus.autograd.grad_mode.no_grad` and ``enable_grad`` are its
    spellings)."""

    __slots__ = ("enabled", "_saved")

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._saved: list[bool] = []

    def __enter__(self):
        self._saved.append(SWITCHES.grad_enabled)
        SWITCHES.grad_enabled = self.enabled
        return self

    def __exit__(self, *exc):
        SWITCHES.grad_enabled = self._saved.pop()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with GradMode(self.enabled):
                return func(*args, **kwargs)

        return wrapper


def is_grad_enabled() -> bool:
    """Whether ops currently record the graph."""
    return SWITCHES.grad_enabled


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
    saved = SWITCHES.anomaly
    SWITCHES.anomaly = True
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            yield
    finally:
        SWITCHES.anomaly = saved


def check_finite(array: np.ndarray, what: str, op: str) -> None:
    """Raise ``FloatingPointError`` naming ``op`` if ``array`` holds NaN or Inf."""
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "Inf"
        raise FloatingPointError(
            f"{what} of {op!r} produced non-finite values: first {bad} found there. "
            "Look at that op's inputs (log of 0, division by 0, overflow in exp)."
        )


def freed_backward(_grad, *_saved):
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


class Derived(tuple):
    """Saved values derived from an op's inputs, with the recipe to recompute them.

    ``Derived((probs,), lambda z: (softmax(z, 1),))``: the first-order path
    hands the rule the arrays as they are; under ``create_graph`` the engine
    calls the recipe on the op's input Tensors, so the values carry their graph.
    """

    def __new__(cls, values: tuple, recompute):
        derived = super().__new__(cls, values)
        derived.recompute = recompute
        return derived


def graph_values(node: Tensor) -> tuple:
    """``node``'s saved values as a rule gets them under ``create_graph``: Tensors.

    An input's array becomes that input Tensor (the one in the same position
    first, so ``x * x.detach()`` keeps them apart), the output's array the
    output Tensor; other arrays stay arrays (constants).
    """
    saved, parents = node._saved, node._parents
    if type(saved) is Derived:
        return saved.recompute(*parents)
    values = []
    for i, value in enumerate(saved):
        if i < len(parents) and value is parents[i].data:
            value = parents[i]
        elif value is node.data:
            value = node
        else:
            value = next((p for p in parents if p.data is value), value)
        values.append(value)
    return tuple(values)


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


def _run_hooks(tensor: Tensor, grad):
    """Pass ``grad`` through the tensor's hooks in order; each may replace it.

    Hooks see an ndarray in the first-order path and a Tensor in graph mode.
    """
    graph_mode = not isinstance(grad, np.ndarray)
    for hook in tuple(tensor._hooks.values()):
        new = hook(grad)
        if new is None:
            continue
        shape = np.shape(new)
        if shape != grad.shape:
            raise RuntimeError(
                f"a hook returned a gradient of shape {shape} for a gradient of shape "
                f"{grad.shape}; return an array of the same shape, or None to keep it"
            )
        if graph_mode:
            grad = _fit(new, tensor)
        else:
            grad = np.asarray(getattr(new, "data", new), dtype=tensor.data.dtype)
    return grad


# Ops whose backward reads no array of their inputs or output (only shapes), so
# an in-place change after them cannot corrupt their gradient (as torch, which
# saves nothing for them).
_READS_NO_ARRAYS = frozenset(
    ("add", "sub", "neg", "sum", "mean", "reshape", "transpose", "permute", "getitem")
    + ("broadcast_to", "add_at")
    + ("concatenate", "stack", "clone", "to", "floor", "round")
)


def _check_versions(node: Tensor) -> None:
    """Raise if an array this node's backward reads changed in place after it was recorded."""
    if node._op in _READS_NO_ARRAYS:
        return
    seq = node._seq
    # A stamp belongs to memory, so a change through a view or detach() counts too.
    if version(node.data) > seq or any(version(p.data) > seq for p in node._parents):
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
    go as soon as it has been processed. Each rule is handed its gradient and
    the arrays its op saved: ``node._backward(grad, *node._saved)``.
    """
    if root._backward is None:  # a leaf: its gradient is the seed itself
        _accumulate_leaf(root, _run_hooks(root, gradient) if root._hooks else gradient)
        return
    # Tensors hash by identity, so they key the dict without id() calls.
    grads: dict = {root: gradient}
    hooked_leaves: dict = {}
    heap = [(-root._seq, root)]
    anomaly = SWITCHES.anomaly
    stamp = SWITCHES.inplace_stamp
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
        parent_grads = node._backward(grad, *node._saved)
        fresh = type(parent_grads) is Fresh
        if not retain_graph:
            # Dropping the rule and its saved values frees the arrays kept for it.
            node._backward = freed_backward
            node._parents = node._saved = ()
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
    for leaf, grad in hooked_leaves.items():  # each rule gave the leaf's own shape
        _accumulate_leaf(leaf, _run_hooks(leaf, grad))


# ------------------------------------------------------------- the general loop
# ``backward`` above is what plain ``loss.backward()`` runs: first order, into
# ``.grad``, and lean. ``propagate`` is the general loop: several roots,
# gradients kept as Tensors (create_graph) or collected for chosen inputs
# instead of ``.grad`` (grad(), backward(inputs=)).


@functools.cache
def _tensor_class():
    from ..tensor import Tensor  # tensor.py imports this module: import on first use

    return Tensor


def _fit(grad, like: Tensor):
    """``grad`` as a Tensor of ``like``'s dtype, recording the graph.

    Its shape is already ``like``'s: seeds and hook results are checked against it
    (``_seed_tensors``, ``_run_hooks``), custom Functions' gradients too, and every
    op's rule returns its input's shape.
    """
    Tensor = _tensor_class()
    if not isinstance(grad, Tensor):
        grad = Tensor._make(np.asarray(grad))
    if grad.dtype != like.dtype:
        grad = grad.to(like.dtype)
    return grad


def _not_differentiable(node: Tensor, err: Exception) -> RuntimeError:
    return RuntimeError(
        f"double backward through the {node._op!r} node is not supported: its backward "
        f"rule only works on arrays ({type(err).__name__}: {err}). Write the rule with "
        "operations that also work on Tensors (+ - * / ** @, Tensor methods and "
        "micrograd_plus.autograd.shared), or call "
        "backward()/grad() without create_graph=True"
    )


def _array_only(node: Tensor) -> RuntimeError:
    return RuntimeError(
        f"double backward through the {node._op!r} node is not supported: with "
        "create_graph=True its backward rule returned a NumPy array, which carries no graph. "
        "A rule must compute on the values the engine hands it (Tensors under create_graph), "
        "not on arrays it kept itself: pass them to Tensor._make as saved values (see "
        "micrograd_plus.autograd.engine), or call backward()/grad() without create_graph=True"
    )


def _call_rule(node: Tensor, grad, create_graph: bool):
    if not create_graph:
        return node._backward(grad, *node._saved)
    try:
        return node._backward(grad, *graph_values(node))
    except TypeError as err:  # an array-only rule met a Tensor
        raise _not_differentiable(node, err) from err


def propagate(roots, seeds, retain_graph: bool, create_graph: bool, capture=None) -> None:
    """Backpropagate ``seeds`` from ``roots``: the general form of :func:`backward`.

    With ``create_graph`` the gradients are Tensors and every rule records its
    arithmetic, so they can be differentiated again. With ``capture`` (a dict
    keyed by tensors) the gradients reaching those tensors are stored there
    and no ``.grad`` is touched.
    """
    grads: dict = {}
    heap: list = []
    for root, seed in zip(roots, seeds):
        if root in grads:
            grads[root] = grads[root] + seed
        else:
            grads[root] = seed
            heap.append((-root._seq, root))
    heapq.heapify(heap)
    leaves: dict = {}
    anomaly, stamp = SWITCHES.anomaly, SWITCHES.inplace_stamp
    needed = None if capture is None else _leading_to(roots, capture)
    while heap:
        node = heapq.heappop(heap)[1]
        grad = grads.pop(node)
        if node._backward is None:  # a root that is a leaf
            leaves[node] = grad if node not in leaves else leaves[node] + grad
            continue
        if node._backward is freed_backward:
            freed_backward(grad)  # raises the explanation
        if stamp > node._seq:
            _check_versions(node)
        if node._hooks:
            grad = _run_hooks(node, grad)
        if capture is not None:
            if node in capture:
                capture[node] = grad
            if needed.isdisjoint(node._parents):
                continue  # a requested tensor with nothing requested behind it
        elif node._retains_grad:
            _accumulate_leaf(node, getattr(grad, "data", grad))
        parents = node._parents
        parent_grads = _call_rule(node, grad, create_graph)
        if not retain_graph:
            node._backward = freed_backward
            node._parents = node._saved = ()
        for parent, pgrad in zip(parents, parent_grads):
            if pgrad is None or not parent.requires_grad:
                continue
            if needed is not None and parent not in needed:
                continue  # leads to no tensor grad() was asked about (torch skips it too)
            if create_graph and isinstance(pgrad, np.ndarray):
                raise _array_only(node)
            if anomaly:
                check_finite(getattr(pgrad, "data", pgrad), "backward", node._op)
            if parent._parents:
                seen = grads.get(parent)
                if seen is None:
                    grads[parent] = pgrad
                    heapq.heappush(heap, (-parent._seq, parent))
                else:
                    grads[parent] = seen + pgrad
            elif parent._backward is None:
                seen = leaves.get(parent)
                leaves[parent] = pgrad if seen is None else seen + pgrad
            else:
                parent._backward(pgrad)  # freed earlier: raises the explanation
    _deliver(leaves, create_graph, capture)


def _deliver(leaves: dict, create_graph: bool, capture) -> None:
    """Hand each leaf its whole gradient: into ``capture``, or into ``.grad``."""
    for leaf, grad in leaves.items():
        if create_graph:
            grad = _fit(grad, leaf)
        elif grad.shape != leaf.data.shape:
            grad = np.broadcast_to(grad, leaf.data.shape)
        if leaf._hooks:  # hooks see the leaf's whole gradient, once (torch)
            grad = _run_hooks(leaf, grad)
        if capture is not None:
            if leaf in capture:
                capture[leaf] = grad
        elif create_graph:
            _accumulate_graph(leaf, grad)
        else:
            _accumulate_leaf(leaf, grad)


def _leading_to(roots, targets) -> set:
    """The tensors behind ``roots`` from which one of ``targets`` can be reached."""
    seen = set(roots)
    stack = list(roots)
    while stack:
        for parent in stack.pop()._parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    needed: set = set()
    # A node is numbered after its inputs, so in this order its parents come first.
    for node in sorted(seen, key=_creation_number):
        # A freed node counts, so that reaching it raises the explanation.
        if (
            node in targets
            or node._backward is freed_backward
            or not needed.isdisjoint(node._parents)
        ):
            needed.add(node)
    return needed


def _creation_number(node: Tensor) -> int:
    return getattr(node, "_seq", 0)  # an unrecorded result has none, and no parents


def _accumulate_graph(leaf: Tensor, grad: Tensor) -> None:
    """``.grad`` after ``backward(create_graph=True)``: a Tensor with its own graph (torch)."""
    if leaf.grad is None:
        leaf.grad = grad
    else:
        leaf.grad = grad + leaf.grad


def _seed_tensors(
    outputs, grad_outputs, create_graph: bool, what: str, argument: str = "grad_outputs"
) -> list:
    """One seed per output: the given gradient, or 1 for a one-element output.

    ``argument`` is the name the caller gave the gradients, for the error messages.
    """
    Tensor = _tensor_class()
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)) or np.isscalar(grad_outputs):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"{argument} has {len(grad_outputs)} entries for {len(outputs)} outputs; "
            "pass one gradient per output (None for a one-element output)"
        )
    seeds = []
    for i, (out, seed) in enumerate(zip(outputs, grad_outputs)):
        if seed is None:
            if out.data.size != 1:
                raise RuntimeError(
                    f"{what}: output {i} has shape {out.shape}, and a gradient can be implicitly "
                    f"created only for one-element outputs; pass {argument}= a tensor of that "
                    "shape (ones for a sum), or reduce the output first (out.sum())"
                )
            seed = np.ones(out.shape, dtype=out.data.dtype)
        if isinstance(seed, Tensor):
            value = seed if create_graph else seed.data
        else:
            value = np.asarray(seed, dtype=out.data.dtype)
        if value.shape != out.shape:
            raise ValueError(
                f"{what}: {argument}[{i}] has shape {value.shape} but output {i} has shape "
                f"{out.shape}; they must match"
            )
        if create_graph and not isinstance(value, Tensor):
            value = Tensor._make(value)
        seeds.append(value)
    return seeds


def _as_tuple(tensors, name: str) -> tuple:
    Tensor = _tensor_class()
    if isinstance(tensors, Tensor):
        return (tensors,)
    tensors = tuple(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{name}[{i}] is a {type(t).__name__}, not a Tensor; pass Tensors (or a "
                "list or tuple of them)"
            )
    return tensors


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned, not accumulated.

    As ``torch.autograd.grad``: nothing is written to ``.grad``; with
    ``create_graph=True`` the gradients are Tensors with their own graph, so
    they can be differentiated again (Hessian-vector products, gradient
    penalties, Newton steps).

    Parameters
    ----------
    outputs : Tensor or sequence of Tensors
        What to differentiate.
    inputs : Tensor or sequence of Tensors
        With respect to what (leaves or intermediate tensors).
    grad_outputs : array_like or sequence, optional
        d(something)/d(output) for each output; may be omitted for one-element
        outputs (it is then 1).
    retain_graph : bool, optional
        Keep the graph for another backward; defaults to ``create_graph``.
    create_graph : bool, default False
        Record the graph of the gradient computation.
    allow_unused : bool, default False
        Return ``None`` for an input the outputs do not depend on, instead of
        raising.
    materialize_grads : bool, default False
        Return zeros instead of ``None`` for unused inputs (implies
        ``allow_unused``).

    Returns
    -------
    tuple of Tensor
        One gradient per input, shaped like it.

    Examples
    --------
    >>> from micrograd_plus import Tensor, grad
    >>> x = Tensor([3.0], requires_grad=True)
    >>> (dy,) = grad(x**3, x, create_graph=True)   # 3 x**2 = 27
    >>> (d2y,) = grad(dy, x)                        # 6 x = 18
    >>> float(dy), float(d2y)
    (27.0, 18.0)
    """
    outputs = _as_tuple(outputs, "outputs")
    inputs = _as_tuple(inputs, "inputs")
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("materialize_grads=True needs allow_unused=True (or left as None)")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(
                f"inputs[{i}] does not require grad, so it has no gradient; create it with "
                "requires_grad=True (or call t.requires_grad_()) before computing the outputs"
            )
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(
                f"outputs[{i}] does not require grad and has no graph: none of the inputs "
                "it was computed from requires grad (or it ran under no_grad())"
            )
    retain_graph = create_graph if retain_graph is None else retain_graph
    seeds = _seed_tensors(outputs, grad_outputs, create_graph, "grad")
    capture = dict.fromkeys(inputs)
    with GradMode(create_graph):
        propagate(outputs, seeds, retain_graph, create_graph, capture)
    return tuple(
        _result(t, capture[t], i, allow_unused, materialize_grads) for i, t in enumerate(inputs)
    )


def _result(t: Tensor, g, i: int, allow_unused: bool, materialize: bool):
    Tensor = _tensor_class()
    if g is None:
        if not allow_unused:
            raise RuntimeError(
                f"inputs[{i}] (shape {t.shape}) was not used to compute the outputs, so it "
                "has no gradient; pass allow_unused=True to get None for it"
            )
        return Tensor._make(np.zeros_like(t.data)) if materialize else None
    if isinstance(g, Tensor):
        return _fit(g, t)
    if g.shape != t.shape:
        g = np.broadcast_to(g, t.shape)
    return Tensor._make(np.array(g, dtype=t.data.dtype))


def backward_with_options(
    roots: tuple, seeds, retain_graph: bool, create_graph: bool, inputs, argument="gradient"
) -> None:
    """``backward()`` of several roots, or with ``create_graph=True`` or ``inputs=``.

    Runs :func:`propagate`; ``argument`` names ``seeds`` in error messages.
    """
    seeds = _seed_tensors(roots, seeds, create_graph, "backward", argument)
    if inputs is None:
        with GradMode(create_graph):
            propagate(roots, seeds, retain_graph, create_graph)
        return
    inputs = _as_tuple(inputs, "inputs")
    capture = dict.fromkeys(inputs)
    with GradMode(create_graph):
        propagate(roots, seeds, retain_graph, create_graph, capture)
    for t, g in capture.items():
        if g is None:
            continue
        if create_graph:
            _accumulate_graph(t, _fit(g, t))
        else:
            _accumulate_leaf(t, g)


__all__ = [
    "grad",
    "GradMode",
    "SWITCHES",
    "is_grad_enabled",
    "detect_anomaly",
    "backward",
    "topological_order",
    "HookHandle",
    "Derived",
]
