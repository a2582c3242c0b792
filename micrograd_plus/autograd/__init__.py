"""The engine: grad mode, the backward pass, custom ops, gradient checks and
``functional`` (Jacobians, Hessians; PyTorch's ``torch.autograd``).

Examples
--------
>>> from micrograd_plus import Tensor, autograd
>>> x = Tensor([3.0], requires_grad=True)
>>> with autograd.no_grad():
...     y = x * x
>>> y.requires_grad
False
"""

from . import functional
from .engine import (
    Fresh,
    detect_anomaly,
    grad,
    is_grad_enabled,
    topological_order,
)
from .function import Context, Function
from .grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from .gradcheck import GradCheckResult, gradient_check, numerical_gradient
from .multi_backward import backward

__all__ = [
    "backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "detect_anomaly",
    "topological_order",
    "Fresh",
    "Function",
    "Context",
    "gradient_check",
    "numerical_gradient",
    "GradCheckResult",
    "functional",
]
