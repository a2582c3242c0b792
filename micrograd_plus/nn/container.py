"""Containers that register what they hold: ``ModuleList``, ``ModuleDict``, ``ParameterList``
and ``ParameterDict`` (PyTorch's names and methods).

A plain Python list of layers assigned to a module is invisible to
``parameters()`` and ``state_dict()``; these containers register each entry
under its index or key, so ``state_dict()`` has the same keys as PyTorch's
(``'layers.0.weight'``, ``'scales.1'``, ``'heads.cls.bias'``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping

import numpy as np

from ..tensor import Tensor
from .module import Module, Parameter, Sequential


def _index_key(container: Module, registry: dict, index) -> str:
    """The registry key (``'0'``, ``'1'``, ...) of integer ``index``, negative ones included."""
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise TypeError(
            f"{type(container).__name__} indices must be integers or slices, "
            f"not {type(index).__name__}"
        )
    size = len(registry)
    if not -size <= index < size:
        raise IndexError(
            f"index {index} is out of range for a {type(container).__name__} of {size}"
        )
    return str(int(index) % size)


def _as_parameter(value, where: str) -> Parameter:
    """A Parameter as torch makes one: a plain tensor is wrapped, anything else refused."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value.data, dtype=value.dtype)
    raise TypeError(
        f"{where} holds parameters, got {type(value).__name__}; pass Parameter(...) "
        "(or a Tensor, which becomes one)"
    )


def _parameter_line(name: str, param: Parameter) -> str:
    size = "x".join(map(str, param.shape)) or "()"
    return f"({name}): Parameter containing: [{param.dtype} of size {size}]"


