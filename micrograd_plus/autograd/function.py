"""Adding an op of your own: write its forward and backward side by side.

Subclass :class:`Function` with two static methods working on NumPy arrays:
``forward(ctx, *arrays, **options)`` returns the result and may stash what
the backward needs on ``ctx``; ``backward(ctx, grad)`` returns one gradient
per input (``None`` for inputs without one). ``MyOp.apply(*tensors)`` then
builds a graph node exactly like a built-in op does.
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
    >>> from micrograd_plus import Tensor, Function
    >>> class Cube(Function):
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
    """

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
        out = np.asarray(cls.forward(ctx, *(t.data for t in tensors), **options))
        out = out.astype(tensors[0].dtype, copy=False) if tensors else out

        def backward(grad):
            grads = cls.backward(ctx, grad)
            grads = grads if isinstance(grads, tuple) else (grads,)
            if len(grads) != len(tensors):
                raise RuntimeError(
                    f"{cls.__name__}.backward returned {len(grads)} gradients for "
                    f"{len(tensors)} inputs; return one per input (None for no gradient)"
                )
            return tuple(_checked(cls, g, t) for g, t in zip(grads, tensors))

        return Tensor._make(out, tensors, backward, cls.__name__)


def _checked(cls, grad, tensor: Tensor):
    if grad is None:
        return None
    grad = np.asarray(grad, dtype=tensor.dtype)
    if grad.shape != tensor.shape:
        raise RuntimeError(
            f"{cls.__name__}.backward returned a gradient of shape {grad.shape} for an "
            f"input of shape {tensor.shape}; they must match"
        )
    return grad
