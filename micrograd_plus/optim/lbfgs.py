r"""L-BFGS: the quasi-Newton optimizer of ``torch.optim.LBFGS``, on flat NumPy arrays.

L-BFGS keeps the last ``history_size`` steps :math:`s_i = x_{i+1} - x_i` and gradient
changes :math:`y_i = g_{i+1} - g_i`; together they stand in for the inverse Hessian, and
:func:`two_loop` turns the gradient into the direction :math:`d = -H g` without ever
forming a matrix. The step along ``d`` is ``lr`` (``min(1, 1/|g|_1) * lr`` on the very
first iteration), or the one found by :func:`strong_wolfe`.

The algorithm, its state and its counters are PyTorch's, statement for statement, so a
run agrees with ``torch.optim.LBFGS`` to float64 rounding. All parameters are handled
as one flat vector: the gradients are concatenated, the direction is a flat array, and
the parameters are moved by slicing it back into their shapes.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd.grad_mode import enable_grad
from .optimizer import Optimizer, check_range

__all__ = ["LBFGS", "two_loop", "strong_wolfe", "cubic_interpolate"]

_LINE_SEARCHES = (None, "strong_wolfe")
_CLOSURE = (
    "    def closure():\n"
    "        optimizer.zero_grad()\n"
    "        loss = loss_fn(model(X), y)\n"
    "        loss.backward()\n"
    "        return loss\n"
    "    optimizer.step(closure)"
)


# ------------------------------------------------------------ the algorithm
def cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through ``(x1, f1)`` and ``(x2, f2)`` with slopes ``g1``, ``g2``.

    The result is clipped to ``bounds`` (default: the interval between ``x1`` and
    ``x2``); where the cubic has no minimum, the middle of the bounds.

    Examples
    --------
    A quadratic is its own cubic, so its minimum is found exactly:

    >>> f = lambda x: (x - 0.25) ** 2
    >>> print(cubic_interpolate(0.0, f(0.0), -0.5, 1.0, f(1.0), 1.5))
    0.25
    """
    if bounds is not None:
        low, high = bounds
    else:
        low, high = (x1, x2) if x1 <= x2 else (x2, x1)
    # An infinite loss or a collapsed bracket gives inf or NaN here, silently as in torch;
    # the comparisons below then decide the step exactly as torch's do.
    with np.errstate(all="ignore"):
        d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        d2_square = d1**2 - g1 * g2
        if not d2_square >= 0:
            return (low + high) / 2.0
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, low), high)


def two_loop(grad, old_dirs, old_stps, ro, H_diag, al):
    """The L-BFGS direction ``-H grad`` by the two-loop recursion.

    Parameters
    ----------
    grad : ndarray
        The flat gradient.
    old_dirs, old_stps : list of ndarray
        Gradient changes ``y_i`` and steps ``s_i``, oldest first.
    ro : list
        ``1 / (y_i . s_i)``.
    H_diag : float
        Scale of the initial inverse Hessian, ``y.s / y.y`` of the newest pair.
    al : list
        Receives the first loop's coefficients (kept in the state, as torch does).

    Examples
    --------
    One pair saying that the curvature along the first axis is 2 gives Newton's
    step there; the other axis is scaled by ``H_diag``:

    >>> import numpy as np
    >>> s, y = np.array([1.0, 0.0]), np.array([2.0, 0.0])
    >>> two_loop(np.array([4.0, 1.0]), [y], [s], [1 / y.dot(s)], 0.5, [None]).tolist()
    [-2.0, -0.5]
    """
    q = -grad
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = old_stps[i].dot(q) * ro[i]
        q -= al[i] * old_dirs[i]
    r = q * H_diag
    for i in range(len(old_dirs)):
        be_i = old_dirs[i].dot(r) * ro[i]
        r += (al[i] - be_i) * old_stps[i]
    return r


def _remember(state, y, s, history_size) -> None:
    """Add the pair ``(y, s)`` to the history if its curvature ``y.s`` is positive."""
    ys = y.dot(s)
    if ys > 1e-10:
        if len(state["old_dirs"]) == history_size:  # forget the oldest pair
            for name in ("old_dirs", "old_stps", "ro"):
                state[name].pop(0)
        state["old_dirs"].append(y)
        state["old_stps"].append(s)
        state["ro"].append(np.reciprocal(ys))  # keeps float32 also on NumPy 1.x
        state["H_diag"] = ys / y.dot(y)


def strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search for a step ``t`` along ``d`` satisfying the strong Wolfe conditions.

    A port of torch's ``_strong_wolfe`` (itself from minFunc): grow ``t`` until an
    interval brackets an acceptable step, then shrink it by cubic interpolation.

    Parameters
    ----------
    obj_func : callable
        ``obj_func(x, t, d)`` returns the loss and the flat gradient at ``x + t * d``.
    x, d : ndarray
        The start point and the search direction.
    t : float
        The first step to try.
    f, g, gtd : float, ndarray, float
        Loss, gradient and slope ``g . d`` at ``x``.
    c1, c2 : float
        Sufficient decrease and curvature constants.
    tolerance_change : float
        Stop when the interval, times ``max |d|``, is smaller.
    max_ls : int
        The most evaluations of ``obj_func`` after the first.

    Returns
    -------
    f_new, g_new, t, evals
        Loss and gradient at the step found, the step, and how many evaluations it took.

    Examples
    --------
    >>> import numpy as np
    >>> def obj_func(x, t, d):  # f(x) = (x - 3)**2
    ...     z = x + t * d
    ...     return float(((z - 3) ** 2).sum()), 2 * (z - 3)
    >>> x = np.array([0.0])
    >>> f, g = obj_func(x, 0.0, x)
    >>> f_new, g_new, t, evals = strong_wolfe(obj_func, x, 1.0, -g, f, g, g.dot(-g))
    >>> print(f"t = {t:.2f}, evaluations = {evals}")
    t = 0.50, evaluations = 2
    """

    def point(step):
        f_new, g_new = obj_func(x, step, d)
        return step, f_new, g_new, g_new.dot(d)

    search = _Search(point, (0, f, g, gtd), c1, c2, max_ls)
    bracket, done = search.bracket(point(t))
    t, f_new, g_new, _ = search.zoom(bracket, done, np.abs(d).max(), tolerance_change)
    return f_new, g_new, t, search.evals


class _Search:
    """The state of one strong-Wolfe search along a line; points are ``(t, f, g, gtd)``."""

    def __init__(self, point, start, c1, c2, max_ls):
        self.point, self.start, self.c1, self.c2, self.max_ls = point, start, c1, c2, max_ls
        self.ls_iter, self.evals = 0, 0

    def evaluate(self, t):
        self.evals += 1
        return self.point(t)

    def armijo_fails(self, t, f_new) -> bool:
        """Not the sufficient decrease ``f(t) <= f(0) + c1 t f'(0)``."""
        _, f, _, gtd = self.start
        return f_new > (f + self.c1 * t * gtd)

    def curvature_holds(self, gtd_new) -> bool:
        """The strong curvature condition ``|f'(t)| <= -c2 f'(0)``."""
        return abs(gtd_new) <= -self.c2 * self.start[3]

    def bracket(self, new):
        """Phase 1: grow the step until ``[prev, new]`` brackets a strong-Wolfe point.

        Returns the bracket (a single point when that point satisfies the conditions)
        and whether it does.
        """
        self.evals += 1  # ``new``, evaluated by the caller
        prev = self.start
        while self.ls_iter < self.max_ls:
            t, f_new, _, gtd_new = new
            if self.armijo_fails(t, f_new) or (self.ls_iter > 1 and f_new >= prev[1]):
                return [prev, new], False
            if self.curvature_holds(gtd_new):
                return [new], True
            if gtd_new >= 0:
                return [prev, new], False
            bounds = (t + 0.01 * (t - prev[0]), t * 10)
            step = cubic_interpolate(prev[0], prev[1], prev[3], t, f_new, gtd_new, bounds=bounds)
            prev, new = new, self.evaluate(step)
            self.ls_iter += 1
        return [self.start, new], False  # out of evaluations: torch's bracket [0, t]

    def zoom(self, bracket, done, d_norm, tolerance_change):
        """Phase 2: shrink the bracket by cubic interpolation until a point satisfies
        the strong Wolfe conditions; returns the lowest point of the bracket."""
        low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
        insuf_progress = False
        while not done and self.ls_iter < self.max_ls:
            (t0, f0, _, gtd0), (t1, f1, _, gtd1) = bracket
            if abs(t1 - t0) * d_norm < tolerance_change:
                break
            t = cubic_interpolate(t0, f0, gtd0, t1, f1, gtd1)
            t, insuf_progress = _away_from_ends(t, t0, t1, insuf_progress)
            new = self.evaluate(t)
            self.ls_iter += 1
            if self.armijo_fails(t, new[1]) or new[1] >= bracket[low][1]:
                bracket[high] = new
                low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
                continue
            if self.curvature_holds(new[3]):
                done = True
            elif new[3] * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]  # the old low end becomes the high end
            bracket[low] = new
        return bracket[low]