class ModuleList(Module):
    """A list of modules, each registered under its index (``torch.nn.ModuleList``).

    Index, slice, iterate, ``append``, ``extend``, ``insert`` and ``pop`` as a
    list; deleting renumbers the rest so keys stay ``'0'``, ``'1'``, ...
    It has no ``forward``: loop over it in yours.

    Examples
    --------
    >>> from micrograd_plus import Module, ModuleList, Linear, Tensor
    >>> class Stack(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.layers = ModuleList([Linear(2, 2) for _ in range(3)])
    ...     def forward(self, x):
    ...         for layer in self.layers:
    ...             x = layer(x).relu()
    ...         return x
    >>> list(Stack().state_dict())[:3]
    ['layers.0.weight', 'layers.0.bias', 'layers.1.weight']
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _renumber(self, modules: list) -> None:
        for key in list(self._modules):
            delattr(self, key)
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return self._modules[_index_key(self, self._modules, index)]

    def __setitem__(self, index, module: Module) -> None:
        self.add_module(_index_key(self, self._modules, index), module)

    def __delitem__(self, index) -> None:
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else int(_index_key(self, modules, index))]
        self._renumber(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return type(self)([*self, *other])

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns the list itself."""
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of ``modules``; returns the list itself."""
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError(
                "ModuleList.extend takes an iterable of modules, got a single "
                f"{type(modules).__name__}; use append(module)"
            )
        for module in list(modules):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``, as ``list.insert``."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def pop(self, index=-1):
        """Remove and return the module at ``index`` (the last by default)."""
        module = self[index]
        del self[index]
        return module

    def __repr__(self) -> str:
        # As torch: a run of identical modules is shown once, "(0-2): 3 x Linear(...)".
        lines, items = [], [(name, repr(m)) for name, m in self._modules.items()]
        start = 0
        while start < len(items):
            end = start
            while end + 1 < len(items) and items[end + 1][1] == items[start][1]:
                end += 1
            label = items[start][0] if end == start else f"{items[start][0]}-{items[end][0]}"
            count = "" if end == start else f"{end - start + 1} x "
            lines.append(f"({label}): {count}" + items[start][1].replace("\n", "\n  "))
            start = end + 1
        if not lines:
            return "ModuleList()"
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """An ordered dict of modules, each registered under its key (``torch.nn.ModuleDict``).

    ``keys()``, ``values()``, ``items()``, ``update``, ``pop``, ``clear``, ``in``
    and ``len`` as a dict; iterating gives the keys. A key must not shadow a
    method or attribute (``'keys'``, ``'training'``): that is a ``KeyError``, as torch.

    Examples
    --------
    >>> from micrograd_plus import ModuleDict, Linear, ReLU
    >>> heads = ModuleDict({"act": ReLU(), "out": Linear(4, 2)})
    >>> list(heads), list(heads.state_dict())
    (['act', 'out'], ['out.weight', 'out.bias'])
    """

    def __init__(self, modules=None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key) -> bool:
        return key in self._modules

    def keys(self):
        """The keys, in insertion order."""
        return self._modules.keys()

    def values(self):
        """The modules, in insertion order."""
        return self._modules.values()

    def items(self):
        """``(key, module)`` pairs, in insertion order."""
        return self._modules.items()

    def pop(self, key: str) -> Module:
        """Remove the module under ``key`` and return it."""
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        """Remove every module."""
        for key in list(self._modules):
            del self[key]

    def update(self, modules) -> None:
        """Add (or replace) entries from a mapping or an iterable of ``(key, module)`` pairs."""
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(
                    f"{type(self).__name__}.update needs a mapping or (key, value) pairs; "
                    f"element #{i} is {pair!r}"
                )
            self[pair[0]] = pair[1]


class ParameterList(Module):
    """A list of parameters registered as ``'0'``, ``'1'``, ... (``torch.nn.ParameterList``).

    A plain :class:`~micrograd_plus.Tensor` put in becomes a ``Parameter``
    (so it requires a gradient), as in torch.

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import ParameterList, Parameter
    >>> scales = ParameterList([Parameter(np.ones(3)) for _ in range(2)])
    >>> scales.append(Parameter(np.zeros(1)))
    ParameterList(
        (0): Parameter containing: [float64 of size 3]
        (1): Parameter containing: [float64 of size 3]
        (2): Parameter containing: [float64 of size 1]
    )
    >>> list(scales.state_dict()), len(scales)
    (['0', '1', '2'], 3)
    """

    def __init__(self, values: Iterable | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._parameters.values())[index])
        return self._parameters[_index_key(self, self._parameters, index)]

    def __setitem__(self, index, value) -> None:
        key = _index_key(self, self._parameters, index)
        self.register_parameter(key, _as_parameter(value, type(self).__name__))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def __iadd__(self, values: Iterable) -> ParameterList:
        return self.extend(values)

    def append(self, value) -> ParameterList:
        """Add ``value`` at the end; returns the list itself."""
        param = _as_parameter(value, type(self).__name__)
        self.register_parameter(str(len(self._parameters)), param)
        return self

    def extend(self, values: Iterable) -> ParameterList:
        """Append every parameter of ``values``; returns the list itself."""
        if isinstance(values, Tensor):
            raise TypeError(
                "ParameterList.extend takes an iterable of parameters, got a single tensor; "
                "use append(param)"
            )
        for value in list(values):
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(_parameter_line(k, p) for k, p in self._parameters.items())

    def __repr__(self) -> str:
        body = self.extra_repr()
        if not body:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}(\n    " + body.replace("\n", "\n    ") + "\n)"


class ParameterDict(Module):
    """An ordered dict of parameters registered under their keys (``torch.nn.ParameterDict``).

    ``keys()``, ``values()``, ``items()``, ``get``, ``update``, ``pop``,
    ``setdefault``, ``clear``, ``in`` and ``len`` as a dict; iterating gives
    the keys; a plain Tensor becomes a ``Parameter``. Built from a plain
    ``dict``, the keys are sorted, as torch does (pass an ``OrderedDict`` to
    keep an order).

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import ParameterDict, Parameter
    >>> temps = ParameterDict({"cls": Parameter(np.ones(1)), "box": Parameter(np.ones(4))})
    >>> list(temps.state_dict()), temps["box"].shape
    (['box', 'cls'], (4,))
    """

    def __init__(self, parameters=None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        return self._parameters[key]

    def __setitem__(self, key: str, value) -> None:
        self.register_parameter(key, _as_parameter(value, type(self).__name__))

    def __delitem__(self, key: str) -> None:
        if key not in self._parameters:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key) -> bool:
        return key in self._parameters

    def keys(self):
        """The keys, in insertion order."""
        return self._parameters.keys()

    def values(self):
        """The parameters, in insertion order."""
        return self._parameters.values()

    def items(self):
        """``(key, parameter)`` pairs, in insertion order."""
        return self._parameters.items()

    def get(self, key: str, default=None):
        """The parameter under ``key``, or ``default``."""
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Parameter:
        """Remove the parameter under ``key`` and return it."""
        param = self[key]
        del self[key]
        return param

    def setdefault(self, key: str, default=None) -> Parameter:
        """The parameter under ``key``, after setting it to ``default`` if absent."""
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        """Remove every parameter."""
        for key in list(self._parameters):
            del self[key]

    def update(self, parameters) -> None:
        """Add (or replace) entries from a mapping or ``(key, parameter)`` pairs.

        As torch, a plain ``dict`` is added in sorted key order; an
        ``OrderedDict``, a ``ParameterDict`` or a sequence of pairs keeps its order.
        """
        if isinstance(parameters, Mapping) and not isinstance(parameters, OrderedDict):
            parameters = sorted(parameters.items())
        ModuleDict.update(self, parameters)

    def extra_repr(self) -> str:
        return "\n".join(_parameter_line(k, p) for k, p in self._parameters.items())

    __repr__ = ParameterList.__repr__


__all__ = ["ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]
