"""Old name of :mod:`micrograd_plus.nn` (``from micrograd_plus.layers import Module``),
kept because the course's other notebooks import from here."""

from .nn import *  # noqa: F403
from .nn import __all__  # noqa: F401
