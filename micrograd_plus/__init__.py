"""micrograd_plus: reverse-mode autodiff and neural networks on NumPy.

The public API is collected here; see the book for a guided tour.
"""

from .autograd import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .creation import arange, eye, full, ones, ones_like, rand, randn, zeros, zeros_like
from .function import Context, Function
from .ops.elementwise import where
from .ops.shape import concatenate, stack
from .tensor import Tensor

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "Function",
    "Context",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "where",
    "concatenate",
    "stack",
    "zeros",
    "ones",
    "full",
    "zeros_like",
    "ones_like",
    "randn",
    "rand",
    "arange",
    "eye",
]
