"""Version stamps shared by every tensor that views the same memory.

An in-place change stamps the *memory* it wrote to, not only the tensor it
was made through: the stamp is kept for the array that owns the memory (the
end of NumPy's ``.base`` chain). A view (``detach()``, a slice, ``reshape``,
``view``, ``transpose``, ``.T``, ``expand``) shares its base's memory and so
its stamp, as views share their base's version counter in torch; the
engine's in-place check therefore sees a change made through any of them.

Only in-place operators and the in-place check (which runs only once some
in-place change happened after a node was recorded) come here, so the
first-order path of an op pays nothing. A stamp is forgotten when the memory
it describes is freed.

Examples
--------
>>> import numpy as np
>>> base = np.zeros(3)
>>> stamp(base[1:], 7)  # through a view
>>> version(base), version(base.reshape(3, 1)), version(np.zeros(3))
(7, 7, 0)
"""

from __future__ import annotations

import weakref

import numpy as np

# id(owner) -> (weak reference to the owning array, latest stamp)
_stamps: dict = {}


def memory_owner(array: np.ndarray) -> np.ndarray:
    """The array at the end of ``array``'s ``.base`` chain (itself if it owns its memory)."""
    base = array.base
    while isinstance(base, np.ndarray):
        array, base = base, base.base
    return array


def stamp(array: np.ndarray, seq: int) -> None:
    """Record that the memory behind ``array`` changed in place at creation number ``seq``."""
    owner = memory_owner(array)
    key = id(owner)
    entry = _stamps.get(key)
    if entry is not None and entry[0]() is owner:
        _stamps[key] = (entry[0], seq)
        return

    def forget(ref, key=key):
        if _stamps.get(key, (None,))[0] is ref:
            del _stamps[key]

    _stamps[key] = (weakref.ref(owner, forget), seq)


def version(array: np.ndarray) -> int:
    """The creation number of the latest in-place change to ``array``'s memory (0: none)."""
    owner = memory_owner(array)
    entry = _stamps.get(id(owner))
    return entry[1] if entry is not None and entry[0]() is owner else 0
