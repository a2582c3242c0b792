"""In-place array arithmetic that RMSprop's and Adagrad's update rules share.

Each writes into the parameter, its state or a scratch array, so a step allocates
nothing (``lerp_`` is named after PyTorch's tensor method).
"""

from __future__ import annotations

import numpy as np


def prepare_grad(param, grad, scratch, weight_decay: float, maximize: bool):
    """``-grad`` if maximising, plus ``weight_decay * param`` (L2), into ``scratch`` if needed."""
    if weight_decay:
        np.multiply(param, weight_decay, out=scratch)
        if maximize:
            scratch -= grad
        else:
            scratch += grad
        return scratch
    if maximize:
        return np.negative(grad, out=scratch)
    return grad


def lerp_(start, end, weight: float, scratch) -> None:
    """``start += weight * (end - start)`` in place, in PyTorch's two-sided form."""
    np.subtract(end, start, out=scratch)
    if weight < 0.5:
        scratch *= weight
        start += scratch
    else:
        scratch *= 1 - weight
        np.subtract(end, scratch, out=start)
