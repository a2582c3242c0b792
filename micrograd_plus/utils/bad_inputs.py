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
>>> from micrograd_plus.utils.bad_inputs import CASES
>>> case = CASES[0]
>>> case.check(case.message())  # the library raises the promised error
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass

import numpy as np


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
        "transpose-repeated-axis",
        "shapes",
        "Tensor(np.ones((2, 3))).transpose(0, 0)",
        ValueError,
        r"axes \(0, 0\)",
        r"each axis 0\.\.1 exactly once",
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
        "squeeze-axis-of-size-two",
        "shapes",
        "Tensor(np.ones((2, 3))).squeeze(0)",
        ValueError,
        r"axis 0 of size 2",
        r"only size 1",
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
        "var-of-one-element-with-ddof",
        "shapes",
        "Tensor([1.5]).var(ddof=1)",
        ValueError,
        r"1 elements with ddof=1",
        r"smaller ddof",
    ),
    _case(
        "clip-without-bounds",
        "shapes",
        "Tensor([1.0, 2.0]).clip()",
        ValueError,
        r"clip",
        r"min= or max=",
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
