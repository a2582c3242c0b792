"""Helpers for notebooks and experiments: seeding, cleanup, counting, checking."""

from __future__ import annotations

import gc
import random
import types

import numpy as np

from .gradcheck import gradient_check, numerical_gradient
from .tensor import Tensor


def set_seed(seed: int) -> None:
    """Seed Python's and NumPy's global generators, which every random op here uses.

    Examples
    --------
    >>> import numpy as np
    >>> set_seed(0); a = np.random.rand()
    >>> set_seed(0); a == np.random.rand()
    True
    """
    random.seed(seed)
    np.random.seed(seed)


def count_parameters(model, trainable_only: bool = True) -> int:
    """Number of scalar parameters in ``model`` (or an iterable of tensors)."""
    params = model.parameters() if hasattr(model, "parameters") else model
    return sum(p.size for p in params if p.requires_grad or not trainable_only)


def _is_large(value) -> bool:
    if isinstance(value, (Tensor, np.ndarray)):
        return True
    return hasattr(value, "parameters") and callable(value.parameters)


def cleanup_notebook(namespace: dict | None = None) -> int:
    """Drop a notebook's tensors, arrays and models from ``namespace`` and collect garbage.

    Names starting with an underscore, modules, functions and classes are kept,
    so calling ``cleanup_notebook(globals())`` leaves imports working.

    Returns
    -------
    int
        How many names were removed.

    Examples
    --------
    >>> import numpy as np
    >>> ns = {"X": np.zeros(3), "np": np, "_keep": np.ones(2)}
    >>> cleanup_notebook(ns), sorted(ns)
    (1, ['_keep', 'np'])
    """
    removed = 0
    if namespace is not None:
        for name in list(namespace):
            value = namespace[name]
            if name.startswith("_") or isinstance(value, (types.ModuleType, type)):
                continue
            if _is_large(value):
                del namespace[name]
                removed += 1
    gc.collect()
    return removed


__all__ = [
    "set_seed",
    "count_parameters",
    "cleanup_notebook",
    "numerical_gradient",
    "gradient_check",
]
