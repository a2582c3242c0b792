"""Move a model to PyTorch and back: :func:`to_torch` and :func:`from_torch`.

Every layer, loss and container of the library has a torch class of the same
name and arguments: the copy is built from the module's settings (read off its
attributes by the names of the other class's arguments) and gets the weights
through ``state_dict()``, whose keys are the same in both libraries.

A module of your own (a :class:`~micrograd_plus.nn.Module` subclass) becomes a
``torch.nn.Module`` subclass of the same name with the same ``forward`` and
other methods, its children, parameters, buffers and plain attributes
converted one by one. Its ``forward`` then runs on torch tensors, so it must
use only what both libraries share: tensor methods and operators, and its
submodules (``x.relu()`` works in both; ``mp.relu(x)`` is this library's).
The same holds the other way for :func:`from_torch`.

torch is imported inside the functions: the library does not need it.

Examples
--------
>>> import micrograd_plus as mp
>>> from micrograd_plus.utils import to_torch, from_torch
>>> model = mp.nn.Sequential(mp.nn.Linear(2, 3), mp.nn.ReLU())
>>> twin = to_torch(model)                                  # doctest: +SKIP
>>> type(twin).__name__, type(twin[0]).__module__           # doctest: +SKIP
('Sequential', 'torch.nn.modules.linear')
>>> back = from_torch(twin)                                 # doctest: +SKIP
>>> (back[0].weight.data == model[0].weight.data).all()     # doctest: +SKIP
True
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import numpy as np

from ..nn.module import Module
from ..tensor import Tensor

__all__ = ["to_torch", "from_torch"]

_KEYWORDS = inspect.Parameter.VAR_KEYWORD
_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")
# Attributes the frameworks keep for themselves, never copied as settings.
_SKIP = frozenset({"training", "dump_patches", "call_super_init"})


def to_torch(module: Module):
    """The ``torch.nn.Module`` equivalent of ``module``, with a copy of its weights.

    Parameters, buffers and their dtypes, ``requires_grad`` flags and the
    train/eval mode carry over.

    Raises
    ------
    ImportError
        Without torch (``pip install torch``).
    TypeError
        For something that is not a :class:`~micrograd_plus.nn.Module`.
    """
    import torch

    if not isinstance(module, Module):
        raise TypeError(f"to_torch converts a micrograd_plus Module, got {type(module).__name__}")
    return _convert(module, _to_torch(torch))


def from_torch(module):
    """The micrograd_plus equivalent of a ``torch.nn.Module``, with a copy of its weights."""
    import torch

    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch converts a torch.nn.Module, got {type(module).__name__}")
    return _convert(module, _from_torch(torch))


def _to_torch(torch) -> SimpleNamespace:
    from .. import nn as ours

    return SimpleNamespace(
        nn=torch.nn,
        base=torch.nn.Module,
        source_base=ours.Module,
        source_tensor=Tensor,
        array=lambda a: torch.from_numpy(np.array(a)),
        numpy=lambda t: t.data,
        parameter=lambda a, grad: torch.nn.Parameter(
            torch.from_numpy(np.array(a)), requires_grad=grad
        ),
        dtype=lambda dtype: getattr(torch, dtype.name),
        is_library=lambda m: type(m).__module__.startswith("micrograd_plus."),
    )


def _from_torch(torch) -> SimpleNamespace:
    from .. import nn as ours

    return SimpleNamespace(
        nn=ours,
        base=ours.Module,
        source_base=torch.nn.Module,
        source_tensor=torch.Tensor,
        array=lambda a: Tensor(np.array(a), dtype=np.asarray(a).dtype),
        numpy=lambda t: t.detach().cpu().numpy(),
        parameter=lambda a, grad: ours.Parameter(
            np.array(a), requires_grad=grad, dtype=np.asarray(a).dtype
        ),
        dtype=lambda dtype: dtype,
        is_library=lambda m: type(m).__module__.startswith("torch.nn."),
    )


def _convert(module, d: SimpleNamespace):
    name = type(module).__name__
    if d.is_library(module) and name in _CONTAINERS:
        out = _container(module, d)
    elif d.is_library(module) and hasattr(d.nn, name):
        out = _layer(module, getattr(d.nn, name), d)
    else:
        out = _custom(module, d)
    out.train(module.training)
    return out


def _container(module, d: SimpleNamespace):
    name = type(module).__name__
    children = {key: _convert(child, d) for key, child in module._modules.items()}
    if name == "ModuleDict":
        return d.nn.ModuleDict(children)
    out = getattr(d.nn, name)()
    for key, child in children.items():
        out.add_module(key, child)
    return out


def _layer(module, target_class, d: SimpleNamespace):
    """A built-in layer or loss: the same settings, then the same state."""
    kwargs = {}
    for arg, spec in inspect.signature(target_class.__init__).parameters.items():
        if arg in ("self", "device", "dtype") or spec.kind in (
            spec.VAR_POSITIONAL,
            spec.VAR_KEYWORD,
        ):
            continue
        if arg in module.__dict__ or arg in module._parameters or arg in module._buffers:
            kwargs[arg] = _setting(getattr(module, arg), spec.default, d)
    out = target_class(**kwargs)
    _copy_state(module, out, d)
    return out


def _setting(value, default, d: SimpleNamespace):
    """A constructor argument read off an attribute: a flag for an optional weight
    (``bias``), an array for a tensor setting (a loss's class ``weight``)."""
    if isinstance(default, bool) and not isinstance(value, bool):
        return value is not None  # Linear(bias=...): the attribute is the Parameter or None
    if value is not None and not isinstance(value, (bool, int, float, str, tuple, list)):
        return d.array(d.numpy(value))
    return value


def _copy_state(source, target, d: SimpleNamespace) -> None:
    """Load ``source``'s parameters and buffers into ``target`` and copy the flags."""
    arrays = {k: d.numpy(v) for k, v in source.state_dict(keep_vars=True).items()}
    floats = [a.dtype for a in arrays.values() if a.dtype.kind == "f"]
    if floats:
        target.to(d.dtype(floats[0]))
    target.load_state_dict({k: d.array(a) for k, a in arrays.items()})
    targets = dict(target.named_parameters())
    for key, param in source.named_parameters():
        targets[key].requires_grad_(param.requires_grad)


def _custom(module, d: SimpleNamespace):
    """A module of the user's: a class of the same name on the target's base, with the
    same methods, and each member converted."""
    out_class = _mirror_class(type(module), d)
    out = out_class.__new__(out_class)
    d.base.__init__(out)
    for key, child in module._modules.items():
        setattr(out, key, None if child is None else _convert(child, d))
    for key, param in module._parameters.items():
        value = None if param is None else d.parameter(d.numpy(param), param.requires_grad)
        out.register_parameter(key, value)
    persistent = dict(module.state_dict(keep_vars=True))
    prefix_free = {k for k in persistent if "." not in k}
    for key, buffer in module._buffers.items():
        value = None if buffer is None else d.array(d.numpy(buffer))
        out.register_buffer(key, value, persistent=key in prefix_free)
    for key, value in vars(module).items():
        if key.startswith("_") or key in _SKIP or hasattr(out, key):
            continue
        setattr(out, key, _plain(value, d))
    return out


def _plain(value, d: SimpleNamespace):
    """A plain attribute: a tensor becomes the other library's, anything else is shared."""
    return d.array(d.numpy(value)) if isinstance(value, d.source_tensor) else value


_MIRRORS: dict = {}


def _mirror_class(cls, d: SimpleNamespace):
    """``cls``'s methods on the other library's Module (made once per class)."""
    key = (cls, d.base)
    if key not in _MIRRORS:
        namespace = {}
        for klass in reversed(cls.__mro__):
            if klass in d.source_base.__mro__ or klass is object:
                continue
            namespace.update(
                (k, v)
                for k, v in vars(klass).items()
                if k not in ("__init__", "__dict__", "__weakref__", "__slots__")
            )
        namespace["__module__"] = cls.__module__
        namespace["__qualname__"] = cls.__qualname__
        _MIRRORS[key] = type(cls.__name__, (d.base,), namespace)
    return _MIRRORS[key]
