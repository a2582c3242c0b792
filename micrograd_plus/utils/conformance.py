"""Old home of :mod:`micrograd_plus.book.conformance`, kept so saved notebooks still run."""

from ..book.conformance import *  # noqa: F403
