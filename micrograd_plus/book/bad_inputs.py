"""Wrong calls a learner plausibly makes, and the error each one must raise.

Each case is data: the code a learner might write, the exception type it must
raise, and two regular expressions its message must match: ``names`` (the
argument or value at fault) and ``fix`` (what to do instead). The code runs
with :func:`exec` in a fresh namespace holding ``np`` and the public API of
``micrograd_plus`` (its ``__all__``), so the same string is what the tests run
and what the book's testing chapter prints.

``tests/test_bad_input.py`` runs every case; the book renders :data:`CASES`
as a table with the real messages. Import this module as data: it runs nothing.

Examples
--------
>>> from micrograd_plus.book.bad_inputs import CASES
>>> case = CASES[0]
>>> case.check(case.message())  # the library raises the promised error
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass

import numpy as np

from micrograd_plus.utils.data import CollateError, DatasetNotFoundError


@dataclass(frozen=True)
class BadInput:
    """One wrong call and the error it must raise."""

    id: str
    area: str
    code: str
    error: type[BaseException]
    names: str
    fix: str

    def call(self) -> None:
        """Run the wrong call (raises, if the library does its job).

        Files it writes with :mod:`tempfile` go to a folder removed afterwards.
        """
        code = compile(self.code, f"<bad input {self.id}>", "exec")
        with tempfile.TemporaryDirectory() as scratch:
            saved, tempfile.tempdir = tempfile.tempdir, scratch
            try:
                exec(code, namespace())
            finally:
                tempfile.tempdir = saved

    def message(self) -> str:
        """The message the library raises for this case (for the book's table)."""
        try:
            self.call()
        except self.error as err:
            return str(err)
        raise AssertionError(f"{self.id}: no {self.error.__name__} was raised")

    def check(self, message: str) -> None:
        """Assert ``message`` names the culprit and the fix."""
        for what, pattern in (("name", self.names), ("fix", self.fix)):
            assert re.search(pattern, message), (
                f"{self.id}: the message does not give the {what} (/{pattern}/): {message!r}"
            )


def namespace() -> dict:
    """What a learner has after ``import numpy as np; from micrograd_plus import *``."""
    import micrograd_plus as mp

    names = {name: getattr(mp, name) for name in mp.__all__}
    return {"np": np, "mp": mp, **names}


def _case(id, area, code, error, names, fix) -> BadInput:
    return BadInput(id, area, code.strip(), error, names, fix)


TENSOR_CASES = [
    _case(
        "tensor-from-ragged-list",
        "tensor",
        "Tensor([[1.0, 2.0], [3.0]])",
        ValueError,
        r"ragged",
        r"pad the rows",
    ),
    _case(
        "tensor-from-strings",
        "tensor",
        'Tensor(["1.5", "2.5"])',
        TypeError,
        r"dtype <U3",
        r"np\.asarray",
    ),
    _case(
        "tensor-from-none",
        "tensor",
        "Tensor(None)",
        TypeError,
        r"NoneType",
        r"np\.asarray",
    ),
    _case(
        "integer-tensor-requires-grad",
        "tensor",
        "Tensor([0, 1, 2], dtype=np.int64, requires_grad=True)",
        TypeError,
        r"dtype int64",
        r"dtype=np\.float32",
    ),
    _case(
        "item-of-many-elements",
        "tensor",
        "loss = Tensor([[0.5, 0.25], [1.0, 2.0]])\nloss.item()",
        RuntimeError,
        r"4 \(shape \(2, 2\)\)",
        r"\.sum\(\)\.item\(\)",
    ),
    _case(
        "truth-value-of-many-elements",
        "tensor",
        "if Tensor([1.0, -1.0]) > 0:\n    pass",
        ValueError,
        r"2 elements",
        r"\.any\(\)",
    ),
    _case(
        "add-string",
        "tensor",
        'Tensor([1.0, 2.0]) + "3"',
        TypeError,
        r"\bstr\b",
        r"use a number, a NumPy array or a Tensor",
    ),
    _case(
        "add-shapes-that-do-not-broadcast",
        "broadcasting",
        "Tensor(np.ones((4, 3))) + Tensor(np.ones(4))",
        ValueError,
        r"add: shapes \(4, 3\) and \(4,\)",
        r"reshape\(-1, 1\)",
    ),
    _case(
        "add-list-of-wrong-length",
        "broadcasting",
        "Tensor([1.0, 2.0]) + [1.0, 2.0, 3.0]",
        ValueError,
        r"shapes \(2,\) and \(3,\)",
        r"each pair of axes must be equal or one of them 1",
    ),
    _case(
        "mul-transposed-operand",
        "broadcasting",
        "Tensor(np.ones((2, 3))) * Tensor(np.ones((3, 2)))",
        ValueError,
        r"mul: shapes \(2, 3\) and \(3, 2\)",
        r"transpose",
    ),
    _case(
        "div-shapes-that-do-not-broadcast",
        "broadcasting",
        "Tensor(np.ones((5, 2))) / Tensor(np.ones(5))",
        ValueError,
        r"div: shapes \(5, 2\) and \(5,\)",
        r"unsqueeze",
    ),
    _case(
        "maximum-shapes-that-do-not-broadcast",
        "broadcasting",
        "Tensor(np.ones(3)).maximum(Tensor(np.zeros(4)))",
        ValueError,
        r"maximum: shapes \(3,\) and \(4,\)",
        r"line up",
    ),
    _case(
        "matmul-inner-sizes-differ",
        "shapes",
        "x = Tensor(np.ones((4, 3)))\nw = Tensor(np.ones((4, 2)))\nx @ w",
        ValueError,
        r"\(4, 3\) @ \(4, 2\)",
        r"must equal the second-to-last axis",
    ),
    _case(
        "matmul-with-a-scalar",
        "shapes",
        "Tensor(2.0) @ Tensor(np.ones(3))",
        ValueError,
        r"at least one dimension",
        r"use \* for scalars",
    ),
    _case(
        "reshape-to-wrong-size",
        "shapes",
        "Tensor(np.ones((2, 3))).reshape(4, 2)",
        ValueError,
        r"shape \(2, 3\) \(6 elements\) into \(4, 2\)",
        r"must hold 6 elements",
    ),
    _case(
        "reshape-with-two-unknown-axes",
        "shapes",
        "Tensor(np.ones((2, 3))).reshape(-1, -1)",
        ValueError,
        r"into \(-1, -1\)",
        r"at most one axis may be -1",
    ),
    _case(
        "sum-over-missing-axis",
        "shapes",
        "Tensor(np.ones((2, 3))).sum(axis=2)",
        ValueError,
        r"axis 2 is out of range",
        r"use an axis from -2 to 1",
    ),
    _case(
        "log-softmax-axis-1-of-a-vector",
        "shapes",
        "Tensor([2.0, 1.0, 0.1]).log_softmax(axis=1)",
        ValueError,
        r"axis 1 is out of range for a tensor with 1 dimensions",
        r"use an axis from -1 to 0",
    ),
    _case(
        "permute-repeated-dim",
        "shapes",
        "Tensor(np.ones((2, 3))).permute(0, 0)",
        ValueError,
        r"dims \(0, 0\)",
        r"each dim 0\.\.1 exactly once",
    ),
    _case(
        "unsqueeze-out-of-range",
        "shapes",
        "Tensor(np.ones((2, 3))).unsqueeze(4)",
        ValueError,
        r"axis 4 is out of range",
        r"from -3 to 2",
    ),
    _case(
        "index-with-fractional-tensor",
        "shapes",
        "Tensor(np.ones(3))[Tensor([0.5])]",
        IndexError,
        r"whole numbers",
        r"astype\(np\.int64\)",
    ),
    _case(
        "stack-different-shapes",
        "shapes",
        "stack([Tensor(np.ones(3)), Tensor(np.ones(2))])",
        ValueError,
        r"\[\(3,\), \(2,\)\]",
        r"concatenate",
    ),
    _case(
        "var-of-one-element-unbiased",
        "shapes",
        "Tensor([1.5]).var()",
        ValueError,
        r"1 elements with correction=1",
        r"correction=0",
    ),
    _case(
        "clip-without-bounds",
        "shapes",
        "Tensor([1.0, 2.0]).clip()",
        ValueError,
        r"clip",
        r"min= or max=",
    ),
    _case(
        "numpy-style-transpose-permutation",
        "shapes",
        "Tensor(np.ones((2, 3, 4))).transpose(1, 2, 0)",
        TypeError,
        r"transpose takes two dims \(dim0, dim1\)",
        r"t\.permute\(\.\.\.\)",
    ),
    _case(
        "mT-of-a-vector",
        "shapes",
        "Tensor([1.0, 2.0]).mT",
        RuntimeError,
        r"1-D tensor",
        r"unsqueeze\(0\)",
    ),
    _case(
        "sum-with-axis-and-dim",
        "shapes",
        "Tensor(np.ones((2, 3))).sum(axis=0, dim=1)",
        TypeError,
        r"both axis=0 and dim=1",
        r"pass only one",
    ),
    _case(
        "max-over-several-dims-with-indices",
        "shapes",
        "Tensor(np.ones((2, 3))).max(dim=(0, 1))",
        TypeError,
        r"max\(dim\) takes one dim",
        r"amax\(dim=\(0, 1\)\)",
    ),
    _case(
        "max-over-an-empty-dim",
        "shapes",
        "Tensor(np.zeros((0, 3))).max(dim=0)",
        IndexError,
        r"dim 0 has size 0",
        r"reduce over another dim",
    ),
    _case(
        "max-of-an-empty-tensor",
        "shapes",
        "Tensor(np.zeros((0, 3))).max()",
        RuntimeError,
        r"empty tensor \(shape \(0, 3\)\)",
        r"dim=",
    ),
    _case(
        "var-with-unbiased-and-correction",
        "shapes",
        "Tensor([1.0, 2.0]).var(unbiased=False, correction=0)",
        TypeError,
        r"unbiased and correction",
        r"only one",
    ),
    _case(
        "to-cuda",
        "tensor",
        'Tensor([1.0]).to("cuda")',
        RuntimeError,
        r"device 'cuda'",
        r"Drop the \.to\(device\) call",
    ),
    _case(
        "to-unknown-dtype",
        "tensor",
        'Tensor([1.0]).to("float33")',
        TypeError,
        r"unknown dtype 'float33'",
        r"'float32'",
    ),
    _case(
        "inplace-float-into-integer-tensor",
        "tensor",
        "counts = Tensor([1, 2], dtype=np.int64)\ncounts += 0.5",
        RuntimeError,
        r"float64 can't be cast to the tensor's dtype int64",
        r"x = x \+ \.\.\.|x\.float\(\)",
    ),
    _case(
        "inplace-that-would-broadcast",
        "tensor",
        "x = Tensor(np.ones(3))\nx += np.ones((2, 3))",
        ValueError,
        r"shape \(2, 3\) cannot update a tensor of shape \(3,\)",
        r"x = x \+ \.\.\.",
    ),
]

AUTOGRAD_CASES = [
    _case(
        "backward-on-a-vector",
        "autograd",
        "w = Tensor([1.0, 2.0, 3.0], requires_grad=True)\nloss = w * 2\nloss.backward()",
        RuntimeError,
        r"shape \(3,\)",
        r"loss\.sum\(\) or loss\.mean\(\)",
    ),
    _case(
        "backward-twice-through-a-freed-graph",
        "autograd",
        "w = Tensor([1.0], requires_grad=True)\nloss = (w * w).sum()\n"
        "loss.backward()\nloss.backward()",
        RuntimeError,
        r"second time",
        r"retain_graph=True",
    ),
    _case(
        "backward-without-requires-grad",
        "autograd",
        "w = Tensor([1.0, 2.0])\n(w * w).sum().backward()",
        RuntimeError,
        r"does not require grad",
        r"with requires_grad=True",
    ),
    _case(
        "backward-of-a-no-grad-result",
        "autograd",
        "w = Tensor([1.0], requires_grad=True)\nwith no_grad():\n    loss = (w * 3).sum()\n"
        "loss.backward()",
        RuntimeError,
        r"no_grad\(\)",
        r"outside no_grad\(\)",
    ),
    _case(
        "backward-gradient-of-wrong-shape",
        "autograd",
        "w = Tensor([1.0, 2.0, 3.0], requires_grad=True)\n(w * 2).backward(gradient=np.ones(2))",
        ValueError,
        r"gradient has shape \(2,\)",
        r"must match",
    ),
    _case(
        "function-backward-returns-too-few-gradients",
        "autograd",
        """
class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        return grad * b

x = Tensor([2.0], requires_grad=True)
Mul.apply(x, Tensor([3.0])).sum().backward()
""",
        RuntimeError,
        r"Mul\.backward returned 1 gradients for 2 inputs",
        r"one per input",
    ),
    _case(
        "inplace-update-of-a-parameter-outside-no-grad",
        "autograd",
        "w = Parameter(np.ones(3, np.float32))\n(w * w).sum().backward()\nw -= 0.1 * w.grad",
        RuntimeError,
        r"leaf tensor that requires grad.*in-place operation \(-=\)",
        r"with no_grad\(\):",
    ),
    _case(
        "item-assignment-on-a-parameter-outside-no-grad",
        "autograd",
        "w = Parameter(np.ones(3, np.float32))\nw[0] = 0.0",
        RuntimeError,
        r"t\[\.\.\.\] = value",
        r"with no_grad\(\):",
    ),
    _case(
        "inplace-on-an-intermediate",
        "autograd",
        "w = Tensor([1.0, 2.0], requires_grad=True)\nh = w * 2\nh *= 3",
        RuntimeError,
        r"part of a recorded graph",
        r"x = x \* \.\.\. out of place",
    ),
    _case(
        "input-changed-in-place-before-backward",
        "autograd",
        "w = Tensor([1.0], requires_grad=True)\nx = Tensor([2.0])\nloss = (w * x).sum()\n"
        "x *= 3\nloss.backward()",
        RuntimeError,
        r"modified by an in-place operation.*'mul' node",
        r"only after backward\(\)",
    ),
    _case(
        "inplace-change-through-detach-before-backward",
        "autograd",
        "w = Tensor([1.0, 2.0], requires_grad=True)\nh = w.exp()\n"
        "h.detach()[0] = 100.0  # detach() shares h's memory\nh.sum().backward()",
        RuntimeError,
        r"modified by an in-place operation.*'exp' node",
        r"only after backward\(\)",
    ),
    _case(
        "hook-on-a-tensor-without-grad",
        "autograd",
        "Tensor([1.0]).register_hook(print)",
        RuntimeError,
        r"does not require grad",
        r"requires_grad=True",
    ),
    _case(
        "hook-returns-the-wrong-shape",
        "autograd",
        "w = Tensor([1.0, 2.0], requires_grad=True)\nw.register_hook(lambda g: g.sum())\n"
        "(w * 3).sum().backward()",
        RuntimeError,
        r"shape \(\) for a gradient of shape \(2,\)",
        r"same shape, or None",
    ),
    _case(
        "grad-of-a-vector-without-grad-outputs",
        "autograd",
        "x = Tensor([1.0, 2.0, 3.0], requires_grad=True)\ngrad(x * 2, x)",
        RuntimeError,
        r"output 0 has shape \(3,\)",
        r"pass grad_outputs=.*or reduce the output first \(out\.sum\(\)\)",
    ),
    _case(
        "grad-inputs-without-requires-grad",
        "autograd",
        "w = Tensor([1.0, 2.0], requires_grad=True)\nx = Tensor([3.0, 4.0])\n"
        "grad((w * x).sum(), x)",
        RuntimeError,
        r"inputs\[0\] does not require grad",
        r"requires_grad=True",
    ),
    _case(
        "grad-twice-through-a-freed-graph",
        "autograd",
        "x = Tensor([2.0], requires_grad=True)\ny = (x * x.exp()).sum()\ngrad(y, x)\ngrad(y, x)",
        RuntimeError,
        r"second time",
        r"retain_graph=True",
    ),
    _case(
        "double-backward-through-a-non-differentiable-function",
        "autograd",
        """
class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * 3 * x**2

x = Tensor([2.0], requires_grad=True)
(g,) = grad(Cube.apply(x), x, create_graph=True)
""",
        RuntimeError,
        r"double backward through Cube is not supported",
        r"set differentiable_backward = True on the class",
    ),
    _case(
        "grad-of-an-unused-input",
        "autograd",
        "x = Tensor([1.0], requires_grad=True)\nb = Tensor([2.0], requires_grad=True)\n"
        "grad((x * x).sum(), [x, b])",
        RuntimeError,
        r"inputs\[1\] \(shape \(1,\)\) was not used",
        r"allow_unused=True",
    ),
    _case(
        "grad-outputs-of-the-wrong-shape",
        "autograd",
        "x = Tensor([1.0, 2.0, 3.0], requires_grad=True)\ngrad(x * 2, x, grad_outputs=np.ones(2))",
        ValueError,
        r"grad_outputs\[0\] has shape \(2,\) but output 0 has shape \(3,\)",
        r"must match",
    ),
    _case(
        "hvp-with-v-of-the-wrong-shape",
        "autograd",
        "from micrograd_plus.autograd.functional import hvp\n"
        "x = Tensor([1.0, 2.0, 3.0])\nhvp(lambda x: (x**3).sum(), x, v=Tensor([1.0, 0.0]))",
        RuntimeError,
        r"v has invalid shape: should be \(3,\) but got \(2,\)",
        r"give v the shape of what it multiplies",
    ),
    _case(
        "jacobian-of-a-function-returning-an-array",
        "autograd",
        "from micrograd_plus.autograd.functional import jacobian\n"
        "jacobian(lambda x: np.tanh(x.numpy()), Tensor([1.0, 2.0]))",
        TypeError,
        r"outputs of the user-provided function .* has type ndarray",
        r"Tensor operations \(not NumPy functions\)",
    ),
    _case(
        "hvp-of-a-vector-function",
        "autograd",
        "from micrograd_plus.autograd.functional import hvp\n"
        "x = Tensor([1.0, 2.0])\nhvp(lambda x: x**3, x, v=Tensor([1.0, 0.0]))",
        RuntimeError,
        r"should contain a single element, but it has shape \(2,\)",
        r"reduce it \(out\.sum\(\)\) first, or use jacobian\(\)",
    ),
    _case(
        "jacobian-with-numpy-inputs",
        "autograd",
        "from micrograd_plus.autograd.functional import jacobian\n"
        "jacobian(lambda x: x**2, np.array([1.0, 2.0]))",
        TypeError,
        r"inputs given to jacobian .* has type ndarray",
        r"wrap arrays as Tensor\(array\)",
    ),
]

LOSS_CASES = [
    _case(
        "mse-column-against-vector",
        "losses",
        "pred = Tensor(np.zeros((4, 1)))  # a model's (N, 1) output\n"
        "target = Tensor([1.0, 2.0, 3.0, 4.0])\nMSELoss()(pred, target)",
        ValueError,
        r"input shape \(4, 1\) and target shape \(4,\) differ",
        r"pred\.reshape\(-1\)",
    ),
    _case(
        "l1-shapes-differ",
        "losses",
        "L1Loss()(Tensor(np.zeros((4, 2))), Tensor(np.zeros((4, 3))))",
        ValueError,
        r"input shape \(4, 2\) and target shape \(4, 3\)",
        r"Reshape one of them",
    ),
    _case(
        "loss-reduction-typo",
        "losses",
        'MSELoss(reduction="avg")',
        ValueError,
        r"reduction.*'avg'",
        r"'mean', 'sum' or 'none'",
    ),
    _case(
        "cross-entropy-target-out-of-range",
        "losses",
        "logits = Tensor(np.zeros((2, 3)))\nCrossEntropyLoss()(logits, Tensor([0, 3]))",
        IndexError,
        r"target value 3 at position \(1,\)",
        r"valid values are 0\.\.2",
    ),
    _case(
        "cross-entropy-negative-target",
        "losses",
        "CrossEntropyLoss()(Tensor(np.zeros((2, 3))), Tensor([-1, 2]))",
        IndexError,
        r"target value -1 at position \(0,\)",
        r"valid values are 0\.\.2",
    ),
    _case(
        "cross-entropy-fractional-target",
        "losses",
        "CrossEntropyLoss()(Tensor(np.zeros((2, 3))), Tensor([0.5, 1.0]))",
        ValueError,
        r"target.*position \(0,\) holds 0\.5",
        r"pass integer labels",
    ),
    _case(
        "cross-entropy-1d-logits-for-a-batch",
        "losses",
        "CrossEntropyLoss()(Tensor([2.0, 1.0, 0.1]), Tensor([0, 2]))",
        ValueError,
        r"input of shape \(3,\).*target of shape \(2,\)",
        r"logits of shape \(N, C\) and targets of shape \(N,\)",
    ),
    _case(
        "cross-entropy-one-score-per-sample",
        "losses",
        "scores = Tensor([0.3, -1.2, 2.0, 0.1])  # one output per sample\n"
        "CrossEntropyLoss()(scores, Tensor([0, 1, 1, 0]))",
        ValueError,
        r"1-D logits of shape \(4,\)",
        r"BCEWithLogitsLoss",
    ),
    _case(
        "cross-entropy-targets-as-a-column",
        "losses",
        "CrossEntropyLoss()(Tensor(np.zeros((2, 3))), Tensor([[0], [2]]))",
        ValueError,
        r"target of shape \(2, 1\)",
        r"targets of shape \(N,\)",
    ),
    _case(
        "cross-entropy-scalar-logits",
        "losses",
        "CrossEntropyLoss()(Tensor(5.0), Tensor(0))",
        ValueError,
        r"0-d tensor",
        r"shape \(N, C\)",
    ),
    _case(
        "cross-entropy-weight-per-class",
        "losses",
        "loss_fn = CrossEntropyLoss(weight=Tensor([1.0, 2.0]))\n"
        "loss_fn(Tensor(np.zeros((2, 3))), Tensor([0, 1]))",
        ValueError,
        r"weight.*got \(2,\)",
        r"one entry per class, shape \(3,\)",
    ),
    _case(
        "cross-entropy-label-smoothing-above-one",
        "losses",
        "CrossEntropyLoss(label_smoothing=1.5)",
        ValueError,
        r"label_smoothing.*1\.5",
        r"in \[0, 1\]",
    ),
    _case(
        "nll-target-out-of-range",
        "losses",
        "NLLLoss()(Tensor(np.zeros((2, 3))), Tensor([0, 5]))",
        IndexError,
        r"target value 5",
        r"valid values are 0\.\.2",
    ),
    _case(
        "bce-probability-above-one",
        "losses",
        "BCELoss()(Tensor([0.5, 1.5]), Tensor([1.0, 0.0]))",
        ValueError,
        r"input\[1\] is 1\.5",
        r"apply sigmoid first or use BCEWithLogitsLoss",
    ),
    _case(
        "bce-raw-scores",
        "losses",
        "BCELoss()(Tensor([2.3, -0.7]), Tensor([1.0, 0.0]))",
        ValueError,
        r"probabilities in \[0, 1\], but input\[0\] is 2\.3",
        r"apply sigmoid first",
    ),
    _case(
        "bce-column-against-vector",
        "losses",
        "BCEWithLogitsLoss()(Tensor(np.zeros((4, 1))), Tensor([1.0, 0.0, 1.0, 1.0]))",
        ValueError,
        r"input shape \(4, 1\) and target shape \(4,\)",
        r"target\.reshape\(-1, 1\)",
    ),
    _case(
        "huber-delta-zero",
        "losses",
        "HuberLoss(delta=0)",
        ValueError,
        r"delta.*got 0",
        r"delta > 0",
    ),
    _case(
        "bce-target-outside-unit-interval",
        "losses",
        "BCELoss()(Tensor([0.3, 0.8]), Tensor([-1.0, 1.0]))  # -1/+1 labels",
        ValueError,
        r"targets in \[0, 1\].*target\[0\] is -1\.0",
        r"labels 0/1 or probabilities.*\(target \+ 1\) / 2",
    ),
    _case(
        "cross-entropy-huge-float-label",
        "losses",
        "CrossEntropyLoss()(Tensor(np.zeros((2, 3))), np.array([1e20, 0.0]))",
        IndexError,
        r"target value 1e\+20 at position \(0,\) is out of range",
        r"valid values are 0\.\.2",
    ),
    _case(
        "cross-entropy-uint64-max-label",
        "losses",
        "CrossEntropyLoss()(Tensor(np.zeros((2, 3))), np.array([2**64 - 1, 0], dtype=np.uint64))",
        IndexError,
        r"target value 18446744073709551615 at position \(0,\)",
        r"valid values are 0\.\.2",
    ),
    _case(
        "cross-entropy-no-classes",
        "losses",
        "CrossEntropyLoss()(Tensor(np.zeros((2, 0))), [0, 1])  # logits with 0 classes",
        IndexError,
        r"target value 0 at position \(0,\) is out of range",
        r"no classes \(its class axis has size 0\); check what produced it",
    ),
    _case(
        "gaussian-nll-negative-variance",
        "losses",
        "GaussianNLLLoss()(Tensor([1.0, 2.0]), Tensor([1.0, 2.5]), Tensor([0.5, -0.1]))",
        ValueError,
        r"var must be non-negative, but it holds -0\.1",
        r"exp or softplus",
    ),
    _case(
        "gaussian-nll-variance-shape",
        "losses",
        "GaussianNLLLoss()(Tensor(np.zeros((4, 2))), Tensor(np.zeros((4, 2))), Tensor(np.ones(2)))",
        ValueError,
        r"var of shape \(2,\) does not fit the input of shape \(4, 2\)",
        r"pass var of shape \(4, 2\), \(4,\)",
    ),
    _case(
        "kl-div-unknown-reduction",
        "losses",
        "KLDivLoss(reduction='batch')",
        ValueError,
        r"got 'batch'",
        r"'batchmean'",
    ),
]

NN_CASES = [
    _case(
        "linear-wrong-feature-count",
        "layers",
        "layer = Linear(3, 2)\nlayer(Tensor(np.ones((4, 5))))",
        ValueError,
        r"shape \(4, 5\).*5 features, expected 3",
        r"previous layer output 3 features",
    ),
    _case(
        "sequential-sizes-disagree",
        "layers",
        "model = Sequential(Linear(2, 4), ReLU(), Linear(3, 1))\nmodel(Tensor(np.ones((5, 2))))",
        ValueError,
        r"Linear\(in_features=3, out_features=1\).*4 features, expected 3",
        r"previous layer output 3 features",
    ),
    _case(
        "sequential-given-a-class",
        "layers",
        "Sequential(Linear(2, 4), ReLU, Linear(4, 1))",
        TypeError,
        r"class ReLU",
        r"ReLU\(\)",
    ),
    _case(
        "linear-fractional-size",
        "layers",
        "Linear(3.5, 2)",
        ValueError,
        r"in_features.*3\.5",
        r"non-negative integer",
    ),
    _case(
        "dropout-probability-above-one",
        "layers",
        "Dropout(p=1.5)",
        ValueError,
        r"probability p.*1\.5",
        r"in \[0, 1\]",
    ),
    _case(
        "batchnorm-wrong-channel-count",
        "layers",
        "BatchNorm1d(4)(Tensor(np.ones((8, 3))))",
        ValueError,
        r"3 channels, expected 4",
        r"Use BatchNorm1d\(3\)",
    ),
    _case(
        "batchnorm-batch-of-one-in-training",
        "layers",
        "BatchNorm1d(4)(Tensor(np.ones((1, 4))))",
        ValueError,
        r"shape \(1, 4\)",
        r"model\.eval\(\)",
    ),
    _case(
        "embedding-index-out-of-range",
        "layers",
        "Embedding(5, 2)(Tensor([0, 7]))",
        IndexError,
        r"value 7",
        r"valid values are 0\.\.4",
    ),
    _case(
        "load-state-dict-missing-key",
        "layers",
        'model = Linear(2, 1)\nstate = model.state_dict()\ndel state["bias"]\n'
        "model.load_state_dict(state)",
        RuntimeError,
        r"Missing key\(s\) in state_dict: 'bias'",
        r"strict=False",
    ),
    _case(
        "load-state-dict-unexpected-key",
        "layers",
        'model = Linear(2, 1)\nstate = {**model.state_dict(), "scale": np.ones(1)}\n'
        "model.load_state_dict(state)",
        RuntimeError,
        r"Unexpected key\(s\) in state_dict: 'scale'",
        r"strict=False",
    ),
    _case(
        "load-state-dict-mis-shaped",
        "layers",
        "model = Linear(2, 1)\nmodel.load_state_dict(Linear(3, 1).state_dict())",
        RuntimeError,
        r"size mismatch for weight: .*\(1, 3\).*\(1, 2\)",
        r"same architecture",
    ),
    _case(
        "load-state-dict-of-a-wrapped-model",
        "layers",
        "model = Linear(2, 1)\nmodel.load_state_dict(Sequential(Linear(2, 1)).state_dict())",
        RuntimeError,
        r"Unexpected key\(s\) in state_dict: '0\.weight'",
        r"same architecture",
    ),
    _case(
        "flatten-dim-out-of-range",
        "layers",
        "Flatten(start_dim=3)(Tensor(np.zeros((2, 3, 4))))",
        IndexError,
        r"start_dim=3 is out of range for an input of shape \(2, 3, 4\)",
        r"dimension from -3 to 2",
    ),
    _case(
        "softmax-dim-and-axis",
        "layers",
        "Softmax(dim=1, axis=1)",
        TypeError,
        r"dim=1 and axis=1",
        r"pass only one of them",
    ),
    _case(
        "module-dict-key-shadows-a-method",
        "layers",
        "ModuleDict({'keys': Linear(2, 2)})",
        KeyError,
        r"attribute 'keys' already exists on ModuleDict",
        r"choose another name",
    ),
    _case(
        "parameter-list-of-numbers",
        "layers",
        "ParameterList([1.0, 2.0])",
        TypeError,
        r"ParameterList holds parameters, got float",
        r"pass Parameter\(\.\.\.\)",
    ),
]

OPTIM_CASES = [
    _case(
        "optimizer-without-parameters",
        "optimizers",
        "SGD([], lr=0.1)",
        ValueError,
        r"empty parameter list",
        r"create it anew",
    ),
    _case(
        "optimizer-given-a-consumed-generator",
        "optimizers",
        "model = Linear(2, 1)\nparams = model.parameters()\nsgd = SGD(params, lr=0.1)\n"
        "adam = Adam(params)",
        ValueError,
        r"empty parameter list",
        r"model\.parameters\(\) can be consumed only once",
    ),
    _case(
        "optimizer-given-the-model",
        "optimizers",
        "model = Linear(2, 1)\nSGD(model, lr=0.1)",
        TypeError,
        r"Linear module",
        r"SGD\(model\.parameters\(\), \.\.\.\)",
    ),
    _case(
        "optimizer-given-a-set",
        "optimizers",
        "model = Linear(2, 1)\nAdam(set(model.parameters()))",
        TypeError,
        r"not a set",
        r"pass a list",
    ),
    _case(
        "optimizer-given-a-non-leaf",
        "optimizers",
        "w = Tensor([1.0], requires_grad=True)\nSGD([w * 2], lr=0.1)",
        ValueError,
        r"non-leaf Tensor",
        r"requires_grad=True",
    ),
    _case(
        "negative-learning-rate",
        "optimizers",
        "SGD(Linear(2, 1).parameters(), lr=-0.1)",
        ValueError,
        r"\(lr\): -0\.1",
        r">= 0\.0",
    ),
    _case(
        "nan-learning-rate",
        "optimizers",
        'Adam(Linear(2, 1).parameters(), lr=float("nan"))',
        ValueError,
        r"\(lr\): nan",
        r">= 0\.0",
    ),
    _case(
        "learning-rate-as-a-string",
        "optimizers",
        'Adam(Linear(2, 1).parameters(), lr="1e-3")',
        ValueError,
        r"\(lr\): '1e-3'",
        r"must be a number",
    ),
    _case(
        "beta2-equal-to-one",
        "optimizers",
        "Adam(Linear(2, 1).parameters(), betas=(0.9, 1.0))",
        ValueError,
        r"betas\[1\]\): 1\.0",
        r"in \[0\.0, 1\.0\)",
    ),
    _case(
        "beta1-above-one",
        "optimizers",
        "Adam(Linear(2, 1).parameters(), betas=(1.1, 0.999))",
        ValueError,
        r"betas\[0\]\): 1\.1",
        r"in \[0\.0, 1\.0\)",
    ),
    _case(
        "betas-not-a-pair",
        "optimizers",
        "Adam(Linear(2, 1).parameters(), betas=0.9)",
        ValueError,
        r"betas: 0\.9",
        r"pass a pair like \(0\.9, 0\.999\)",
    ),
    _case(
        "negative-momentum",
        "optimizers",
        "SGD(Linear(2, 1).parameters(), lr=0.1, momentum=-0.9)",
        ValueError,
        r"momentum: -0\.9",
        r">= 0\.0",
    ),
    _case(
        "nesterov-without-momentum",
        "optimizers",
        "SGD(Linear(2, 1).parameters(), lr=0.1, nesterov=True)",
        ValueError,
        r"Nesterov",
        r"momentum > 0",
    ),
    _case(
        "negative-eps",
        "optimizers",
        "Adam(Linear(2, 1).parameters(), eps=-1e-8)",
        ValueError,
        r"\(eps\): -1e-08",
        r">= 0\.0",
    ),
    _case(
        "scheduler-given-the-model",
        "optimizers",
        "model = Linear(2, 1)\nStepLR(model, step_size=10)",
        TypeError,
        r"Linear is not an Optimizer",
        r"StepLR\(optimizer, \.\.\.\)",
    ),
    _case(
        "scheduler-step-size-zero",
        "optimizers",
        "StepLR(SGD(Linear(2, 1).parameters(), lr=0.1), step_size=0)",
        ValueError,
        r"step_size.*got 0",
        r"positive integer",
    ),
    _case(
        "negative-clip-value",
        "optimizers",
        "clip_grad_value_(Linear(2, 1).parameters(), clip_value=-1)",
        ValueError,
        r"clip_value.*-1",
        r"non-negative number",
    ),
    _case(
        "optimizer-given-the-state-dict",
        "optimizers",
        "model = Linear(2, 1)\nSGD(model.state_dict(), lr=0.1)",
        TypeError,
        r"dict without a 'params' entry \(a model\.state_dict\(\)\?\)",
        r"SGD\(model\.parameters\(\), \.\.\.\)",
    ),
    _case(
        "optimizer-given-parameters-uncalled",
        "optimizers",
        "model = Linear(2, 1)\nAdam(model.parameters, lr=0.1)",
        TypeError,
        r"got the method parameters itself",
        r"call it: Adam\(model\.parameters\(\), \.\.\.\)",
    ),
    _case(
        "optimizer-named-and-unnamed-parameters",
        "optimizers",
        "model = Linear(2, 1)\nSGD([('weight', model.weight), model.bias])",
        ValueError,
        r"got a mix",
        r"all \(name, tensor\) pairs, as model\.named_parameters\(\) yields",
    ),
    _case(
        "parameter-shape-changed-after-optimizer",
        "optimizers",
        "model = Linear(3, 1)\nopt = Adam(model.parameters())\n"
        "model(Tensor(np.ones((2, 3)))).sum().backward()\nopt.step()\n"
        "model.weight.data = np.ones((1, 4))\nmodel.weight.grad = np.ones((1, 4))\nopt.step()",
        RuntimeError,
        r"parameter 0 of param_groups\[0\] has shape \(1, 4\).*'exp_avg' has shape \(1, 3\)",
        r"shape changed after the Adam optimizer was built.*build a new optimizer",
    ),
    _case(
        "adam-state-into-sgd",
        "optimizers",
        "model = Linear(2, 1)\nsaved = Adam(model.parameters()).state_dict()\n"
        "SGD(model.parameters(), lr=0.1).load_state_dict(saved)",
        ValueError,
        r"has no momentum, dampening, nesterov",
        r"optimizer of the same class",
    ),
    _case(
        "steplr-state-into-cosine",
        "optimizers",
        "opt = SGD(Linear(2, 1).parameters(), lr=0.1)\n"
        "saved = StepLR(opt, step_size=5).state_dict()\n"
        "CosineAnnealingLR(opt, T_max=10).load_state_dict(saved)",
        ValueError,
        r"not saved by a CosineAnnealingLR: it lacks 'T_max', 'eta_min'",
        r"scheduler of the same class",
    ),
    _case(
        "one-cycle-without-length",
        "optimizers",
        "OneCycleLR(SGD(Linear(2, 1).parameters(), lr=0.1, momentum=0.9), max_lr=1.0)",
        ValueError,
        r"length of the cycle",
        r"pass total_steps, or epochs and steps_per_epoch",
    ),
    _case(
        "cycle-momentum-without-momentum",
        "optimizers",
        "CyclicLR(Adagrad(Linear(2, 1).parameters()), base_lr=0.01, max_lr=0.1)",
        ValueError,
        r"Adagrad has no momentum or betas",
        r"cycle_momentum=False",
    ),
    _case(
        "lambdas-for-the-wrong-group-count",
        "optimizers",
        "LambdaLR(SGD(Linear(2, 1).parameters(), lr=0.1), [lambda e: 1.0, lambda e: 0.5])",
        ValueError,
        r"lr_lambda must have one value per parameter group: got 2 values for 1 groups",
        r"pass a single value \(used for every group\) or a list of 1",
    ),
    _case(
        "lbfgs-step-without-closure",
        "optimizers",
        "model = Linear(2, 1)\noptimizer = LBFGS(model.parameters())\noptimizer.step()",
        TypeError,
        r"LBFGS\.step\(\) needs a closure",
        r"def closure\(\):\n\s+optimizer\.zero_grad\(\)[\s\S]*"
        r"return loss\n\s+optimizer\.step\(closure\)",
    ),
    _case(
        "lbfgs-closure-without-return",
        "optimizers",
        "model = Linear(2, 1)\noptimizer = LBFGS(model.parameters())\n"
        "def closure():\n    optimizer.zero_grad()\n"
        "    model(Tensor(np.ones((3, 2)))).sum().backward()\n"
        "optimizer.step(closure)",
        TypeError,
        r"the closure returned None",
        r"end the closure with `return loss`",
    ),
    _case(
        "lbfgs-zero-learning-rate",
        "optimizers",
        "LBFGS(Linear(2, 1).parameters(), lr=0)",
        ValueError,
        r"\(lr\): 0",
        r"a number > 0",
    ),
    _case(
        "lbfgs-unknown-line-search",
        "optimizers",
        'LBFGS(Linear(2, 1).parameters(), line_search_fn="wolfe")',
        ValueError,
        r"line_search_fn: 'wolfe'",
        r"line_search_fn='strong_wolfe' and line_search_fn=None",
    ),
    _case(
        "lbfgs-two-parameter-groups",
        "optimizers",
        "model = Linear(2, 1)\n"
        "LBFGS([{'params': [model.weight]}, {'params': [model.bias], 'lr': 0.1}])",
        ValueError,
        r"per-parameter options \(parameter groups\)",
        r"pass all the parameters in one list: LBFGS\(model\.parameters\(\), lr=\.\.\.\)",
    ),
]

DATA_CASES = [
    _case(
        "dataloader-batch-size-zero",
        "data",
        "DataLoader(np.ones((10, 2)), np.ones(10), batch_size=0)",
        ValueError,
        r"batch_size.*got 0",
        r"positive integer",
    ),
    _case(
        "dataloader-fractional-batch-size",
        "data",
        "DataLoader(np.ones((10, 2)), np.ones(10), batch_size=2.5)",
        ValueError,
        r"batch_size.*got 2\.5",
        r"positive integer",
    ),
    _case(
        "dataloader-x-y-lengths-differ",
        "data",
        "X, y = np.ones((10, 2)), np.ones(8)\nDataLoader(X, y, batch_size=2)",
        ValueError,
        r"len\(X\)=10 and len\(y\)=8",
        r"same number of samples",
    ),
    _case(
        "split-test-size-above-one",
        "data",
        "train_test_split(np.ones((10, 2)), np.ones(10), test_size=1.5)",
        ValueError,
        r"test_size.*1\.5",
        r"float in \(0, 1\)",
    ),
    _case(
        "split-x-y-lengths-differ",
        "data",
        "train_test_split(np.ones((10, 2)), np.ones(9), test_size=0.2)",
        ValueError,
        r"got 10 and 9",
        r"same length",
    ),
    _case(
        "one-hot-label-too-large",
        "data",
        "one_hot(np.array([0, 3]), num_classes=3)",
        ValueError,
        r"label 3.*num_classes=3",
        r"in \[0, num_classes\)",
    ),
    _case(
        "spiral-with-no-points",
        "data",
        "make_spiral(n_points=0)",
        ValueError,
        r"n_points.*got 0",
        r"positive integer",
    ),
    _case(
        "dataloader-num-workers",
        "data",
        "DataLoader(TensorDataset(np.ones((4, 2))), batch_size=2, num_workers=4)",
        NotImplementedError,
        r"num_workers=4 is not supported",
        r"leave num_workers=0",
    ),
    _case(
        "dataloader-misspelled-option",
        "data",
        "DataLoader(TensorDataset(np.ones((4, 2))), batch_size=2, suffle=True)",
        TypeError,
        r"unexpected keyword argument 'suffle'",
        r"did you mean 'shuffle'",
    ),
    _case(
        "dataloader-sampler-and-shuffle",
        "data",
        "DataLoader(TensorDataset(np.ones((4, 2))), sampler=[3, 2, 1, 0], shuffle=True)",
        ValueError,
        r"sampler option is mutually exclusive with shuffle",
        r"sampler=RandomSampler\(dataset\)",
    ),
    _case(
        "dataset-samples-of-different-shapes",
        "data",
        "class Ragged(Dataset):\n"
        "    def __len__(self):\n        return 3\n\n"
        "    def __getitem__(self, i):\n        return np.zeros(2 if i == 1 else 3), i\n\n"
        "loader = DataLoader(Ragged(), batch_size=3)\nnext(iter(loader))",
        CollateError,
        r"dataset\[1\] has shape \(2,\) but dataset\[0\] has shape \(3,\) in field \[0\]",
        r"pad or crop.*collate_fn=",
    ),
    _case(
        "tensor-dataset-sizes-differ",
        "data",
        "TensorDataset(np.ones((4, 2)), np.ones(3))",
        ValueError,
        r"shapes \(4, 2\), \(3,\)",
        r"same first \(sample\) dimension",
    ),
    _case(
        "random-split-lengths-do-not-add-up",
        "data",
        "random_split(TensorDataset(np.ones((10, 2))), [6, 3])",
        ValueError,
        r"Sum of input lengths \(9\).*dataset \(10\)",
        r"add up to 10, or fractions",
    ),
    _case(
        "fashion-mnist-incomplete-root",
        "data",
        "import tempfile\nload_fashion_mnist(root=tempfile.mkdtemp(), download=False)",
        DatasetNotFoundError,
        r"is incomplete: missing train-images-idx3-ubyte\[\.gz\]",
        r"download=True",
    ),
]

TRAINING_CASES = [
    _case(
        "fit-given-arrays-instead-of-a-loader",
        "training",
        "from micrograd_plus.training import fit\n"
        "model = Linear(2, 1)\nX, y = np.ones((8, 2)), np.ones((8, 1))\n"
        "fit(model, (X, y), MSELoss(), SGD(model.parameters(), lr=0.1), progress=False)",
        TypeError,
        r"\(inputs, targets\) pairs",
        r"DataLoader\(X, y, batch_size=32\)",
    ),
    _case(
        "fit-negative-epochs",
        "training",
        "from micrograd_plus.training import fit\nmodel = Linear(2, 1)\n"
        "loader = DataLoader(np.ones((8, 2)), np.ones((8, 1)), batch_size=4)\n"
        "fit(model, loader, MSELoss(), SGD(model.parameters(), lr=0.1), epochs=-1)",
        ValueError,
        r"epochs.*got -1",
        r"non-negative int",
    ),
    _case(
        "accuracy-labels-and-outputs-differ",
        "training",
        "from micrograd_plus.training import accuracy\n"
        "accuracy(Tensor(np.zeros((4, 3))), Tensor([0, 1, 2]))",
        ValueError,
        r"4 rows but there are 3 labels",
        r"one label per row",
    ),
    _case(
        "load-a-checkpoint-that-does-not-exist",
        "checkpoints",
        'load_model(Linear(2, 1), "no-such-model.npz")',
        FileNotFoundError,
        r"no-such-model\.npz",
        r"check the file name",
    ),
    _case(
        "load-a-model-file-as-a-checkpoint",
        "checkpoints",
        "import os, tempfile\n"
        'path = os.path.join(tempfile.mkdtemp(), "model.npz")\n'
        "save_model(Linear(2, 1), path)\nload_checkpoint(path, Linear(2, 1))",
        ValueError,
        r"not a checkpoint written by save_checkpoint",
        r"use load_model",
    ),
    _case(
        "load-optimizer-state-that-was-not-saved",
        "checkpoints",
        "import os, tempfile\n"
        'path = os.path.join(tempfile.mkdtemp(), "run.npz")\nmodel = Linear(2, 1)\n'
        "save_checkpoint(path, model)\nload_checkpoint(path, model, Adam(model.parameters()))",
        ValueError,
        r"holds no optimizer state",
        r"save_checkpoint\(\.\.\., optimizer=optimizer\)",
    ),
    _case(
        "save-an-object-in-a-checkpoint",
        "checkpoints",
        "import os, tempfile\n"
        'path = os.path.join(tempfile.mkdtemp(), "run.npz")\n'
        "save_checkpoint(path, Linear(2, 1), loss_fn=MSELoss())",
        TypeError,
        r"extra\['loss_fn'\]",
        r"use numbers, strings, None, arrays",
    ),
    _case(
        "fit-given-the-loss-class",
        "training",
        "model = Linear(2, 1)\n"
        "loader = DataLoader(np.ones((8, 2)), np.ones((8, 1)), batch_size=4)\n"
        "fit(model, loader, MSELoss, SGD(model.parameters(), lr=0.1), progress=False)",
        TypeError,
        r"loss_fn is the class MSELoss",
        r"create one: MSELoss\(\)",
    ),
    _case(
        "fit-drop-last-drops-every-batch",
        "training",
        "model = Linear(2, 1)\n"
        "loader = DataLoader(np.ones((10, 2)), np.ones((10, 1)), batch_size=100, drop_last=True)\n"
        "fit(model, loader, MSELoss(), SGD(model.parameters(), lr=0.1), progress=False)",
        ValueError,
        r"drop_last=True.*\(10 samples < batch_size=100\)",
        r"batch_size of at most 10 or drop_last=False",
    ),
    _case(
        "accuracy-of-two-scalars",
        "training",
        "accuracy(np.float32(0.3), np.int64(1))",
        ValueError,
        r"output and labels are scalars",
        r"first \(sample\) axis",
    ),
    _case(
        "save-model-below-a-regular-file",
        "checkpoints",
        "import os, tempfile\n"
        'afile = os.path.join(tempfile.mkdtemp(), "afile")\nopen(afile, "w").close()\n'
        'save_model(Linear(2, 1), os.path.join(afile, "m.npz"))',
        NotADirectoryError,
        r"afile/m\.npz: .*afile is a file, not a folder",
        r"choose another path",
    ),
    _case(
        "save-model-to-a-file-name-too-long",
        "checkpoints",
        "import os, tempfile\n"
        'save_model(Linear(2, 1), os.path.join(tempfile.mkdtemp(), "m" * 300 + ".npz"))',
        OSError,
        r"m{300}\.npz: its file name \(304 bytes\)",
        r"choose a shorter name",
    ),
    _case(
        "load-model-of-another-width",
        "checkpoints",
        "import os, tempfile\n"
        'path = os.path.join(tempfile.mkdtemp(), "m.npz")\n'
        "save_model(Linear(3, 1), path)\n"
        "load_model(Linear(2, 1), path)  # refused from the file's headers, nothing read",
        RuntimeError,
        r"size mismatch for weight: copying a value of shape \(1, 3\)",
        r"same architecture",
    ),
    _case(
        "load-checkpoint-into-another-architecture",
        "checkpoints",
        "import os, tempfile\n"
        'path = os.path.join(tempfile.mkdtemp(), "run.npz")\n'
        "save_checkpoint(path, Sequential(Linear(2, 4)))\n"
        "load_checkpoint(path, Sequential(Linear(2, 4), Linear(4, 1)))",
        RuntimeError,
        r"Missing key.*1\.weight",
        r"strict=False",
    ),
    _case(
        "lr-find-with-one-step",
        "training",
        "model = Linear(2, 1)\n"
        "loader = DataLoader(np.ones((8, 2)), np.ones((8, 1)), batch_size=4)\n"
        "lr_find(model, loader, MSELoss(), SGD(model.parameters()), num_iter=1)",
        ValueError,
        r"num_iter must be an int of at least 2.*got 1",
        r"the default is num_iter=100",
    ),
    _case(
        "lr-find-sweeping-down",
        "training",
        "model = Linear(2, 1)\n"
        "loader = DataLoader(np.ones((8, 2)), np.ones((8, 1)), batch_size=4)\n"
        "lr_find(model, loader, MSELoss(), SGD(model.parameters()), start_lr=1, end_lr=1e-5)",
        ValueError,
        r"start_lr=1 must be smaller than end_lr=1e-05",
        r"from a tiny learning rate to a huge one, e\.g\. start_lr=1e-7, end_lr=10",
    ),
    _case(
        "lr-find-with-an-empty-loader",
        "training",
        "model = Linear(2, 1)\nlr_find(model, [], MSELoss(), SGD(model.parameters()))",
        ValueError,
        r"loader that yields no batches",
        r"at least one \(inputs, targets\) batch",
    ),
]

CASES: list[BadInput] = [
    *TENSOR_CASES,
    *AUTOGRAD_CASES,
    *LOSS_CASES,
    *NN_CASES,
    *OPTIM_CASES,
    *DATA_CASES,
    *TRAINING_CASES,
]
