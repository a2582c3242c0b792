"""``optimizer.lr``, ``.momentum``, ``.betas``, ``.eps``, ``.weight_decay`` and ``.params``:
the seed's optimizers kept their hyper-parameters as attributes, and code written for them
reads and sets those (``optimizer.lr = 0.001``). Here they are views of the parameter
groups: reading gives the value every group has, setting sets it in every group.
"""

from __future__ import annotations


class GroupValue:
    """One hyper-parameter as an attribute over all parameter groups.

    Examples
    --------
    >>> from micrograd_plus import SGD, Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1)
    >>> opt.lr = 0.001
    >>> opt.param_groups[0]["lr"], opt.lr
    (0.001, 0.001)
    """

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def _check(self, opt) -> None:
        if self.name not in opt.defaults:
            raise AttributeError(
                f"{type(opt).__name__} has no hyper-parameter {self.name!r}; "
                f"its hyper-parameters are {', '.join(opt.defaults)}"
            )

    def __get__(self, opt, owner=None):
        if opt is None:
            return self
        self._check(opt)
        values = [group[self.name] for group in opt.param_groups]
        if any(v != values[0] for v in values[1:]):
            raise ValueError(
                f"the {len(values)} parameter groups have different {self.name} ({values}); "
                f"read each in optimizer.param_groups[i][{self.name!r}]"
            )
        return values[0]

    def __set__(self, opt, value) -> None:
        self._check(opt)
        before = [group[self.name] for group in opt.param_groups]
        try:
            for group in opt.param_groups:
                group[self.name] = value
                opt._validate(group)
        except Exception:
            for group, old in zip(opt.param_groups, before):
                group[self.name] = old
            raise


class GroupParams:
    """``optimizer.params``: every parameter, group after group; settable with one group."""

    def __get__(self, opt, owner=None):
        if opt is None:
            return self
        return [p for group in opt.param_groups for p in group["params"]]

    def __set__(self, opt, params) -> None:
        if len(opt.param_groups) != 1:
            raise ValueError(
                f"this optimizer has {len(opt.param_groups)} parameter groups; set "
                "optimizer.param_groups[i]['params'], or build a new optimizer"
            )
        groups, opt.param_groups = opt.param_groups, []
        group = {k: v for k, v in groups[0].items() if k != "param_names"}
        group["params"] = params
        try:
            opt.add_param_group(group)
        except Exception:
            opt.param_groups = groups
            raise


class GroupAttributes:
    """The attributes the seed's optimizers had, as views of ``param_groups``."""

    lr = GroupValue()
    momentum = GroupValue()
    betas = GroupValue()
    eps = GroupValue()
    weight_decay = GroupValue()
    params = GroupParams()
