"""Old home of :mod:`micrograd_plus.lr_finder`, kept so saved notebooks still run."""

from ..lr_finder import *  # noqa: F403
