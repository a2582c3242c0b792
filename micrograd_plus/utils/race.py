"""Old home of :mod:`micrograd_plus.book.race`, kept so saved notebooks still run."""

from ..book.race import *  # noqa: F403
