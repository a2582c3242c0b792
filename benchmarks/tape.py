"""The least a Python autograd can do for the tiny graph: a bare tape.

``((x*w + b).relu().sum()).backward()`` recorded as closures on a list and
replayed in reverse, with the NumPy calls micrograd_plus makes and nothing
else: float32 only, no dtype promotion, no broadcasting, no checks of shapes,
versions or grad mode, no hooks, no heap, one tape for the whole process.
Any autograd built the same way (a Python object per tensor, a Python
function per op and per backward rule) pays at least this much, so the
overhead workload reports micrograd_plus against it (``vs_tape``) and it
against the hand-written floor (``tape_vs_floor``): how much of the distance
to the floor is the library's checks and bookkeeping, and how much is the
design's.

Examples
--------
>>> import numpy as np
>>> x, w, b = (Leaf(np.array(v, np.float32)) for v in ([1, -2], [2, 3], [0, 0]))
>>> backward(relu(add(mul(x, w), b)).sum())  # x*w + b = [2, -6]
>>> x.grad.tolist(), b.grad.tolist()
([2.0, 0.0], [1.0, 0.0])
"""

from __future__ import annotations

import numpy as np

_TAPE: list = []  # (output, inputs, rule) in the order the ops ran
_ZERO = np.float32(0)


class Leaf:
    """An array with a gradient slot; ``.sum()`` as a method, as the graph is written."""

    __slots__ = ("data", "grad")

    def __init__(self, data: np.ndarray) -> None:
        self.data, self.grad = data, None

    def sum(self) -> Leaf:
        x = self.data
        out = Leaf(np.asarray(x.sum()))
        # The gradient of a sum: its one value repeated, as a zero-stride view.
        _TAPE.append((out, (self,), lambda g: (np.ndarray(x.shape, g.dtype, g, 0, (0,) * x.ndim),)))
        return out


def mul(a: Leaf, b: Leaf) -> Leaf:
    x, y = a.data, b.data
    out = Leaf(x * y)
    _TAPE.append((out, (a, b), lambda g: (g * y, g * x)))
    return out


def add(a: Leaf, b: Leaf) -> Leaf:
    out = Leaf(a.data + b.data)
    _TAPE.append((out, (a, b), lambda g: (g, g)))
    return out


def relu(a: Leaf) -> Leaf:
    x = a.data
    zero = _ZERO  # a NumPy scalar made once: converting 0 on every call costs more
    out = Leaf(np.maximum(x, zero))
    _TAPE.append((out, (a,), lambda g: (g * (x > zero),)))
    return out


def backward(root: Leaf) -> None:
    """Replay the tape backwards from ``root``; add into ``.grad`` of the tensors
    that no op produced (the leaves)."""
    grads = {root: np.array(1, root.data.dtype)}
    for out, inputs, rule in reversed(_TAPE):
        g = grads.pop(out, None)
        if g is None:
            continue
        for a, ga in zip(inputs, rule(g)):
            grads[a] = ga if a not in grads else grads[a] + ga
    _TAPE.clear()
    for leaf, g in grads.items():  # only leaves are left
        leaf.grad = np.array(g) if leaf.grad is None else leaf.grad + g
