"""The :class:`Optimizer` base class and the helpers every update rule shares.

An :class:`Optimizer` keeps ``defaults``, a list of ``param_groups`` (each a
dict with ``'params'`` and its own hyper-parameters) and a per-parameter
``state`` dict; subclasses supply the update rule as a plain function.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor
from .group_attributes import GroupAttributes


def check_range(name: str, value, low: float = 0.0, high: float | None = None) -> None:
    """Raise ValueError unless ``low <= value`` (and ``value < high`` when given)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and value >= low
    if ok and high is not None:
        ok = value < high
    if not ok:
        bound = f"in [{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"Invalid {name}: {value!r}; it must be a number {bound}")


def check_betas(betas) -> None:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r}; pass a pair like (0.9, 0.999)")
    for i, beta in enumerate(betas):
        check_range(f"beta parameter at index {i} (betas[{i}])", beta, 0.0, 1.0)


class Optimizer(GroupAttributes):
    """Base class: parameter groups, per-parameter state, ``zero_grad``, ``step``.

    Subclasses pass their ``defaults`` and implement ``_update(param, grad,
    state, group, scratch)``, and ``_validate(group)`` for their hyper-parameters.

    Parameters
    ----------
    params : iterable
        Tensors to optimise, or dicts each with a ``'params'`` list and
        hyper-parameters overriding ``defaults`` for that group.
    defaults : dict
        Hyper-parameters for groups that do not set them.

    Notes
    -----
    ``params`` may also be ``model.named_parameters()``, as in PyTorch 2.x: each
    group then keeps the names in ``'param_names'`` (saved by :meth:`state_dict`).

    A step is not all-or-nothing: parameters are updated one after another, in
    place, so an interrupt (Ctrl-C, ``KeyboardInterrupt``) during :meth:`step` can
    leave some parameters (and their state) stepped and others not. Making it
    atomic would cost a copy of every parameter and state on every step; if an
    exact run matters after an interrupt, restore the last checkpoint.

    ``optimizer.lr`` (and ``momentum``, ``betas``, ``eps``, ``weight_decay``, where the
    optimizer has them) reads the value all groups share and sets it in every group;
    ``optimizer.params`` lists the parameters.

    :meth:`load_state_dict` refuses the state of another optimizer class (an Adam
    state into SGD) with a ValueError naming the missing hyper-parameters, where
    PyTorch accepts it silently. ``Adam`` and ``AdamW`` states have the same
    layout, so either loads into the other.
    """

    def __init__(self, params, defaults: dict) -> None:
        _check_params_argument(params, type(self).__name__)
        self.defaults = dict(defaults)
        self.param_groups: list[dict] = []
        self.state: dict = {}
        self._scratch: dict = {}
        self._step_count = 0
        groups = list(params)
        if not groups:
            raise ValueError(
                "optimizer got an empty parameter list (a generator such as "
                "model.parameters() can be consumed only once; create it anew)"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (e.g. a smaller lr)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("parameters must be an ordered collection (a list), not a set")
        elif params is None:
            raise ValueError("a parameter group needs a 'params' entry")
        params, names = _split_names(list(params))
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    "can't optimize a non-leaf Tensor (one computed by an op); pass the "
                    "tensors you created with requires_grad=True, e.g. model.parameters()"
                )
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter group contains the same parameter twice")
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        if self.param_groups and ("param_names" in self.param_groups[0]) != (names is not None):
            raise ValueError(
                "all parameter groups must be given with names (named_parameters()) or all "
                "without; this group is " + ("named" if names is not None else "unnamed")
            )
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        group["params"] = params
        if names is not None:
            group["param_names"] = names
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group: dict) -> None:
        check_range("learning rate (lr)", group["lr"])

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of all parameters (``None`` by default, as PyTorch)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.zero_grad(set_to_none)

    def _buffers(self, like: np.ndarray) -> tuple:
        key = (like.shape, like.dtype)
        buffers = self._scratch.get(key)
        if buffers is None:
            buffers = self._scratch[key] = (np.empty_like(like), np.empty_like(like))
        return buffers

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given.

        ``closure`` (a function that zeroes the gradients, computes the loss, calls
        ``backward()`` and returns the loss) runs first, with gradients enabled.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            if self._step_group(group):
                continue
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if type(grad) is not np.ndarray:  # a NumPy scalar for a 0-d parameter
                    grad = np.asarray(grad)
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                try:
                    self._update(p.data, grad, state, group, self._buffers(p.data))
                except ValueError as err:
                    problem = self._shape_problem(p, grad, state)
                    if problem is None:
                        raise
                    raise RuntimeError(problem) from err
        self._step_count += 1
        return loss

    def _step_group(self, group: dict) -> bool:
        """A subclass's update of the whole group at once; False: update each parameter."""
        return False

    def _shape_problem(self, p, grad, state) -> str | None:
        """Why ``p`` could not be updated, if its shape no longer fits (None otherwise)."""
        shape = p.data.shape
        stale = [k for k, v in state.items() if isinstance(v, np.ndarray) and v.shape != shape]
        if grad.shape != shape:
            found = f"its gradient has shape {grad.shape} (a gradient has its parameter's shape)"
        elif stale:
            found = f"its optimizer state {stale[0]!r} has shape {state[stale[0]].shape}"
        else:
            return None
        where = next(
            f"parameter {i}{_name(group, i)} of param_groups[{g}]"
            for g, group in enumerate(self.param_groups)
            for i, q in enumerate(group["params"])
            if q is p
        )
        cause, then = ("the", ";") if stale else ("if the", ",")
        return (
            f"{where} has shape {shape}, but {found}: {cause} parameter's shape changed after "
            f"the {type(self).__name__} optimizer was built (p.data was replaced by an array "
            f"of another shape){then} keep the shape (copy values in place: p.data[...] = new), "
            "or build a new optimizer for the new parameters"
        )

    def _update(self, param, grad, state, group, scratch) -> None:  # pragma: no cover
        raise NotImplementedError

    def _hyperparameters(self, group: dict) -> dict:
        """This group's value of each of the optimizer's hyper-parameters (``defaults``' keys).

        Extra keys that others store in a group (a scheduler's ``'initial_lr'``) are left out,
        so the result can be passed on as keyword arguments of the update function.
        """
        return {name: group[name] for name in self.defaults}

    # ------------------------------------------------------------- state dict
    def state_dict(self) -> dict:
        """``{'state': {index: {...}}, 'param_groups': [...]}`` with parameters as indices.

        Parameters are numbered in group order, as in PyTorch; arrays are copies.
        """
        index: dict = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {
                k: v.copy() if isinstance(v, np.ndarray) else v for k, v in entry.items()
            }
            for p, entry in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and state saved by :meth:`state_dict` (arrays are copied).

        The state must come from the same optimizer class (see the class notes).
        """
        if not isinstance(state_dict, dict) or "param_groups" not in state_dict:
            raise TypeError(
                "load_state_dict expects the dict from optimizer.state_dict() (with "
                f"'state' and 'param_groups'), got {type(state_dict).__name__}"
            )
        saved_groups = state_dict["param_groups"]
        for i, saved in enumerate(saved_groups):
            missing = [name for name in self.defaults if name not in saved]
            if missing:
                raise ValueError(
                    f"param_groups[{i}] of the loaded state has no {', '.join(missing)}: it was "
                    f"saved by another optimizer class, not by this {type(self).__name__}. Load "
                    "an optimizer's state into an optimizer of the same class"
                )
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, this optimizer "
                f"has {len(self.param_groups)}"
            )
        by_index = {}
        for group, saved in zip(self.param_groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group of {len(saved['params'])} "
                    f"parameters where this optimizer's group has {len(group['params'])}"
                )
            by_index.update(zip((int(i) for i in saved["params"]), group["params"]))
        state = {}
        for key, entry in state_dict["state"].items():
            p = by_index[int(key)]
            state[p] = self._load_state_entry(key, p, entry)
        for group, saved in zip(self.param_groups, saved_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = state

    def _load_state_entry(self, key, p, entry: dict) -> dict:
        """One parameter's saved state as :meth:`step` keeps it (arrays copied, cast)."""
        restored = {}
        for name, value in entry.items():
            if name == "step":
                restored[name] = int(value)
            elif value is None:
                restored[name] = None
            else:
                array = np.array(value, dtype=p.data.dtype, copy=True)
                if array.shape != p.data.shape:
                    raise ValueError(
                        f"state {name!r} of parameter {key} has shape {array.shape}, but "
                        f"the parameter has shape {p.data.shape}"
                    )
                restored[name] = array
        return restored

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines + [")"])


