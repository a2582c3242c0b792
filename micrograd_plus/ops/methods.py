"""Which op each Tensor method and operator calls (installed by ``tensor.py``)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, promote
from . import (
    arithmetic,
    composites,
    convert,
    elementwise,
    inplace,
    linalg,
    pointwise,
    prod,
    reduce,
    shape,
    softmax,
)


def _compare(numpy_op):
    def method(self, other):
        if other is None and numpy_op in (np.equal, np.not_equal):
            return numpy_op is np.not_equal  # torch: t == None is False, t != None True
        # Comparisons are steps: they have no gradient, so they record no graph.
        a, b = promote(self, other)
        return Tensor._make(numpy_op(a.data, b.data))

    method.__name__ = numpy_op.__name__
    return method


def _rmatmul(a, b):
    a, b = promote(a, b)
    return linalg.matmul(b, a)


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
    "__setitem__": inplace.setitem,
    "__iadd__": inplace.iadd,
    "__isub__": inplace.isub,
    "__imul__": inplace.imul,
    "__itruediv__": inplace.itruediv,
    "__ipow__": inplace.ipow,
    "add_": inplace.add_,
    "sub_": inplace.sub_,
    "mul_": inplace.imul,
    "div_": inplace.itruediv,
    "fill_": inplace.fill_,
    "zero_": inplace.zero_,
    "copy_": inplace.copy_,
    "clamp_": inplace.clamp_,
    "clip_": inplace.clamp_,
    "masked_fill_": inplace.masked_fill_,
    "clone": convert.clone,
    "to": convert.to,
    # NumPy's names for two Tensor methods, so a backward rule reads the same on the
    # arrays of the first-order path and the Tensors of create_graph (autograd.shared).
    "astype": convert.astype,
    "swapaxes": shape.transpose,
    "float": convert.float,
    "double": convert.double,
    "half": convert.half,
    "long": convert.long,
    "int": convert.int,
    "bool": convert.bool,
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
    "erf": elementwise.erf,
    "sin": pointwise.sin,
    "cos": pointwise.cos,
    "log1p": pointwise.log1p,
    "floor": pointwise.floor,
    "round": pointwise.round,
    "prod": prod.prod,
    "clip": elementwise.clip,
    "clamp": elementwise.clip,
    "maximum": elementwise.maximum,
    "minimum": elementwise.minimum,
    "where": _where,
    "sum": reduce.sum,
    "mean": reduce.mean,
    "max": reduce.max,
    "min": reduce.min,
    "amax": reduce.amax,
    "amin": reduce.amin,
    "argmax": reduce.argmax,
    "argmin": reduce.argmin,
    "var": reduce.var,
    "std": reduce.std,
    "any": reduce.any,
    "all": reduce.all,
    "softmax": softmax.softmax,
    "log_softmax": softmax.log_softmax,
    "reshape": shape.reshape,
    "broadcast_to": shape.broadcast_to,
    "view": shape.reshape,
    "transpose": shape.transpose,
    "permute": shape.permute,
    "flatten": shape.flatten,
    "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze,
}
# torch methods built from the ops above (no backward rule of their own).
TENSOR_METHODS.update(composites.COMPOSITE_METHODS)
