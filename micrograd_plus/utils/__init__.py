"""Helpers for notebooks and experiments (seeding, cleanup, counting, checking), the
learning-rate range test (``utils.lr_finder``), a fair optimizer race (``utils.race``) and the
data pipeline in ``utils.data`` (PyTorch's ``torch.utils``).

Examples
--------
>>> import micrograd_plus as mp
>>> mp.utils.set_seed(0)
"""

from . import data, race
from .data import DataLoader
from .lr_finder import LRFinderResult, lr_find
from .notebook import (
    check_all_gradients,
    cleanup_notebook,
    count_parameters,
    get_memory_usage,
    gradient_check,
    numerical_gradient,
    set_seed,
)

__all__ = [
    "data",
    "race",
    "DataLoader",
    "lr_find",
    "LRFinderResult",
    "set_seed",
    "count_parameters",
    "cleanup_notebook",
    "numerical_gradient",
    "gradient_check",
    "check_all_gradients",
    "get_memory_usage",
]
