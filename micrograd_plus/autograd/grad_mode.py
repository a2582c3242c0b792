"""Grad mode in torch's spellings: ``no_grad`` and ``enable_grad`` (as blocks, or as
decorators with or without parentheses), ``set_grad_enabled`` and ``inference_mode``.

Each sets the engine's one switch through :class:`~micrograd_plus.autograd.engine.GradMode`.

Examples
--------
>>> from micrograd_plus import Tensor, no_grad, set_grad_enabled
>>> w = Tensor([1.0], requires_grad=True)
>>> @no_grad
... def frozen(x):
...     return x * 2
>>> frozen(w).requires_grad
False
>>> with set_grad_enabled(False):
...     (w * 2).requires_grad
False
"""

from __future__ import annotations

import functools

from .engine import SWITCHES, GradMode


def _mode(enabled: bool, func):
    if func is None:
        return GradMode(enabled)
    if not callable(func):
        raise TypeError(
            f"expected a function to decorate, got {type(func).__name__}; write "
            "'with no_grad():' or '@no_grad'"
        )
    return GradMode(enabled)(func)


def no_grad(func=None):
    """Record no graph inside the block or the decorated function (``@no_grad``, ``@no_grad()``).

    Examples
    --------
    >>> from micrograd_plus import Tensor, no_grad
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """
    return _mode(False, func)


def enable_grad(func=None):
    """Record the graph again inside a :func:`no_grad` block (or a decorated function)."""
    return _mode(True, func)


def inference_mode(mode=True):
    """``no_grad`` under torch's other name (``mode=False`` records as usual).

    Usable as ``with inference_mode():``, ``@inference_mode()`` and ``@inference_mode``.
    """
    if callable(mode):
        return GradMode(False)(mode)
    return GradMode(not mode)


class set_grad_enabled:  # noqa: N801 - torch's name
    """Switch grad mode on or off: at once when called, or for a ``with`` block.

    As torch's: ``set_grad_enabled(False)`` alone switches recording off until
    switched back; ``with set_grad_enabled(flag):`` restores the mode on exit;
    ``@set_grad_enabled(flag)`` applies it inside the decorated function.
    """

    def __init__(self, mode: bool) -> None:
        self.previous = SWITCHES.grad_enabled
        self.mode = bool(mode)
        SWITCHES.grad_enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        SWITCHES.grad_enabled = self.previous
        return False

    def __call__(self, func):
        SWITCHES.grad_enabled = self.previous  # the decorator applies only inside func
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with GradMode(mode):
                return func(*args, **kwargs)

        return wrapper
