"""Old name of :mod:`micrograd_plus.optim` (``from micrograd_plus.optimizers import
Optimizer``), kept because the course's other notebooks import from here."""

from .optim import *  # noqa: F403
from .optim import __all__  # noqa: F401
