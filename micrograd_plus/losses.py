"""The losses under their older name: ``micrograd_plus.losses`` is ``micrograd_plus.nn.losses``.

Kept because the course's other notebooks import from here
(``from micrograd_plus.losses import Loss``).
"""

from .nn.losses import *  # noqa: F403
from .nn.losses import __all__  # noqa: F401
