"""``to_torch`` and ``from_torch``: every layer, loss and container, and modules of
one's own, agree with their torch twin in float64: outputs, gradients, and the
weights after one optimizer step."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import nn
from micrograd_plus.utils import from_torch, to_torch

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
X = RNG.normal(size=(4, 3))


class Residual(nn.Module):
    """A module of one's own: children in a list and a dict, a parameter, a buffer,
    a plain setting and a helper method, all used by forward."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.Tanh()])
        self.heads = nn.ModuleDict({"a": nn.Linear(3, 2), "b": nn.LayerNorm(2)})
        self.scale = nn.Parameter(mp.tensor([0.5, 2.0, 1.0], dtype=mp.float64))
        self.register_buffer("shift", mp.tensor([0.1, -0.2, 0.3], dtype=mp.float64))
        self.power = 2

    def mix(self, x):
        return x * self.scale + self.shift

    def forward(self, x):
        h = self.mix(x)
        for block in self.blocks:
            h = block(h)
        return self.heads["b"](self.heads["a"](h + x) ** self.power)


def _seq():
    return nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Dropout(0.2), nn.Linear(5, 2))


MODELS = {
    "Linear": (lambda: nn.Linear(3, 4), X),
    "Linear(bias=False)": (lambda: nn.Linear(3, 2, bias=False), X),
    "ReLU": (nn.ReLU, X),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), X),
    "Sigmoid": (nn.Sigmoid, X),
    "Tanh": (nn.Tanh, X),
    "GELU": (nn.GELU, X),
    "GELU(tanh)": (lambda: nn.GELU("tanh"), X),
    "Softmax": (lambda: nn.Softmax(dim=1), X),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=0), X),
    "Dropout (eval)": (lambda: nn.Dropout(0.4).eval(), X),
    "BatchNorm1d (train)": (lambda: nn.BatchNorm1d(3), X),
    "BatchNorm1d (eval)": (lambda: nn.BatchNorm1d(3, momentum=0.3).eval(), X),
    "LayerNorm": (lambda: nn.LayerNorm(3), X),
    "LayerNorm(no affine)": (lambda: nn.LayerNorm(3, elementwise_affine=False), X),
    "Flatten": (lambda: nn.Flatten(0), X),
    "Identity": (nn.Identity, X),
    "Embedding": (lambda: nn.Embedding(6, 3, padding_idx=1), np.array([[0, 1], [5, 2]])),
    "Sequential (eval)": (lambda: _seq().eval(), X),
    "Sequential of Sequentials": (
        lambda: nn.Sequential(nn.Sequential(nn.Linear(3, 3), nn.Sigmoid()), nn.Linear(3, 1)),
        X,
    ),
    "custom Module": (Residual, X),
}


def _pair(name):
    make, data = MODELS[name]
    mp.manual_seed(3)
    ours = make().double()
    return ours, to_torch(ours), data


def _input(lib, data, grad):
    if data.dtype.kind == "i":
        return lib.tensor(data)
    return lib.tensor(data, dtype=lib.float64, requires_grad=grad)


def _forward_backward(model, lib, data):
    x = _input(lib, data, grad=True)
    out = model(x)
    weights = np.arange(1, out.numel() + 1, dtype=np.float64).reshape(tuple(out.shape)) / 5
    (out * lib.tensor(weights, dtype=lib.float64)).sum().backward()
    return out, x


def _np(value):
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    return value.data if isinstance(value, mp.Tensor) else np.asarray(value)


def _close(ours, theirs):
    ours, theirs = _np(ours), _np(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(MODELS))
def test_to_torch_agrees_in_outputs_gradients_and_one_step(name):
    ours, theirs, data = _pair(name)
    assert type(theirs).__name__ == type(ours).__name__
    assert list(ours.state_dict()) == list(theirs.state_dict()) or name == "custom Module"
    assert theirs.training == ours.training
    out, x = _forward_backward(ours, mp, data)
    tout, tx = _forward_backward(theirs, torch, data)
    _close(out, tout)
    if x.grad is not None or tx.grad is not None:
        _close(x.grad, tx.grad)
    named = dict(theirs.named_parameters())
    assert set(named) == {n for n, _ in ours.named_parameters()}
    for key, p in ours.named_parameters():
        _close(p.grad if p.grad is not None else np.zeros_like(p.data), named[key].grad)
    if named:
        mp.SGD(ours.parameters(), lr=0.1, momentum=0.9).step()
        torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9).step()
    for key, value in ours.state_dict().items():
        _close(value, theirs.state_dict()[key])


@pytest.mark.parametrize("name", list(MODELS))
def test_from_torch_round_trip_gives_the_same_model(name):
    ours, theirs, data = _pair(name)
    back = from_torch(theirs)
    assert type(back).__name__ == type(ours).__name__ and back.training == ours.training
    for key, value in ours.state_dict().items():
        _close(back.state_dict()[key], value)
    with mp.no_grad():
        _close(back(_input(mp, data, False)), ours(_input(mp, data, False)))


TORCH_MODELS = {
    "Linear": lambda: torch.nn.Linear(3, 4),
    "Sequential": lambda: torch.nn.Sequential(
        torch.nn.Linear(3, 8), torch.nn.GELU(), torch.nn.LayerNorm(8), torch.nn.Linear(8, 2)
    ),
    "BatchNorm1d": lambda: torch.nn.BatchNorm1d(3, eps=1e-3),
    "ModuleList in Sequential": lambda: torch.nn.Sequential(
        *torch.nn.ModuleList([torch.nn.Linear(3, 3), torch.nn.Tanh()])
    ),
}