def _check_params_argument(params, optimizer: str) -> None:
    """Refuse what is not an iterable of parameters (or groups), saying what to pass."""
    if isinstance(params, Tensor):
        raise TypeError(
            "params given to the optimizer should be an iterable of Tensors or of dicts, "
            "got a single Tensor; wrap it in a list"
        )
    if isinstance(params, dict):
        if "params" in params:
            raise TypeError(
                "params given to the optimizer should be an iterable of Tensors or of dicts, "
                "got a single parameter group (a dict); wrap it in a list"
            )
        raise TypeError(
            f"{optimizer} got a dict without a 'params' entry (a model.state_dict()?); an "
            "optimizer needs the parameters themselves, not copies of their values: "
            f"{optimizer}(model.parameters(), ...)"
        )
    if callable(getattr(params, "parameters", None)):
        raise TypeError(
            f"the optimizer got the {type(params).__name__} module itself; pass its "
            f"parameters: {optimizer}(model.parameters(), ...)"
        )
    if callable(params) and not hasattr(params, "__iter__"):
        name = getattr(params, "__name__", "function")
        raise TypeError(
            f"{optimizer} got the method {name} itself, not the parameters; call it: "
            f"{optimizer}(model.{name}(), ...)"
        )
    if isinstance(params, (set, frozenset)):
        raise TypeError(
            "optimizer parameters must be an ordered collection such as a list, not a set "
            "(a set's order changes from run to run); pass a list or model.parameters()"
        )


def _name(group: dict, index: int) -> str:
    names = group.get("param_names")
    return f" ({names[index]!r})" if names else ""


def _split_names(params: list) -> tuple:
    """``(tensors, names)`` from ``named_parameters()`` pairs, or ``(params, None)`` (torch)."""
    named = [isinstance(p, tuple) for p in params]
    if not any(named):
        return params, None
    if not all(named) or any(len(p) != 2 or not isinstance(p[0], str) for p in params):
        raise ValueError(
            "optimizer parameters must be all (name, tensor) pairs, as model.named_parameters() "
            "yields, or all tensors, as model.parameters() yields; got a mix"
        )
    return [p for _, p in params], [name for name, _ in params]
