"""Adding an op of your own: write its forward and backward side by side.

Subclass :class:`Function` with two static methods working on NumPy arrays:
``forward(ctx, *arrays, **options)`` returns the result and may stash what
the backward needs on ``ctx``; ``backward(ctx, grad)`` returns one gradient
per input (``None`` for inputs without one). ``MyOp.apply(*tensors)`` then
builds a graph node exactly like a built-in op does.

Set ``differentiable_backward = True`` on the class when ``backward`` uses
only operations that also work on Tensors (``+ - * / ** @`` and Tensor
methods): with ``create_graph=True`` it is then called with a Tensor ``grad``
and the saved inputs as Tensors, so its result can be differentiated again.
Otherwise double backward through the op raises and says so.
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
        out = np.asarray(cls.forward(ctx, *(t.data for t in tensors), **options))
        out = out.astype(tensors[0].dtype, copy=False) if tensors else out

        def backward(grad):
            if isinstance(grad, Tensor):
                return cls._graph_backward(ctx, grad, tensors)
            grads = cls.backward(ctx, grad)
            return tuple(
                _checked(cls, g, t) for g, t in zip(_one_per_input(cls, grads, tensors), tensors)
            )

        return Tensor._make(out, tensors, backward, cls.__name__)

    @classmethod
    def _graph_backward(cls, ctx: Context, grad: Tensor, tensors: tuple) -> tuple:
        """``backward`` on Tensors (create_graph=True): saved inputs become the input Tensors."""
        if not cls.differentiable_backward:
            raise RuntimeError(
                f"double backward through {cls.__name__} is not supported: its backward is "
                f"written for NumPy arrays. If {cls.__name__}.backward uses only operations "
                "that also work on Tensors (+ - * / ** @ and Tensor methods), set "
                f"differentiable_backward = True on the class; otherwise compute the second "
                "derivative another way (for example numerically)"
            )
        by_id = {id(t.data): t for t in tensors}
        arrays = getattr(ctx, "saved", ())
        ctx.saved = tuple(by_id.get(id(v), v) for v in arrays)
        try:
            grads = cls.backward(ctx, grad)
        finally:
            ctx.saved = arrays
        return tuple(
            None if g is None else g if isinstance(g, Tensor) else _checked(cls, g, t)
            for g, t in zip(_one_per_input(cls, grads, tensors), tensors)
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
    if grad is None:
        return None
    grad = np.asarray(grad, dtype=tensor.dtype)
    if grad.shape != tensor.shape:
        raise RuntimeError(
            f"{cls.__name__}.backward returned a gradient of shape {grad.shape} for an "
            f"input of shape {tensor.shape}; they must match"
        )
    return grad
