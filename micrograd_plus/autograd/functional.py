"""Jacobians, Hessians and their products with vectors, from a function
(PyTorch's ``torch.autograd.functional``).

Each helper takes a function of Tensors and the point to evaluate it at, and
returns what ``torch.autograd.functional`` returns: the same signature, the same
structure (a single Tensor where ``inputs`` is a single Tensor, tuples where it
is a tuple, nested tuples for Jacobians and Hessians of several inputs or
outputs) and the same values. They are built on :func:`~micrograd_plus.grad`:

- :func:`vjp` is one backward pass (``v^T J``);
- :func:`jvp` (``J v``) uses the double-backward trick, as torch does: the
  gradient of ``u^T J`` with respect to ``u`` is ``J v``;
- :func:`vhp` and :func:`hvp` differentiate the gradient once more
  (:func:`vhp` is the cheaper of the two; they agree for twice continuously
  differentiable functions, whose Hessian is symmetric);
- :func:`jacobian` and :func:`hessian` run one backward pass per output element.

The results carry no graph unless ``create_graph=True``, in which case they can
be differentiated again. With ``strict=True`` an input that the output does not
depend on is an error; otherwise its part of the result is zeros.

Examples
--------
>>> from micrograd_plus import Tensor
>>> from micrograd_plus.autograd.functional import hessian
>>> x = Tensor([1.0, 2.0])
>>> hessian(lambda x: (x**3).sum(), x).tolist()   # diag(6 x)
[[6.0, 0.0], [0.0, 12.0]]
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .engine import GradMode, is_grad_enabled
from .engine import grad as _grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ------------------------------------------------------------------ plumbing
def _as_tuple(value, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """``(was_a_tuple, value as a tuple of Tensors)``; a clear error for anything else."""
    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for i, el in enumerate(values):
        if isinstance(el, Tensor):
            continue
        where = f"the value at index {i}" if is_tuple else f"the given {arg_name}"
        if arg_name.startswith("outputs"):
            hint = (
                "compute the result with Tensor operations (not NumPy functions) and return "
                "Tensors from the function"
            )
        elif isinstance(value, list):
            hint = "pass a tuple of Tensors, not a list"
        else:
            hint = "wrap arrays as Tensor(array)"
        raise TypeError(
            f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of "
            f"Tensors, but {where} has type {type(el).__name__}; {hint}"
        )
    return is_tuple, values


def _unpack(res, to_unpack):
    """Undo :func:`_as_tuple` on results: ``to_unpack`` is one flag or (outer, inner)."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _preprocess(tensors: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh Tensor objects for the inputs (always new, as torch: a tensor the
    function captures from outside must not be mistaken for an input).

    With ``create_graph`` a tensor that requires grad is linked to the original
    so the result can flow back to it; otherwise it is detached.
    """
    res = []
    for t in tensors:
        if create_graph and t.requires_grad:
            res.append(t.reshape(t.shape))  # a differentiable shallow copy (torch's view_as)
        else:
            res.append(t.detach().requires_grad_(need_graph))
    return tuple(res)


def _postprocess(tensors, create_graph: bool):
    """Drop the graph from the results unless the user asked to keep it."""
    if isinstance(tensors[0], Tensor):
        return tensors if create_graph else tuple(t.detach() for t in tensors)
    return tuple(_postprocess(t, create_graph) for t in tensors)


def _validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}; "
                "pass one tensor per entry"
            )
        raise RuntimeError("The given v should contain a single Tensor; pass one tensor")
    for i, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prefix = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(
                f"{prefix}v has invalid shape: should be {el_other.shape} but got "
                f"{el_v.shape}; give v the shape of what it multiplies"
            )


def _check_requires_grad(tensors: tuple, kind: str, strict: bool) -> None:
    """Under ``strict``, raise if a result does not depend on the inputs (torch's messages)."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. "
                "This is not allowed in strict mode."
            )
        if t.requires_grad:
            continue
        if kind == "hessian":
            raise RuntimeError(
                f"The hessian of the user-provided function with respect to input {i} is "
                "independent of the input. This is not allowed in strict mode. You should "
                "ensure that your function is thrice differentiable and that the hessian "
                "depends on the inputs."
            )
        if kind == "jacobian":
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided "
                f"function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example)."
            )
        if kind == "grad_inputs":
            raise RuntimeError(
                f"The gradient with respect to input {i} is independent of the inputs of the "
                "user-provided function. This is not allowed in strict mode."
            )
        raise RuntimeError(
            f"Output {i} of the user-provided function does not require gradients. The "
            "outputs must be computed in a differentiable manner from the input when "
            "running in strict mode."
        )


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """:func:`grad` that skips outputs which are ``None`` or need no grad (their part is 0)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, seeds = zip(*pairs)
    return _grad(
        outs,
        inputs,
        seeds,
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )


_STRICT_NONE = {
    "back": "The output of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
    "grad_outputs when using the double backward trick to compute forward mode gradients. "
    "This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry "
    "{i} in the grad_jacobian. This is not allowed in strict mode as it prevents from using "
    "the double backward trick to replace forward mode AD.",
}


def _fill_in_zeros(grads, refs, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Zeros where a gradient is ``None`` (or, under ``strict``, an error)."""
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_STRICT_NONE[stage].format(i=i))
            g = Tensor._make(np.zeros_like(refs[i].data))
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. "
                "This is not allowed in strict mode when create_graph=True."
            )
        res.append(g)
    return tuple(res)


