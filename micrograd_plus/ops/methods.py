"""Which op each Tensor method and operator calls (installed by ``tensor.py``)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, operand
from . import arithmetic, elementwise, linalg, reduce, shape, softmax


def _compare(numpy_op):
    def method(self, other):
        # Comparisons are steps: they have no gradient, so they record no graph.
        return Tensor._make(numpy_op(self.data, operand(other, self).data))

    method.__name__ = numpy_op.__name__
    return method


def _rmatmul(a, b):
    return linalg.matmul(operand(b, a), a)


def _where(self, condition, other):
    return elementwise.where(condition, self, other)


TENSOR_METHODS = {
    "__add__": arithmetic.add,
    "__radd__": arithmetic.add,
    "__sub__": arithmetic.sub,
    "__rsub__": arithmetic.rsub,
    "__mul__": arithmetic.mul,
    "__rmul__": arithmetic.mul,
    "__truediv__": arithmetic.div,
    "__rtruediv__": arithmetic.rdiv,
    "__pow__": arithmetic.pow,
    "__rpow__": arithmetic.rpow,
    "__neg__": arithmetic.neg,
    "__matmul__": linalg.matmul,
    "__rmatmul__": _rmatmul,
    "__getitem__": shape.getitem,
    "__lt__": _compare(np.less),
    "__le__": _compare(np.less_equal),
    "__gt__": _compare(np.greater),
    "__ge__": _compare(np.greater_equal),
    "__eq__": _compare(np.equal),
    "__ne__": _compare(np.not_equal),
    "matmul": linalg.matmul,
    "pow": arithmetic.pow,
    "exp": elementwise.exp,
    "log": elementwise.log,
    "sqrt": elementwise.sqrt,
    "abs": elementwise.abs,
    "relu": elementwise.relu,
    "leaky_relu": elementwise.leaky_relu,
    "sigmoid": elementwise.sigmoid,
    "tanh": elementwise.tanh,
    "gelu": elementwise.gelu,
    "clip": elementwise.clip,
    "clamp": elementwise.clip,
    "maximum": elementwise.maximum,
    "minimum": elementwise.minimum,
    "where": _where,
    "sum": reduce.sum,
    "mean": reduce.mean,
    "max": reduce.max,
    "min": reduce.min,
    "var": reduce.var,
    "softmax": softmax.softmax,
    "log_softmax": softmax.log_softmax,
    "reshape": shape.reshape,
    "view": shape.reshape,
    "transpose": shape.transpose,
    "flatten": shape.flatten,
    "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze,
}
