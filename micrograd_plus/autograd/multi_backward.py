"""``torch.autograd.backward``: one backward pass from several outputs at once."""

from __future__ import annotations

from .engine import _as_tuple, backward_with_options


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Add the gradients of ``tensors`` to the ``.grad`` of the leaves behind them.

    ``torch.autograd.backward``: one pass through the graph from every output, so
    a node two outputs share is visited once, with the sum of their gradients.
    ``backward((a, b), (ga, gb))`` equals ``a.backward(ga, retain_graph=True)``
    then ``b.backward(gb)``.

    Parameters
    ----------
    tensors : Tensor or sequence of Tensors
        The outputs to differentiate.
    grad_tensors : Tensor, array or sequence of them, optional
        One gradient per output, of its shape; ``None`` (or a ``None`` entry)
        for a one-element output means 1.
    retain_graph : bool, optional
        Keep the graph for another backward pass; defaults to ``create_graph``.
    create_graph : bool, default False
        Record the gradient computation so it can be differentiated again.
    inputs : Tensor or sequence of Tensors, optional
        Accumulate only into these tensors' ``.grad``.

    Examples
    --------
    >>> import micrograd_plus as mp
    >>> x = mp.tensor([1.0, 2.0], requires_grad=True)
    >>> mp.autograd.backward([(x * x).sum(), x.sum()])
    >>> x.grad                       # 2 x + 1
    array([3., 5.], dtype=float32)
    """
    roots = _as_tuple(tensors, "tensors")
    for i, root in enumerate(roots):
        if not root.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad: none of the inputs it was "
                "computed from has requires_grad=True (or it ran under no_grad()); leave "
                "it out of tensors, or create its inputs with requires_grad=True"
            )
    if retain_graph is None:
        retain_graph = create_graph
    backward_with_options(roots, grad_tensors, retain_graph, create_graph, inputs, "grad_tensors")