def _default_v(v, refs: tuple, is_refs_tuple: bool, fn_name: str, of_what: str, create_graph):
    """``v`` as a tuple of detached Tensors shaped like ``refs`` (None: allowed for one element)."""
    if v is not None:
        _, v = _as_tuple(v, "v", fn_name)
        v = _preprocess(v, create_graph=create_graph, need_graph=False)
        _validate_v(v, refs, is_refs_tuple)
        return v
    if len(refs) != 1 or refs[0].numel() != 1:
        raise RuntimeError(
            f"The vector v can only be None if {of_what} is a single Tensor with a single "
            f"element; pass v= a tensor of {refs[0].shape if len(refs) == 1 else 'each'} shape"
        )
    return None


def _zeros_requiring_grad(like: tuple) -> tuple:
    return tuple(Tensor(np.zeros_like(t.data), requires_grad=True) for t in like)


# --------------------------------------------------------------- public API
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """The vector-Jacobian product ``v^T J`` of ``func`` at ``inputs``.

    Parameters
    ----------
    func : callable
        Takes Tensors (one per input) and returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensors
        Where to evaluate ``func``.
    v : Tensor or tuple of Tensors, optional
        Shaped like the outputs; may be omitted when the output has one element.
    create_graph : bool, default False
        Compute the outputs and the product with a graph, to differentiate again.
    strict : bool, default False
        Raise if an input has no influence on the outputs (else its part is zeros).

    Returns
    -------
    (func_output, vjp)
        ``func(*inputs)``, and the product, shaped like ``inputs``.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> from micrograd_plus.autograd.functional import vjp
    >>> out, g = vjp(lambda x: x**2, Tensor([1.0, 2.0]), v=Tensor([1.0, 10.0]))
    >>> g.tolist()                     # 2 x v
    [2.0, 40.0]
    """
    with GradMode(True):
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(
            outputs, "outputs of the user-provided function", "vjp"
        )
        _check_requires_grad(outputs, "outputs", strict)
        of_what = "the user-provided function returns a Tensor that"
        v = _default_v(v, outputs, is_outputs_tuple, "vjp", of_what, create_graph)
    with GradMode(True if create_graph else is_grad_enabled()):
        grads = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grads, inputs, strict, create_graph, "back")
    outputs = _postprocess(outputs, create_graph)
    result = _postprocess(result, create_graph)
    return _unpack(outputs, is_outputs_tuple), _unpack(result, is_inputs_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """The Jacobian-vector product ``J v`` of ``func`` at ``inputs``.

    Computed as torch does, with the double-backward trick: ``u^T J`` is linear
    in ``u``, and its gradient with respect to ``u`` along ``v`` is ``J v``.

    Parameters
    ----------
    func : callable
        Takes Tensors (one per input) and returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensors
        Where to evaluate ``func``.
    v : Tensor or tuple of Tensors, optional
        Shaped like the inputs; may be omitted when the input has one element.
    create_graph : bool, default False
        Compute the outputs and the product with a graph, to differentiate again.
    strict : bool, default False
        Raise if an input has no influence on the outputs (else its part is zeros).

    Returns
    -------
    (func_output, jvp)
        ``func(*inputs)``, and the product, shaped like the outputs.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> from micrograd_plus.autograd.functional import jvp
    >>> out, t = jvp(lambda x: x**2, Tensor([1.0, 2.0]), v=Tensor([1.0, 10.0]))
    >>> t.tolist()                     # 2 x v
    [2.0, 40.0]
    """
    with GradMode(True):
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _preprocess(inputs, create_graph=create_graph, need_graph=True)
        of_what = "the input to the user-provided function"
        v = _default_v(v, inputs, is_inputs_tuple, "jvp", of_what, create_graph)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(
            outputs, "outputs of the user-provided function", "jvp"
        )
        _check_requires_grad(outputs, "outputs", strict)
        # The backward pass is linear in its seed, so the seed's value (zeros) never
        # shows in the result; it only has to be a finite leaf we can differentiate by.
        seeds = _zeros_requiring_grad(outputs)
        grad_inputs = _autograd_grad(outputs, inputs, seeds, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with GradMode(True if create_graph else is_grad_enabled()):
        grads = _autograd_grad(grad_inputs, seeds, v, create_graph=create_graph)
        result = _fill_in_zeros(grads, outputs, strict, create_graph, "back_trick")
    outputs = _postprocess(outputs, create_graph)
    result = _postprocess(result, create_graph)
    return _unpack(outputs, is_outputs_tuple), _unpack(result, is_outputs_tuple)


def _stack_rows(rows: list, shape: tuple) -> Tensor:
    """The rows ``d out[j] / d input`` stacked into a Tensor of ``shape``, keeping their graph
    (``stack`` has a double backward, so the Jacobian of a Jacobian, a Hessian, is right)."""
    if not any(r.requires_grad for r in rows):
        return Tensor._make(np.stack([r.data for r in rows]).reshape(shape))
    if len(rows) == 1:
        return rows[0].reshape(shape)
    from ..ops.shape import stack  # imported here: at load time ops and tensor import us

    return stack(rows).reshape(shape)


def _jacobian_rows(out: Tensor, inputs: tuple, create_graph: bool, strict: bool, i: int):
    """One backward pass per element of ``out``: the Jacobian of ``out`` w.r.t. each input."""
    flat_seed = np.zeros(out.numel(), dtype=out.dtype)
    rows = tuple([] for _ in inputs)
    for j in range(out.numel()):
        if out.requires_grad:
            # A one-hot seed instead of out.reshape(-1)[j] (torch): the same rows
            # without an indexing node per element.
            flat_seed[j] = 1
            seed = Tensor._make(flat_seed.reshape(out.shape).copy())
            flat_seed[j] = 0
            vj = _grad(
                (out,), inputs, (seed,), retain_graph=True, create_graph=create_graph,
                allow_unused=True,
            )  # fmt: skip
        else:
            vj = (None,) * len(inputs)
        for k, (row, g, inp) in enumerate(zip(rows, vj, inputs)):
            if g is not None:
                if strict and create_graph and not g.requires_grad:
                    raise RuntimeError(
                        f"The jacobian of the user-provided function is independent of input "
                        f"{i}. This is not allowed in strict mode when create_graph=True."
                    )
                row.append(g)
            else:
                if strict:
                    raise RuntimeError(
                        f"Output {i} of the user-provided function is independent of input "
                        f"{k}. This is not allowed in strict mode."
                    )
                row.append(Tensor._make(np.zeros_like(inp.data)))
    return tuple(
        _stack_rows(row, out.shape + inp.shape) if row else
        Tensor._make(np.zeros(out.shape + inp.shape, dtype=inp.dtype))
        for row, inp in zip(rows, inputs)
    )  # fmt: skip


def _check_strategy(strategy: str, vectorize: bool, name: str) -> None:
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError(
            f'{name} must be either "forward-mode" or "reverse-mode", got {strategy!r}; '
            'micrograd_plus computes every Jacobian in "reverse-mode" (the default)'
        )
    if strategy == "forward-mode":
        raise NotImplementedError(
            f'{name}="forward-mode" is not available: micrograd_plus has no forward-mode AD. '
            f'Leave {name}="reverse-mode" (the default); the result is the same'
        )
    # vectorize=True only changes how torch batches the backward passes, not the values;
    # here it is accepted and the passes run one after the other.
    del vectorize


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):  # fmt: skip
    """The Jacobian of ``func`` at ``inputs``.

    Parameters
    ----------
    func : callable
        Takes Tensors (one per input) and returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensors
        Where to evaluate ``func``.
    create_graph : bool, default False
        Compute the Jacobian with a graph, to differentiate it again.
    strict : bool, default False
        Raise if an input has no influence on an output (else its block is zeros).
    vectorize : bool, default False
        Accepted for torch compatibility and ignored: the values are the same, the
        backward passes simply run one per output element.
    strategy : {"reverse-mode"}
        ``"forward-mode"`` raises ``NotImplementedError`` (no forward-mode AD here).

    Returns
    -------
    Tensor or tuple
        ``J[i][j]`` of shape ``output_i.shape + input_j.shape``: a single Tensor
        for one input and one output, a tuple if either is a tuple, a tuple of
        tuples if both are.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> from micrograd_plus.autograd.functional import jacobian
    >>> jacobian(lambda x: x**2, Tensor([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """
    _check_strategy(strategy, vectorize, "strategy")
    with GradMode(True):
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(
            outputs, "outputs of the user-provided function", "jacobian"
        )
        _check_requires_grad(outputs, "outputs", strict)
        result = tuple(
            _jacobian_rows(out, inputs, create_graph, strict, i) for i, out in enumerate(outputs)
        )
        result = _postprocess(result, create_graph)
        return _unpack(result, (is_outputs_tuple, is_inputs_tuple))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):  # fmt: skip
    """The Hessian of the scalar function ``func`` at ``inputs``.

    Parameters
    ----------
    func : callable
        Takes Tensors (one per input) and returns a one-element Tensor.
    inputs : Tensor or tuple of Tensors
        Where to evaluate ``func``.
    create_graph : bool, default False
        Compute the Hessian with a graph, to differentiate it again.
    strict : bool, default False
        Raise if the gradient with respect to an input does not depend on the inputs.
    vectorize : bool, default False
        Accepted for torch compatibility and ignored (same values).
    outer_jacobian_strategy : {"reverse-mode"}
        ``"forward-mode"`` raises ``NotImplementedError``.

    Returns
    -------
    Tensor or tuple of tuples
        For one input, a Tensor of shape ``input.shape + input.shape``; for a tuple
        of inputs, ``H[i][j]`` of shape ``input_i.shape + input_j.shape``.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> from micrograd_plus.autograd.functional import hessian
    >>> x, y = Tensor([1.0]), Tensor([2.0])
    >>> H = hessian(lambda x, y: (x**2 * y).sum(), (x, y))   # [[2y, 2x], [2x, 0]]
    >>> [[float(block) for block in row] for row in H]
    [[4.0, 2.0], [2.0, 0.0]]
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    _check_strategy(outer_jacobian_strategy, vectorize, "outer_jacobian_strategy")

    def scalar_func(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict)
        if is_out_tuple:
            raise RuntimeError(
                "The function given to hessian should return a single Tensor, not a tuple"
            )
        if out.numel() != 1:
            raise RuntimeError(
                f"The Tensor returned by the function given to hessian should contain a single "
                f"element, but it has shape {out.shape}; reduce it (out.sum()) first"
            )
        return out.squeeze()

    def jac_func(*inp):
        jac = jacobian(scalar_func, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict)
    return _unpack(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_output(func, inputs: tuple, strict: bool, fn_name: str) -> tuple:
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", fn_name)
    _check_requires_grad(outputs, "outputs", strict)
    if is_outputs_tuple:
        raise RuntimeError(
            f"The function given to {fn_name} should return a single Tensor, not a tuple"
        )
    if outputs[0].numel() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {fn_name} should contain a single "
            f"element, but it has shape {outputs[0].shape}; reduce it (out.sum()) first, or use "
            "jacobian() for a vector output"
        )
    return is_outputs_tuple, outputs


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """The vector-Hessian product ``v^T H`` of the scalar function ``func`` at ``inputs``.

    Two backward passes: the gradient (with a graph), then its vector-Jacobian product.

    Parameters
    ----------
    func : callable
        Takes Tensors (one per input) and returns a one-element Tensor.
    inputs : Tensor or tuple of Tensors
        Where to evaluate ``func``.
    v : Tensor or tuple of Tensors, optional
        Shaped like the inputs; may be omitted when the input has one element.
    create_graph : bool, default False
        Compute the output and the product with a graph, to differentiate again.
    strict : bool, default False
        Raise if the gradient with respect to an input does not depend on the inputs.

    Returns
    -------
    (func_output, vhp)
        ``func(*inputs)``, and the product, shaped like ``inputs``.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> from micrograd_plus.autograd.functional import vhp
    >>> out, hv = vhp(lambda x: (x**3).sum(), Tensor([1.0, 2.0]), v=Tensor([1.0, 1.0]))
    >>> hv.tolist()                    # 6 x v
    [6.0, 12.0]
    """
    with GradMode(True):
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _preprocess(inputs, create_graph=create_graph, need_graph=True)
        of_what = "the input to the user-provided function"
        v = _default_v(v, inputs, is_inputs_tuple, "vhp", of_what, create_graph)
        is_outputs_tuple, outputs = _scalar_output(func, inputs, strict, "vhp")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
    with GradMode(True if create_graph else is_grad_enabled()):
        grads = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grads, inputs, strict, create_graph, "double_back")
    outputs = _postprocess(outputs, create_graph)
    result = _postprocess(result, create_graph)
    return _unpack(outputs, is_outputs_tuple), _unpack(result, is_inputs_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """The Hessian-vector product ``H v`` of the scalar function ``func`` at ``inputs``.

    Computed as torch does, by the double-backward trick on the gradient (three
    backward passes). For twice continuously differentiable functions ``H`` is
    symmetric and :func:`vhp` gives the same values with one pass fewer.

    Parameters
    ----------
    func : callable
        Takes Tensors (one per input) and returns a one-element Tensor.
    inputs : Tensor or tuple of Tensors
        Where to evaluate ``func``.
    v : Tensor or tuple of Tensors, optional
        Shaped like the inputs; may be omitted when the input has one element.
    create_graph : bool, default False
        Compute the output and the product with a graph, to differentiate again.
    strict : bool, default False
        Raise if the gradient with respect to an input does not depend on the inputs.

    Returns
    -------
    (func_output, hvp)
        ``func(*inputs)``, and the product, shaped like ``inputs``.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> from micrograd_plus.autograd.functional import hvp
    >>> x, y = Tensor([1.0]), Tensor([2.0])
    >>> out, (hx, hy) = hvp(lambda x, y: (x**2 * y).sum(), (x, y), v=(Tensor([1.0]), Tensor([0.0])))
    >>> float(hx), float(hy)           # first column of [[2y, 2x], [2x, 0]]
    (4.0, 2.0)
    """
    with GradMode(True):
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hvp")
        inputs = _preprocess(inputs, create_graph=create_graph, need_graph=True)
        of_what = "the input to the user-provided function"
        v = _default_v(v, inputs, is_inputs_tuple, "hvp", of_what, create_graph)
        is_outputs_tuple, outputs = _scalar_output(func, inputs, strict, "hvp")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        grad_jac = _zeros_requiring_grad(inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict)
    with GradMode(True if create_graph else is_grad_enabled()):
        grads = _autograd_grad(double_back, grad_jac, v, create_graph=create_graph)
        result = _fill_in_zeros(grads, inputs, strict, create_graph, "double_back_trick")
    outputs = _postprocess(outputs, create_graph)
    result = _postprocess(result, create_graph)
    return _unpack(outputs, is_outputs_tuple), _unpack(result, is_inputs_tuple)
