"""Adding an op of your own: write its forward and backward side by side.

Subclass :class:`Function` with two static methods working on NumPy arrays:
``forward(ctx, *arrays, **options)`` returns the result and may stash what
the backward needs on ``ctx``; ``backward(ctx, grad)`` returns one gradient
per input (``None`` for inputs without one). ``MyOp.apply(*tensors)`` then
builds a graph node exactly like a built-in op does.

Set ``differentiable_backward = True`` on the class when ``backward`` uses
only operations that also work on Tensors (``+ - * / ** @``, Tensor methods and
:mod:`micrograd_plus.autograd.shared`): with ``create_graph=True`` it is then
called, as every built-in rule is (see :mod:`micrograd_plus.autograd.engine`),
with a Tensor ``grad`` and the values it saved as Tensors: each saved input as
that input and the saved output as the output, so its result can be
differentiated again. Save inputs and the output, and compute anything else
from them in ``backward``: other saved arrays are constants. Otherwise double
backward through the op raises and says so. A gradient whose shape is not its
input's raises in both modes.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor


class Context:
    """A place for ``forward`` to keep what ``backward`` will need."""

    def save_for_backward(self, *arrays) -> None:
        self.saved = arrays


class Function:
    """Base class for user-defined differentiable ops.

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import Tensor, Function, grad
    >>> class Cube(Function):
    ...     differentiable_backward = True   # grad * 3 * x**2 works on Tensors too
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x**3
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved
    ...         return grad * 3 * x**2
    >>> x = Tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad
    array([12.], dtype=float32)
    >>> (g,) = grad(Cube.apply(x), x, create_graph=True)
    >>> grad(g, x)[0]                   # 6 x
    Tensor([12.])
    """

    #: Whether ``backward`` also works on Tensors, so it can be differentiated again.
    differentiable_backward = False

    @staticmethod
    def forward(ctx: Context, *arrays, **options):  # pragma: no cover - abstract
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx: Context, grad):  # pragma: no cover - abstract
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *inputs, **options) -> Tensor:
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in inputs)
        ctx = Context()
        raw = cls.forward(ctx, *(t.data for t in tensors), **options)
        out = np.asarray(raw)
        out = out.astype(tensors[0].dtype, copy=False) if tensors else out
        # The saved output must be the node's own array, for the engine to hand it
        # over as the output Tensor under create_graph.
        kept = tuple(out if v is raw else v for v in getattr(ctx, "saved", ()))

        def backward(grad, *saved):  # the engine hands arrays, or Tensors (create_graph)
            if isinstance(grad, Tensor) and not cls.differentiable_backward:
                raise _not_differentiable(cls)
            ctx.saved = saved
            try:
                grads = _one_per_input(cls, cls.backward(ctx, grad), tensors)
            finally:
                ctx.saved = kept  # the output Tensor left on ctx would be a reference cycle
            return tuple(_checked(cls, g, t) for g, t in zip(grads, tensors))

        return Tensor._make(out, tensors, backward, cls.__name__, kept)


def _not_differentiable(cls) -> RuntimeError:
    return RuntimeError(
        f"double backward through {cls.__name__} is not supported: its backward is "
        f"written for NumPy arrays. If {cls.__name__}.backward uses only operations "
        "that also work on Tensors (+ - * / ** @ and Tensor methods), set "
        f"differentiable_backward = True on the class; otherwise compute the second "
        "derivative another way (for example numerically)"
    )


def _one_per_input(cls, grads, tensors: tuple) -> tuple:
    grads = grads if isinstance(grads, tuple) else (grads,)
    if len(grads) != len(tensors):
        raise RuntimeError(
            f"{cls.__name__}.backward returned {len(grads)} gradients for "
            f"{len(tensors)} inputs; return one per input (None for no gradient)"
        )
    return grads


def _checked(cls, grad, tensor: Tensor):
    """``grad`` in ``tensor``'s dtype, or an error naming the function if its shape differs."""
    if grad is None:
        return None
    grad = grad.astype(tensor.dtype) if isinstance(grad, Tensor) else np.asarray(grad, tensor.dtype)
    if grad.shape != tensor.shape:
        raise RuntimeError(
            f"{cls.__name__}.backward returned a gradient of shape {grad.shape} for an "
            f"input of shape {tensor.shape}; they must match"
        )
    return grad
