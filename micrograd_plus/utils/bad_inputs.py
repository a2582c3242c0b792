"""Old home of :mod:`micrograd_plus.book.bad_inputs`, kept so saved notebooks still run."""

from ..book.bad_inputs import *  # noqa: F403
