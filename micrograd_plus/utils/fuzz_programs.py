"""Old home of :mod:`micrograd_plus.book.fuzz_programs`, kept so saved notebooks still run."""

from ..book.fuzz_programs import *  # noqa: F403