@pytest.mark.parametrize("name", list(TORCH_MODELS))
def test_from_torch_of_a_torch_model_agrees_with_it(name):
    torch.manual_seed(0)
    theirs = TORCH_MODELS[name]().double()
    ours = from_torch(theirs)
    out, x = _forward_backward(ours, mp, X)
    tout, tx = _forward_backward(theirs, torch, X)
    _close(out, tout)
    _close(x.grad, tx.grad)
    named = dict(theirs.named_parameters())
    for key, p in ours.named_parameters():
        _close(p.grad, named[key].grad)
    mp.Adam(ours.parameters(), lr=0.01).step()
    torch.optim.Adam(theirs.parameters(), lr=0.01).step()
    for key, value in ours.state_dict().items():
        _close(value, theirs.state_dict()[key])


LOSSES = {
    "MSELoss": (lambda: nn.MSELoss(reduction="sum"), "regression"),
    "L1Loss": (nn.L1Loss, "regression"),
    "HuberLoss": (lambda: nn.HuberLoss(delta=0.5), "regression"),
    "SmoothL1Loss": (lambda: nn.SmoothL1Loss(beta=0.7), "regression"),
    "CrossEntropyLoss": (
        lambda: nn.CrossEntropyLoss(
            weight=mp.tensor([1.0, 2.0, 0.5], dtype=mp.float64), label_smoothing=0.1
        ),
        "classes",
    ),
    "NLLLoss": (lambda: nn.NLLLoss(ignore_index=2), "classes"),
    "BCEWithLogitsLoss": (
        lambda: nn.BCEWithLogitsLoss(pos_weight=mp.tensor([2.0, 1.0, 0.5], dtype=mp.float64)),
        "binary",
    ),
    "BCELoss": (nn.BCELoss, "probabilities"),
    "KLDivLoss": (lambda: nn.KLDivLoss(reduction="batchmean"), "log-probabilities"),
    "PoissonNLLLoss": (nn.PoissonNLLLoss, "counts"),
}


def _loss_data(kind):
    target = {
        "regression": RNG.normal(size=(4, 3)),
        "classes": np.array([0, 2, 1, 2]),
        "binary": RNG.integers(0, 2, size=(4, 3)).astype(np.float64),
        "probabilities": RNG.integers(0, 2, size=(4, 3)).astype(np.float64),
        "log-probabilities": np.full((4, 3), 1 / 3),
        "counts": RNG.poisson(2.0, size=(4, 3)).astype(np.float64),
    }[kind]
    data = X if kind != "probabilities" else 1 / (1 + np.exp(-X))
    return data, target


@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_convert_with_their_settings(name):
    make, kind = LOSSES[name]
    data, target = _loss_data(kind)
    ours = make()
    theirs = to_torch(ours)
    back = from_torch(theirs)
    settings = ("reduction", "delta", "beta", "label_smoothing", "ignore_index", "log_input")
    for attr in settings:
        if hasattr(ours, attr):
            assert getattr(theirs, attr) == getattr(ours, attr) == getattr(back, attr), attr
    results = []
    for lib, loss_fn in ((mp, ours), (torch, theirs)):
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        t = lib.tensor(target) if kind == "classes" else lib.tensor(target, dtype=lib.float64)
        value = loss_fn(x, t)
        value.backward()
        results.append((value, x.grad))
    _close(results[0][0], results[1][0])
    _close(results[0][1], results[1][1])


def test_flags_and_modes_carry_over():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)).eval()
    model[0].weight.requires_grad = False
    twin = to_torch(model)
    assert not twin.training and not twin[1].training
    assert not twin[0].weight.requires_grad and twin[0].bias.requires_grad
    assert twin[0].weight.dtype == torch.float32
    back = from_torch(twin)
    assert not back.training and not back[0].weight.requires_grad
    assert back[0].weight.dtype == np.float32


def test_weights_are_copies_in_both_directions():
    model = nn.Linear(2, 1)
    twin = to_torch(model)
    with torch.no_grad():
        twin.weight.fill_(5.0)
    assert not np.any(model.weight.data == 5.0)
    back = from_torch(twin)
    back.weight.data[...] = 7.0
    assert not torch.any(twin.weight == 7.0)


def test_bad_arguments_say_which_direction():
    with pytest.raises(TypeError, match="micrograd_plus Module"):
        to_torch(torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match="torch.nn.Module"):
        from_torch(nn.Linear(2, 2))


def test_torch_stays_optional(monkeypatch):
    import subprocess
    import sys

    code = "import sys, micrograd_plus.utils; assert 'torch' not in sys.modules"
    root = str(Path(mp.__file__).resolve().parents[1])
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": root})
    monkeypatch.setitem(sys.modules, "torch", None)  # as if it were not installed
    with pytest.raises(ImportError):
        to_torch(nn.Linear(2, 2))


def test_gaussian_nll_loss_converts_with_its_settings():
    ours = nn.GaussianNLLLoss(full=True, eps=1e-4, reduction="sum")
    theirs = to_torch(ours)
    assert (theirs.full, theirs.eps, theirs.reduction) == (True, 1e-4, "sum")
    var = RNG.uniform(0.5, 2.0, size=(4, 3))
    results = []
    for lib, loss_fn in ((mp, ours), (torch, theirs)):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        value = loss_fn(x, lib.tensor(X[::-1].copy(), dtype=lib.float64), lib.tensor(var))
        value.backward()
        results.append((value, x.grad))
    _close(results[0][0], results[1][0])
    _close(results[0][1], results[1][1])
