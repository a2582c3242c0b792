"""Modules: objects that own parameters, buffers and sub-modules (``torch.nn.Module``).

Assigning a :class:`Parameter`, a :class:`Module` or (via
:meth:`Module.register_buffer`) a buffer to an attribute registers it in an
ordered dict, so ``parameters()`` and ``state_dict()`` always list them in the
order they were created and never need to be told what a model contains.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from ..tensor import Tensor
from .hooks import RemovableHandle


class Parameter(Tensor):
    """A tensor that a :class:`Module` registers as one of its parameters.

    It is an ordinary :class:`Tensor` that requires a gradient by default;
    assigning one to a module attribute is what makes ``module.parameters()``
    find it.

    Examples
    --------
    >>> from micrograd_plus import Parameter
    >>> w = Parameter([1.0, 2.0])
    >>> w.requires_grad, w.dtype
    (True, dtype('float32'))
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True, dtype=None):
        super().__init__(np.empty(0, np.float32) if data is None else data, requires_grad, dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class _IncompatibleKeys(NamedTuple):
    missing_keys: list
    unexpected_keys: list


def _addindent(text: str, spaces: int) -> str:
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


class Module:
    """Base class of every layer, loss and model.

    Subclasses call ``super().__init__()`` first, then assign parameters and
    sub-modules as attributes, and define ``forward``. Calling the module runs
    ``forward``.

    Examples
    --------
    >>> from micrograd_plus import Module, Linear
    >>> class TwoLayer(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = Linear(3, 4)
    ...         self.out = Linear(4, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> [name for name, _ in TwoLayer().named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    """

    # Read-only and empty until ``__init__`` gives the instance its own: a module whose
    # subclass forgot ``super().__init__()`` still calls ``forward``.
    _forward_hooks = _forward_pre_hooks = MappingProxyType({})

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(); define forward(self, ...) in the subclass"
        )

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks or self._forward_hooks:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------ hooks
    def _call_with_hooks(self, args: tuple, kwargs: dict):
        for hook, with_kwargs in list(self._forward_pre_hooks.values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            "a forward pre-hook registered with with_kwargs=True must return "
                            f"None or a tuple (new_args, new_kwargs), got {result!r}"
                        )
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_hooks.values()):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        return output

    def _add_hook(self, registry: str, hook: Callable, prepend: bool, with_kwargs: bool):
        if registry not in self.__dict__:
            raise AttributeError(
                f"cannot register a hook on {type(self).__name__} before Module.__init__() ran; "
                "call super().__init__() at the top of your module's __init__"
            )
        if not callable(hook):
            raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
        hooks = self.__dict__[registry]
        handle = RemovableHandle(hooks)
        hooks[handle.id] = (hook, with_kwargs)
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``, as torch.

        A return value other than ``None`` replaces the positional arguments
        (a non-tuple is wrapped in one). With ``with_kwargs=True`` the hook is
        ``hook(module, args, kwargs)`` and may return ``(args, kwargs)``.
        ``prepend=True`` runs it before the hooks already registered.

        Returns
        -------
        RemovableHandle
            ``handle.remove()`` unregisters the hook.

        Examples
        --------
        >>> from micrograd_plus import Linear, Tensor
        >>> layer = Linear(2, 1)
        >>> handle = layer.register_forward_pre_hook(lambda m, args: args[0] * 0)
        >>> layer(Tensor([[1.0, 2.0]])).tolist() == [[layer.bias.item()]]
        True
        >>> handle.remove()
        """
        return self._add_hook("_forward_pre_hooks", hook, prepend, with_kwargs)

    def register_forward_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward``, as torch.

        ``args`` are the positional arguments ``forward`` received; a return
        value other than ``None`` replaces the output. With ``with_kwargs=True``
        the hook is ``hook(module, args, kwargs, output)``. Hooks run in the
        order registered (``prepend=True`` puts one first).

        Returns
        -------
        RemovableHandle
            ``handle.remove()`` unregisters the hook.

        Examples
        --------
        >>> from micrograd_plus import Sequential, Linear, ReLU, Tensor
        >>> model, shapes = Sequential(Linear(2, 4), ReLU(), Linear(4, 1)), {}
        >>> def record(module, args, output):
        ...     shapes[type(module).__name__] = output.shape
        >>> handles = [m.register_forward_hook(record) for m in model]
        >>> _ = model(Tensor([[1.0, 2.0]]))
        >>> shapes
        {'Linear': (1, 1), 'ReLU': (1, 4)}
        >>> for h in handles:
        ...     h.remove()
        """
        return self._add_hook("_forward_hooks", hook, prepend, with_kwargs)

    # ------------------------------------------------------------ registration
    # Registered objects live in the ordered dicts *and* in __dict__, so that
    # reading ``self.weight`` in forward is an ordinary (fast) attribute lookup.
    def __setattr__(self, name: str, value) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() ran; call "
                "super().__init__() at the top of your module's __init__"
            )
        if isinstance(value, (Parameter, Module)):
            if self._parameters.get(name) is value or self._modules.get(name) is value:
                return  # `m.weight -= step` assigns the same Parameter back: keep its place
            if name in self._parameters and not isinstance(value, Parameter):
                raise TypeError(  # torch refuses it too
                    f"cannot assign {type(value).__name__} as parameter {name!r}; "
                    f"assign a Parameter or None, or `del` the parameter {name!r} first"
                )
            # Re-assigning a name replaces whatever kind of member it was; one of the
            # same kind keeps its place in named_parameters() and state_dict() (torch).
            same = self._parameters if isinstance(value, Parameter) else self._modules
            for registry in (self._parameters, self._buffers, self._modules, self.__dict__):
                if registry is not same:
                    registry.pop(name, None)
            if isinstance(value, Parameter):
                self.register_parameter(name, value)
            else:
                self.add_module(name, value)
        elif name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r}; "
                    "wrap it in Parameter(...) or assign None"
                )
            self.register_parameter(name, None)
        elif name in self._buffers:
            self.register_buffer(name, value, name not in self._non_persistent)
        elif name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r}; "
                    "assign a Module or None"
                )
            self.add_module(name, None)
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent.discard(name)
        object.__delattr__(self, name)

    def _check_name(self, name: str, registry: dict) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"member names must be non-empty strings without '.', got {name!r}")
        for other in (self._parameters, self._buffers, self._modules):
            if other is not registry and name in other:
                raise KeyError(
                    f"attribute {name!r} already exists as another kind of member; "
                    f"delete it first (del module.{name})"
                )
        if name not in registry and hasattr(self, name):
            # As torch: a member must not hide a method or attribute (``keys``, ``training``).
            raise KeyError(
                f"attribute {name!r} already exists on {type(self).__name__}; choose another name"
            )

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or ``None``, e.g. a layer built with ``bias=False``)."""
        self._check_name(name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot register {type(param).__name__} as parameter {name!r}; "
                "wrap it in Parameter(...)"
            )
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Add a state array that is not trained (BatchNorm's running statistics).

        Persistent buffers appear in :meth:`state_dict`; ``None`` is allowed.
        """
        self._check_name(name, self._buffers)
        if isinstance(tensor, np.ndarray):
            tensor = Tensor(tensor, dtype=tensor.dtype)  # keeps integer counters integer
        elif tensor is not None and not isinstance(tensor, Tensor):
            tensor = Tensor(tensor)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (what attribute assignment does)."""
        self._check_name(name, self._modules)
        if isinstance(module, type) and issubclass(module, Module):
            raise TypeError(
                f"got the class {module.__name__} where a module is needed; create one: "
                f"{module.__name__}()"
            )
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    # --------------------------------------------------------------- traversal
    def named_modules(self, memo: set | None = None, prefix: str = "", remove_duplicate=True):
        """Yield ``(name, module)`` for this module and every descendant (torch's signature).

        A module reachable twice appears once unless ``remove_duplicate=False``.
        """
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                child_prefix = f"{prefix}.{name}" if prefix else name
                yield from child.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """Yield this module and every descendant, once each."""
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """Yield ``(name, child)`` for the direct sub-modules, once each."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """Yield the direct sub-modules, once each."""
        for _, child in self.named_children():
            yield child

    def apply(self, fn: Callable[[Module], object]) -> Module:
        """Call ``fn`` on every sub-module, then on this module; returns ``self`` (as torch).

        Examples
        --------
        >>> import numpy as np
        >>> from micrograd_plus import Sequential, Linear, ReLU
        >>> def zero_bias(m):
        ...     if isinstance(m, Linear):
        ...         m.bias.data[...] = 0
        >>> model = Sequential(Linear(2, 3), ReLU(), Linear(3, 1)).apply(zero_bias)
        >>> float(np.abs(model[0].bias.data).sum() + np.abs(model[2].bias.data).sum())
        0.0
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _named_members(self, registry: str, prefix: str, recurse: bool):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        """Yield ``(dotted name, parameter)``; a parameter shared by two layers appears once."""
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield every parameter, in registration order (hand it to an optimizer)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) here and below."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode) expects a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode: the same as ``train(False)``."""
        return self.train(False)

    # ------------------------------------------------------------------ dtypes
    def to(self, *args, **kwargs) -> Module:
        """Cast floating parameters and buffers in place, as ``torch.nn.Module.to``."""
        from .casting import module_to

        return module_to(self, *args, **kwargs)

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64 in place; returns the module."""
        return self.to(np.float64)

    def float(self) -> Module:  # noqa: A003 - torch's method name
        """Cast floating parameters and buffers to float32 in place; returns the module."""
        return self.to(np.float32)

    def half(self) -> Module:
        """Cast floating parameters and buffers to float16 in place; returns the module."""
        return self.to(np.float16)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (``False``) or unfreeze every parameter."""
        for param in self.parameters():
            param.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (``None`` by default, as PyTorch)."""
        for param in self.parameters():
            param.zero_grad(set_to_none)

    # ------------------------------------------------------------- state dict
    def _state_items(self, prefix: str = ""):
        # Not deduplicated: a module used twice is saved under both names, as in PyTorch.
        for name, param in self._parameters.items():
            if param is not None:
                yield prefix + name, param
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent:
                yield prefix + name, buffer
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_items(f"{prefix}{name}.")

    def state_dict(self, keep_vars: bool = False) -> OrderedDict:
        """Every parameter and persistent buffer by dotted name (``'0.weight'``).

        Values are copies of the arrays (so later training does not change a
        saved state); ``keep_vars=True`` gives the tensors themselves.
        ``np.savez(path, **model.state_dict())`` saves a checkpoint.

        Examples
        --------
        >>> from micrograd_plus import Sequential, Linear, ReLU
        >>> list(Sequential(Linear(2, 3), ReLU(), Linear(3, 1)).state_dict())
        ['0.weight', '0.bias', '2.weight', '2.bias']
        """
        return OrderedDict(
            (key, value if keep_vars else value.data.copy()) for key, value in self._state_items()
        )

    def load_state_dict(self, state_dict, strict: bool = True) -> _IncompatibleKeys:
        """Copy arrays from ``state_dict`` into this module's parameters and buffers, in place.

        Values may be arrays, tensors or anything ``np.asarray`` accepts (an
        ``np.load`` archive works directly). Copying in place keeps the
        parameters an optimizer holds valid. With ``strict=True`` missing or
        unexpected keys are an error; a shape mismatch always is.

        Returns
        -------
        _IncompatibleKeys
            ``(missing_keys, unexpected_keys)``, as PyTorch.

        Raises
        ------
        RuntimeError
            Listing every missing key, unexpected key and shape mismatch.
        """
        own = OrderedDict(self._state_items())
        arrays = {}
        for key in own:
            if key in state_dict:
                value = state_dict[key]
                arrays[key] = np.asarray(value.data if isinstance(value, Tensor) else value)
        shapes = {key: arrays[key].shape if key in arrays else None for key in state_dict.keys()}
        missing, unexpected = self._check_state_shapes(shapes, strict)
        for key, array in arrays.items():
            own[key].data[...] = array
        return _IncompatibleKeys(missing, unexpected)

    def _check_state_shapes(self, shapes: dict, strict: bool) -> tuple[list, list]:
        """Raise :meth:`load_state_dict`'s error for a state dict whose values have
        ``shapes`` (name to shape), before anything is read or copied; returns the
        missing and unexpected names. Checkpoints check a file's headers with it."""
        own = OrderedDict(self._state_items())
        missing = [key for key in own if key not in shapes]
        unexpected = [key for key in shapes if key not in own]
        problems = []
        for key, target in own.items():
            if key in shapes and tuple(shapes[key]) != target.data.shape:
                problems.append(
                    f"size mismatch for {key}: copying a value of shape {tuple(shapes[key])} "
                    f"from the state dict, but the shape in the current model is "
                    f"{target.data.shape}"
                )
        if strict and unexpected:
            problems.insert(
                0, "Unexpected key(s) in state_dict: " + ", ".join(map(repr, unexpected))
            )
        if strict and missing:
            problems.insert(0, "Missing key(s) in state_dict: " + ", ".join(map(repr, missing)))
        if problems:
            hint = "Load a state dict saved from the same architecture (layer names and sizes)"
            if strict and (missing or unexpected):
                hint += ", or pass strict=False to skip missing and unexpected keys"
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(problems)
                + f"\n{hint}."
            )
        return missing, unexpected

    # ------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The text inside the parentheses of ``repr`` (layers show their sizes)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): " + _addindent(repr(child), 2) for name, child in self._modules.items()
        ]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"


