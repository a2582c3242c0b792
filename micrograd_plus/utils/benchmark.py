"""Old home of :mod:`micrograd_plus.book.recorded_benchmarks`, kept so saved notebooks still run."""

from ..book.recorded_benchmarks import *  # noqa: F403
