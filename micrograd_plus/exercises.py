"""Old home of :mod:`micrograd_plus.book.exercises`, kept so saved notebooks still run.

Its submodules (``micrograd_plus.exercises.tensors``, ...) are the book wing's own
modules under their old names, not copies, so every exercise is registered once.
"""

import sys

from .book import exercises as _new
from .book.exercises import *  # noqa: F403
from .book.exercises import __all__  # noqa: F401

for _name, _module in list(sys.modules.items()):
    if _name.startswith(_new.__name__ + "."):
        sys.modules[__name__ + _name[len(_new.__name__) :]] = _module
        globals()[_name.rsplit(".", 1)[1]] = _module
