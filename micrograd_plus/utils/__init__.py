"""Helpers for notebooks and experiments (seeding, cleanup, counting parameters,
checking gradients), moving a model to PyTorch and back (``to_torch``, ``from_torch``)
and the data pipeline in ``utils.data`` (PyTorch's ``torch.utils``).

Examples
--------
>>> import micrograd_plus as mp
>>> mp.utils.set_seed(0)
"""

from . import data
from .data import DataLoader
from .notebook import (
    check_all_gradients,
    cleanup_notebook,
    count_parameters,
    get_memory_usage,
    gradient_check,
    numerical_gradient,
    set_seed,
)
from .torch_bridge import from_torch, to_torch

__all__ = [
    "data",
    "DataLoader",
    "set_seed",
    "count_parameters",
    "cleanup_notebook",
    "numerical_gradient",
    "gradient_check",
    "check_all_gradients",
    "get_memory_usage",
    "to_torch",
    "from_torch",
]

_MOVED = {"lr_find": "micrograd_plus.lr_finder", "LRFinderResult": "micrograd_plus.lr_finder",
          "race": "micrograd_plus.book.race"}  # fmt: skip


def __getattr__(name):
    # Old names: saved notebooks reach them as mp.utils.lr_find and mp.utils.race.
    if name in _MOVED:
        import importlib

        module = importlib.import_module(_MOVED[name])
        return module if module.__name__.endswith(name) else getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
