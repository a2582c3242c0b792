"""Handles for forward hooks: ``handle.remove()`` takes a hook off its module again."""

from __future__ import annotations

import itertools


class RemovableHandle:
    """What ``register_forward_hook`` returns; ``remove()`` unregisters the hook (as torch's).

    It also works as a context manager, removing the hook on exit.

    Examples
    --------
    >>> from micrograd_plus import Linear, Tensor
    >>> layer, seen = Linear(2, 3), []
    >>> with layer.register_forward_hook(lambda m, args, out: seen.append(out.shape)):
    ...     _ = layer(Tensor([[1.0, 2.0]]))
    >>> _ = layer(Tensor([[1.0, 2.0]]))   # removed: not recorded
    >>> seen
    [(1, 3)]
    """

    _ids = itertools.count()

    def __init__(self, hooks: dict) -> None:
        self.hooks_dict = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        """Unregister the hook; removing twice does nothing."""
        self.hooks_dict.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


__all__ = ["RemovableHandle"]
