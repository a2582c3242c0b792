"""The appendix's tables against PyTorch: every name exists there, every difference holds."""

from __future__ import annotations

import importlib
import io
import zipfile

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus.book import conformance

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("namespace", list(conformance.NAMESPACES))
def test_every_listed_name_exists_in_torch(namespace: str) -> None:
    missing = []
    for name in conformance.torch_names(namespace):
        home, _, attr = conformance.torch_path(namespace, name).rpartition(".")
        if not hasattr(importlib.import_module(home), attr):
            missing.append(f"{home}.{attr}")
    assert not missing, f"listed as PyTorch names but torch has no {missing}"


def test_listed_names_are_importable_from_both_places() -> None:
    for namespace, module_name in conformance.NAMESPACES.items():
        module = importlib.import_module(module_name)
        for name in conformance.torch_names(namespace):
            if name in mp.__all__ and name not in conformance.EXTRAS:  # not a book helper
                assert getattr(mp, name) is getattr(module, name), name


def test_every_listed_tensor_method_exists_in_torch() -> None:
    missing = [m for m in conformance.tensor_methods() if not hasattr(torch.Tensor, m)]
    assert not missing, f"torch.Tensor has no {missing}"


def test_extras_are_not_torch_names_where_they_are_grouped() -> None:
    # An extra that torch does have would be a row missing from the appendix's table.
    for namespace, module_name in conformance.NAMESPACES.items():
        module = importlib.import_module(module_name)
        torch_module = importlib.import_module(namespace)
        shadowed = [
            n
            for n in module.__all__
            if n in conformance.extras(namespace) and hasattr(torch_module, n)
        ]
        allowed = {"normalize", "one_hot"} if namespace == "torch.utils.data" else set()
        assert set(shadowed) <= allowed, f"{namespace}: {shadowed} are torch names"


def test_the_differences_are_still_differences() -> None:
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    assert isinstance(w.grad, torch.Tensor)
    assert torch.tensor([1, 2, 3]).dtype == torch.int64
    assert callable(torch.zeros(2, 3).size)
    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, buffer)
    assert any(n.endswith("data.pkl") for n in zipfile.ZipFile(buffer).namelist())
    p = torch.nn.Parameter(torch.zeros(2))
    adam = torch.optim.Adam([p])
    p.grad = torch.ones(2)
    adam.step()
    torch.optim.SGD([p], lr=0.1).load_state_dict(adam.state_dict())  # accepted silently
    logits = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    weight = torch.tensor([0.0, 1.0, 1.0], dtype=torch.float64)
    torch.nn.functional.cross_entropy(logits, torch.tensor([0, 0]), weight=weight).backward()
    assert torch.isnan(logits.grad).all()
    x = torch.tensor([1.0, 2.0])
    forward = torch.autograd.functional.jacobian(
        lambda t: t**2, x, strategy="forward-mode", vectorize=True
    )
    assert torch.equal(forward, torch.diag(2 * x))
    with pytest.raises(NotImplementedError, match="forward-mode"):
        mp.autograd.functional.jacobian(lambda t: t**2, mp.Tensor([1.0]), strategy="forward-mode")
    q = torch.zeros(2, requires_grad=True)
    torch.optim.LBFGS([q], lr=0, history_size=0, line_search_fn="wolfe")  # accepted
    X, y = np.zeros((4, 2)), np.zeros(4)
    with pytest.raises(TypeError, match="batch_size"):
        torch.utils.data.DataLoader(X, y, batch_size=2)  # arrays are no (X, y) data set there


