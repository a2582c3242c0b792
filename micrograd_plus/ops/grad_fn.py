"""``t.grad_fn``: the node that computed ``t``, named as torch names it (``MulBackward0``).

An op records a short name (``"mul"``) when it runs; the torch name is looked
up only when ``grad_fn`` is read, so naming costs the ops nothing. The suffix
is torch's overload number, and where torch picks it by the call (``sum()``
is ``SumBackward0``, ``sum(dim)`` ``SumBackward1``; ``x @ y`` is ``Mm``,
``Mv``, ``Dot`` or ``UnsafeView`` by the operands' dims) it is read from the
node's shapes. Where torch records a different graph (see
:data:`STRUCTURAL`) the name is this library's node's, spelled torch's way.
A custom :class:`~micrograd_plus.autograd.Function` ``Cube`` gives
``CubeBackward``, as in torch.

Examples
--------
>>> from micrograd_plus import Tensor
>>> x = Tensor([[1.0, 2.0]], requires_grad=True)
>>> (x * 2).grad_fn.name(), x.sum().grad_fn.name(), x.sum(0).grad_fn.name()
('MulBackward0', 'SumBackward0', 'SumBackward1')
>>> type((x @ x.T).grad_fn).__name__, x.grad_fn is None
('MmBackward0', True)
"""

from __future__ import annotations

from ..tensor import Tensor

#: This library's op name -> torch's node name, where one name fits every call.
NAMES = {
    "add": "AddBackward0",
    "sub": "SubBackward0",
    "mul": "MulBackward0",
    "div": "DivBackward0",
    "neg": "NegBackward0",
    "exp": "ExpBackward0",
    "log": "LogBackward0",
    "sqrt": "SqrtBackward0",
    "abs": "AbsBackward0",
    "relu": "ReluBackward0",
    "leaky_relu": "LeakyReluBackward0",
    "sigmoid": "SigmoidBackward0",
    "tanh": "TanhBackward0",
    "erf": "ErfBackward0",
    "gelu": "GeluBackward0",
    "gelu_tanh": "GeluBackward0",
    "sin": "SinBackward0",
    "cos": "CosBackward0",
    "log1p": "Log1PBackward0",
    "floor": "FloorBackward0",
    "round": "RoundBackward0",
    "clip": "ClampBackward1",
    "maximum": "MaximumBackward0",
    "minimum": "MinimumBackward0",
    "where": "WhereBackward0",
    "amax": "AmaxBackward0",
    "amin": "AminBackward0",
    "softmax": "SoftmaxBackward0",
    "log_softmax": "LogSoftmaxBackward0",
    "getitem": "IndexBackward0",
    "reshape": "ViewBackward0",
    "transpose": "TransposeBackward0",
    "permute": "PermuteBackward0",
    "broadcast_to": "ExpandBackward0",
    "concatenate": "CatBackward0",
    "stack": "StackBackward0",
    "clone": "CloneBackward0",
    "to": "ToCopyBackward0",
    "t_matmul": "MmBackward0",
    "embedding": "EmbeddingBackward0",
    "nll_loss": "NllLossBackward0",
    "cross_entropy": "NllLossBackward0",
    "bce_with_logits": "BinaryCrossEntropyWithLogitsBackward0",
    "dropout": "MulBackward0",
    "layer_norm": "NativeLayerNormBackward0",
    "batch_norm": "NativeBatchNormBackward0",
}

#: Where torch records a different graph: expression (``x`` a 2x3 matrix, ``v`` a
#: vector, both requiring grad) -> (this library's name, torch's name).
STRUCTURAL = {
    "x[0]": ("IndexBackward0", "SelectBackward0"),  # torch: Select, Slice or Index by key
    "x.unsqueeze(0)": ("ViewBackward0", "UnsqueezeBackward0"),
    "x.t()": ("TransposeBackward0", "TBackward0"),
    "2 - x": ("SubBackward0", "RsubBackward1"),
    "2 / x": ("DivBackward0", "MulBackward0"),
    "2 ** x": ("PowBackward1", "PowBackward2"),
    "x.var()": ("DivBackward0", "VarBackward0"),  # composites: their last step's node
    "x.std()": ("MulBackward0", "StdBackward0"),
    "x.norm()": ("SqrtBackward0", "LinalgVectorNormBackward0"),
    "x.logsumexp(1)": ("ViewBackward0", "LogsumexpBackward0"),
    "v.sum(0)": ("SumBackward0", "SumBackward1"),  # a shape alone cannot tell it from sum()
}


def _by_shape(node: Tensor) -> str | None:
    """Torch's overload, read from the node's shapes, for ops whose name varies by call."""
    op, parents = node._op, node._parents
    full = node.ndim == 0
    if op in ("sum", "mean", "prod"):
        return f"{op.capitalize()}Backward{0 if full else 1}"
    if op in ("max", "min"):  # torch numbers these the other way round
        return f"{op.capitalize()}Backward{1 if full else 0}"
    if op == "pow":
        return f"PowBackward{0 if len(parents) == 1 else 1}"
    if op == "matmul" and len(parents) == 2:
        dims = (parents[0].ndim, parents[1].ndim)
        names = {(2, 2): "Mm", (2, 1): "Mv", (1, 1): "Dot", (1, 2): "Squeeze"}
        return f"{names.get(dims, 'UnsafeView')}Backward{4 if dims == (1, 2) else 0}"
    if op == "linear" and parents:
        if parents[0].ndim == 2:
            return "AddmmBackward0" if len(parents) == 3 else "MmBackward0"
        return "ViewBackward0" if len(parents) == 3 else "UnsafeViewBackward0"
    return None


def torch_name(node: Tensor) -> str:
    """The name torch gives the node that computed ``node``."""
    op = node._op
    if op in NAMES:
        return NAMES[op]
    named = _by_shape(node)
    if named is not None:
        return named
    if op[:1].isupper():  # a custom Function: torch names it after the class
        return f"{op}Backward"
    return "".join(part.capitalize() for part in op.split("_")) + "Backward0"


_CLASSES: dict = {}


class GradFn:
    """What ``t.grad_fn`` is: the node that computed ``t``; ``name()`` gives torch's name,
    which is also the class's name (``type(t.grad_fn).__name__``), as in torch."""

    __slots__ = ("_backward",)

    def __init__(self, backward) -> None:
        self._backward = backward

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def grad_fn(a: Tensor):
    """The node that made ``a`` (None for a leaf), named as torch names it."""
    if a._backward is None:
        return None
    name = torch_name(a)
    cls = _CLASSES.get(name)
    if cls is None:
        cls = _CLASSES[name] = type(name, (GradFn,), {"__slots__": ()})
    return cls(a._backward)