def _away_from_ends(t, t0, t1, insuf_progress):
    """Move ``t`` to 10% of the bracket from its nearer end if it sits too close to one
    twice in a row (or on or beyond an end); returns ``t`` and the new progress flag."""
    low, high = min(t0, t1), max(t0, t1)
    eps = 0.1 * (high - low)
    if not min(high - t, t - low) < eps:  # (a NaN step passes through, as in torch)
        return t, False
    if not (insuf_progress or t >= high or t <= low):
        return t, True
    return (high - eps if abs(t - high) < abs(t - low) else low + eps), False


# ------------------------------------------------------------ the optimizer
class LBFGS(Optimizer):
    r"""L-BFGS, PyTorch's algorithm (after minFunc), with an optional strong-Wolfe line search.

    Each :meth:`step` runs up to ``max_iter`` iterations, each taking the direction
    :func:`two_loop` makes from the last ``history_size`` steps and gradient changes,
    and stepping ``lr`` along it (or the step :func:`strong_wolfe` finds). It stops
    early when the largest gradient entry is at most ``tolerance_grad``, when the
    loss or the step changes by less than ``tolerance_change``, or after ``max_eval``
    evaluations of the closure.

    Parameters
    ----------
    params : iterable
        Tensors to optimise: a single group only (L-BFGS treats them as one vector).
    lr : float, default 1
        Step along the direction (the first iteration's is ``min(1, 1/|g|_1) * lr``).
    max_iter : int, default 20
        Iterations per :meth:`step`.
    max_eval : int, optional
        Closure evaluations per :meth:`step`; ``max_iter * 5 // 4`` by default.
    tolerance_grad, tolerance_change : float
        The stopping tolerances (1e-7 and 1e-9).
    history_size : int, default 100
        How many pairs of steps and gradient changes to keep.
    line_search_fn : {None, "strong_wolfe"}
        ``None`` steps ``lr`` without a line search.

    Notes
    -----
    The state, kept under the first parameter as in torch, has torch's keys: ``d``,
    ``t``, ``old_dirs``, ``old_stps``, ``ro``, ``al``, ``H_diag``, ``prev_flat_grad``,
    ``prev_loss``, ``n_iter`` and ``func_evals``. The strong-Wolfe search uses its own
    ``tolerance_change=1e-9``, not the optimizer's (torch does the same).

    ``lr`` must be positive (torch also takes 0, which makes no step without a line search
    and a division by zero with one); ``max_iter``, ``max_eval`` and ``history_size``
    must be positive integers.

    Examples
    --------
    Minimise the Rosenbrock function from (-1, 1):

    >>> import numpy as np
    >>> from micrograd_plus import LBFGS, Tensor
    >>> xy = Tensor(np.array([-1.0, 1.0]), requires_grad=True)
    >>> optimizer = LBFGS([xy], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     optimizer.zero_grad()
    ...     x, y = xy[0], xy[1]
    ...     loss = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    ...     loss.backward()
    ...     return loss
    >>> for _ in range(3):
    ...     loss = optimizer.step(closure)
    >>> np.round(xy.data, 3).tolist()
    [1.0, 1.0]
    """

    def __init__(
        self,
        params,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        _check_count("max_iter", max_iter)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict) -> None:
        """Refuse a second group: L-BFGS has no per-parameter options (as in torch)."""
        if self.param_groups:
            raise ValueError(
                "LBFGS doesn't support per-parameter options (parameter groups): it takes a "
                "single group, as torch.optim.LBFGS; pass all the parameters in one list: "
                "LBFGS(model.parameters(), lr=...)"
            )
        super().add_param_group(param_group)

    def _validate(self, group: dict) -> None:
        lr = group["lr"]
        if not (isinstance(lr, numbers.Real) and not isinstance(lr, bool) and lr > 0):
            raise ValueError(
                f"Invalid learning rate (lr): {lr!r}; LBFGS needs a number > 0 (its step is "
                "lr times the quasi-Newton direction; the default lr=1 is the usual choice)"
            )
        for name in ("max_iter", "max_eval", "history_size"):
            _check_count(name, group[name])
        check_range("tolerance_grad", group["tolerance_grad"])
        check_range("tolerance_change", group["tolerance_change"])
        if group["line_search_fn"] not in _LINE_SEARCHES:
            raise ValueError(
                f"Invalid line_search_fn: {group['line_search_fn']!r}; LBFGS knows "
                "line_search_fn='strong_wolfe' and line_search_fn=None (a fixed step of lr)"
            )

    # ------------------------------------------------------- flat vectors
    def _flat_dtype(self) -> np.dtype:
        return np.result_type(*(p.data.dtype for p in self._params))

    def _numel(self) -> int:
        return sum(p.data.size for p in self._params)

    def _flat_params(self) -> np.ndarray:
        return np.concatenate([p.data.ravel() for p in self._params])

    def _flat_grad(self) -> np.ndarray:
        """All gradients in one new vector; a missing gradient counts as zeros (torch)."""
        return np.concatenate(
            [
                np.zeros(p.data.size, p.data.dtype) if p.grad is None else np.ravel(p.grad)
                for p in self._params
            ]
        )

    def _set_params(self, flat: np.ndarray) -> None:
        """Copy ``flat`` into the parameters' arrays, in place."""
        offset = 0
        for p in self._params:
            p.data[...] = flat[offset : offset + p.data.size].reshape(p.data.shape)
            offset += p.data.size

    def _add_grad(self, t, d: np.ndarray) -> None:
        """Move the parameters by ``t * d``, in place."""
        offset = 0
        for p in self._params:
            p.data += (t * d[offset : offset + p.data.size]).reshape(p.data.shape)
            offset += p.data.size

    def _evaluate(self, closure) -> tuple:
        """Run the closure: the loss as a float and the flat gradient."""
        return _as_float(closure()), self._flat_grad()

    def _directional_evaluate(self, closure, x, t, d) -> tuple:
        """Loss and gradient at ``x + t d``; the parameters are left at ``x``."""
        self._add_grad(t, d)
        loss, flat_grad = self._evaluate(closure)
        self._set_params(x)
        return loss, flat_grad

    # ------------------------------------------------------------- step
    def step(self, closure=None):
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's first loss.

        Parameters
        ----------
        closure : callable
            Zeroes the gradients, computes the loss, calls ``backward()`` and returns
            the loss (a Tensor or a float). It runs with gradients enabled, several
            times per step.
        """
        if closure is None:
            raise TypeError(
                "LBFGS.step() needs a closure: L-BFGS evaluates the loss several times per "
                "step, so pass a function that recomputes it:\n" + _CLOSURE
            )
        group = self.param_groups[0]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = _with_grad(closure)()
        loss, flat_grad = _as_float(orig_loss), self._flat_grad()
        state["func_evals"] += 1
        self._step_count += 1
        if np.abs(flat_grad).max() <= group["tolerance_grad"]:
            return orig_loss
        self._iterate(_with_grad(closure), state, group, loss, flat_grad)
        return orig_loss

    def _iterate(self, closure, state, group, loss, flat_grad) -> None:
        """The iterations of one step, from the loss and gradient at the current point."""
        n_iter, current_evals = 0, 1
        while n_iter < group["max_iter"]:
            n_iter += 1
            state["n_iter"] += 1
            self._set_direction(state, flat_grad, group["history_size"])
            state["prev_flat_grad"], state["prev_loss"] = flat_grad.copy(), loss
            first = state["n_iter"] == 1  # the first iteration of the whole run
            lr = group["lr"]
            state["t"] = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if first else lr
            gtd = flat_grad.dot(state["d"])
            if gtd > -group["tolerance_change"]:  # no descent left along d
                break
            last = n_iter == group["max_iter"]
            max_ls = group["max_eval"] - current_evals
            loss, flat_grad, state["t"], evals = self._move(
                closure, state, group, loss, flat_grad, gtd, last, max_ls
            )
            current_evals += evals
            state["func_evals"] += evals
            if last or self._should_stop(state, group, loss, flat_grad, current_evals):
                break

    def _set_direction(self, state, flat_grad, history_size) -> None:
        """``state['d']``: steepest descent at first, then the L-BFGS direction."""
        if state["n_iter"] == 1:
            state["d"] = -flat_grad
            state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1)
            return
        y = flat_grad - state["prev_flat_grad"]
        _remember(state, y, state["d"] * state["t"], history_size)
        al = state.setdefault("al", [None] * history_size)
        state["d"] = two_loop(
            flat_grad, state["old_dirs"], state["old_stps"], state["ro"], state["H_diag"], al
        )

    def _move(self, closure, state, group, loss, flat_grad, gtd, last, max_ls) -> tuple:
        """Step along ``state['d']``; returns the new loss, gradient, step and evaluations."""
        d, t = state["d"], state["t"]
        if group["line_search_fn"] == "strong_wolfe":

            def obj_func(x, t, d):
                return self._directional_evaluate(closure, x, t, d)

            x = self._flat_params()
            loss, flat_grad, t, evals = strong_wolfe(
                obj_func, x, t, d, loss, flat_grad, gtd, max_ls=max_ls
            )
            self._add_grad(t, d)
            return loss, flat_grad, t, evals
        self._add_grad(t, d)
        if last:  # torch does not evaluate the loss after the last fixed step
            return loss, flat_grad, t, 0
        return *self._evaluate(closure), t, 1

    def _should_stop(self, state, group, loss, flat_grad, current_evals) -> bool:
        """Out of evaluations, at a stationary point, or no longer making progress."""
        return bool(
            current_evals >= group["max_eval"]
            or np.abs(flat_grad).max() <= group["tolerance_grad"]
            or np.abs(state["d"] * state["t"]).max() <= group["tolerance_change"]
            or abs(loss - state["prev_loss"]) < group["tolerance_change"]
        )

    # ------------------------------------------------------- state dict
    def state_dict(self) -> dict:
        """As :meth:`Optimizer.state_dict`; the history lists are copied too."""
        saved = super().state_dict()
        for entry in saved["state"].values():
            for name, value in entry.items():
                if isinstance(value, list):
                    entry[name] = [v.copy() if isinstance(v, np.ndarray) else v for v in value]
        return saved

    def _load_state_entry(self, key, param, entry: dict) -> dict:
        """The state of :meth:`state_dict` (or of a checkpoint) as :meth:`step` keeps it."""
        dtype, numel = self._flat_dtype(), self._numel()

        def restore(name, value):
            if isinstance(value, (list, tuple)):
                return [restore(name, v) for v in value]
            if name in ("n_iter", "func_evals"):
                return int(value)
            if isinstance(value, (np.ndarray, np.generic)) and np.ndim(value) == 0:
                return np.asarray(value, dtype=dtype)[()]  # a float32 run keeps float32 scalars
            if not isinstance(value, np.ndarray):
                return value  # None, or a Python number (t, H_diag, prev_loss)
            if value.shape != (numel,):
                raise ValueError(
                    f"state {name!r} of LBFGS has shape {value.shape}, but the parameters "
                    f"have {numel} elements in all; load the state of an LBFGS built for the "
                    "same parameters"
                )
            return np.array(value, dtype=dtype, copy=True)

        return {name: restore(name, value) for name, value in entry.items()}


def _check_count(name: str, value) -> None:
    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1):
        raise ValueError(f"Invalid {name}: {value!r}; it must be a positive integer")


def _with_grad(closure):
    """``closure`` run with gradients enabled, even inside ``no_grad()`` (as torch)."""

    def run():
        with enable_grad():
            return closure()

    return run


def _as_float(loss) -> float:
    if loss is None:
        raise TypeError(
            "the closure returned None; LBFGS needs the loss: end the closure with "
            "`return loss`:\n" + _CLOSURE
        )
    return float(loss)