def test_the_differences_of_issue_23_hold_on_both_sides() -> None:
    # arange: float32 here, int64 in torch; the torch line gives float32.
    assert mp.arange(5).dtype == np.float32 and torch.arange(5).dtype == torch.int64
    assert torch.arange(5, dtype=torch.float32).dtype == torch.float32
    assert mp.tensor([1, 2, 3]).dtype == np.int64  # the torch spelling behaves as torch
    # state_dict: a copy here, shared memory in torch (the torch line clones).
    ours, theirs = mp.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    kept, shared = ours.state_dict(), theirs.state_dict()
    cloned = {k: v.clone() for k, v in theirs.state_dict().items()}
    with mp.no_grad(), torch.no_grad():
        ours.weight.fill_(3.0)
        theirs.weight.fill_(3.0)
    assert not np.any(kept["weight"] == 3.0) and torch.all(shared["weight"] == 3.0)
    assert not torch.any(cloned["weight"] == 3.0)
    # float64 into a float32 layer: promoted here, refused by torch.
    x = np.ones((1, 2))
    assert ours(mp.Tensor(x)).dtype == np.float64
    with pytest.raises(RuntimeError, match="dtype"):
        theirs(torch.tensor(x))
    assert theirs(torch.tensor(x).float()).dtype == torch.float32
    # a list of numbers as an operand
    assert (mp.ones(2) * [1.0, 2.0]).tolist() == [1.0, 2.0]
    with pytest.raises(TypeError):
        torch.ones(2) * [1.0, 2.0]
    # Dropout(inplace=True): a new tensor here, the input overwritten in torch.
    a, b = mp.ones(200), torch.ones(200)
    mp.nn.Dropout(0.5, inplace=True)(a)
    torch.nn.Dropout(0.5, inplace=True)(b)
    assert a.tolist() == [1.0] * 200 and not torch.all(b == 1.0)
    # random numbers: seeded, repeatable, but not torch's.
    mp.manual_seed(0)
    first = mp.randn(3).tolist()
    mp.manual_seed(0)
    torch.manual_seed(0)
    assert mp.randn(3).tolist() == first
    assert not np.allclose(first, torch.randn(3).numpy())


def _parameters(func) -> list[tuple[str, object]]:
    import inspect

    return [(p.name, p.default) for p in inspect.signature(func).parameters.values()]


@pytest.mark.parametrize("name", ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"])
def test_functional_signatures_are_torchs(name: str) -> None:
    ours = getattr(mp.autograd.functional, name)
    assert _parameters(ours) == _parameters(getattr(torch.autograd.functional, name))


def test_grad_and_backward_take_torchs_arguments() -> None:
    assert _parameters(mp.Tensor.backward) == _parameters(torch.Tensor.backward)
    theirs = dict(_parameters(torch.autograd.grad))
    ours = _parameters(mp.grad)
    # torch's only_inputs (deprecated) and is_grads_batched (vmap) are not implemented.
    assert set(theirs) - {n for n, _ in ours} == {"only_inputs", "is_grads_batched"}
    assert all(theirs[n] == default for n, default in ours), ours


def _spiral_loop(lib_name: str, initial: dict) -> list[float]:
    X_np, y_np = mp.make_spiral(n_points=50, n_classes=3, seed=0)
    if lib_name == "torch":
        from torch import nn, optim

        X, y = torch.tensor(X_np), torch.tensor(y_np)
    else:
        from micrograd_plus import nn, optim

        X, y = mp.Tensor(X_np), y_np
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3))
    state = {k: torch.tensor(v) for k, v in initial.items()} if lib_name == "torch" else initial
    model.load_state_dict(state)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=20, gamma=0.5)
    losses = []
    for _ in range(60):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses


def test_the_appendix_loop_gives_torch_losses() -> None:
    mp.utils.set_seed(0)
    start = mp.nn.Sequential(mp.nn.Linear(2, 32), mp.nn.ReLU(), mp.nn.Linear(32, 3))
    initial = {k: np.array(v) for k, v in start.state_dict().items()}
    ours, theirs = _spiral_loop("micrograd_plus", initial), _spiral_loop("torch", initial)
    assert ours[-1] < 0.6 * ours[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_the_state_dict_in_place_and_zero_grad_differences_hold_in_torch() -> None:
    model = torch.nn.Linear(2, 1)
    saved = model.state_dict()
    with torch.no_grad():
        model.weight += 1  # training goes on
    assert torch.equal(saved["weight"], model.weight)  # shares storage: not a snapshot
    x = torch.ones(2, requires_grad=True)
    h = x * 2
    h += 1  # allowed: mul's backward does not need h
    h.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    assert not hasattr(torch.Tensor, "zero_grad")


def test_the_state_dict_in_place_and_zero_grad_differences_hold_here() -> None:
    model = mp.nn.Linear(2, 1)
    saved = model.state_dict()
    with mp.no_grad():
        model.weight.data += 1
    assert not np.array_equal(saved["weight"], model.weight.data)  # a copy
    h = mp.Tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="h = h \\+|x = x \\+"):
        h += 1
    u = mp.Tensor(1.0, requires_grad=True)
    (3 * u).backward()
    u.zero_grad()
    assert u.grad is None


def test_issue_23s_last_primitives_are_listed():
    methods = set(conformance.tensor_methods())
    new = {"prod", "sin", "cos", "log1p", "floor", "round", "clamp_", "clip_", "masked_fill_"}
    assert new <= methods, new - methods
    functions = set(conformance.torch_names("torch"))
    assert {"einsum", "prod", "sin", "cos", "log1p", "floor", "round"} <= functions
    assert all(hasattr(torch.Tensor, m) for m in new)