class Sequential(Module):
    """Modules applied one after another; indexable, sliceable and iterable.

    Parameters
    ----------
    *modules : Module
        The layers in order (named ``'0'``, ``'1'``, ...), or a single
        ``OrderedDict`` mapping names to layers.

    Examples
    --------
    >>> from micrograd_plus import Sequential, Linear, ReLU, Tensor
    >>> model = Sequential(Linear(2, 8), ReLU(), Linear(8, 3))
    >>> model
    Sequential(
      (0): Linear(in_features=2, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=3, bias=True)
    )
    >>> model(Tensor([[1.0, 2.0]])).shape, len(model), model[-1].out_features
    ((1, 3), 3, 3)
    """

    def __init__(self, *modules) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def _key(self, index: int) -> str:
        size = len(self._modules)
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"Sequential indices must be integers or slices, not {type(index)}")
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range for a Sequential of {size} modules")
        return list(self._modules)[index % size]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return self._modules[self._key(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(self._key(index), module)

    def __delitem__(self, index) -> None:
        keys = list(self._modules)[index] if isinstance(index, slice) else [self._key(index)]
        for key in keys:
            delattr(self, key)
        # Renumber so that names stay '0', '1', ... as in PyTorch.
        items = list(self._modules.items())
        for key, _ in items:
            delattr(self, key)
        for i, (_, module) in enumerate(items):
            self.add_module(str(i), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns the Sequential itself."""
        self.add_module(str(len(self._modules)), module)
        return self


__all__ = ["Parameter", "Module", "Sequential"]
