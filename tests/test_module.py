"""Module, Parameter and Sequential: registration, modes, repr, state_dict."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor
from micrograd_plus.utils import count_parameters


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


class Block(mp.Module):
    def __init__(self):
        super().__init__()
        self.fc = mp.Linear(3, 4)
        self.norm = mp.BatchNorm1d(4)
        self.scale = mp.Parameter(np.ones(4, np.float32))
        self.not_a_parameter = Tensor([1.0])
        self.drop = mp.Dropout(0.5)

    def forward(self, x, *, shift=0.0):
        return self.drop(self.norm(self.fc(x))) * self.scale + shift


def test_parameters_are_found_in_registration_order():
    block = Block()
    names = [name for name, _ in block.named_parameters()]
    assert names == ["scale", "fc.weight", "fc.bias", "norm.weight", "norm.bias"]
    assert [type(p) for p in block.parameters()] == [mp.Parameter] * 5
    assert [name for name, _ in block.named_children()] == ["fc", "norm", "drop"]
    assert [name for name, _ in block.named_modules()] == ["", "fc", "norm", "drop"]
    assert [name for name, _ in block.named_buffers()] == [
        "norm.running_mean",
        "norm.running_var",
        "norm.num_batches_tracked",
    ]


def test_shared_parameters_appear_once():
    layer = mp.Linear(2, 2)
    model = mp.Sequential(layer, mp.ReLU(), layer)
    assert len(list(model.parameters())) == 2
    assert count_parameters(model) == 6
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # as torch


def test_call_forwards_arguments_and_modes_recurse():
    block = Block()
    out = block(Tensor(np.ones((5, 3))), shift=1.0)
    assert out.shape == (5, 4)
    assert block.training and block.drop.training
    assert block.eval() is block
    assert not block.training and not block.norm.training and not block.drop.training
    block.train()
    assert all(m.training for m in block.modules())
    with pytest.raises(NotImplementedError, match="forward"):
        mp.Module()(1)


def test_zero_grad_and_requires_grad():
    model = mp.Sequential(mp.Linear(2, 3), mp.ReLU(), mp.Linear(3, 1))
    model(Tensor(np.ones((4, 2)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(np.all(p.grad == 0) for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_assignment_rules():
    layer = mp.Linear(2, 2)
    with pytest.raises(TypeError, match="Parameter"):
        layer.weight = Tensor(np.ones((2, 2)))
    layer.bias = None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    layer.weight = mp.Parameter(np.zeros((2, 2)))
    assert np.all(layer.weight.data == 0)

    class Forgot(mp.Module):
        def __init__(self):
            self.fc = mp.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Forgot()
    del layer.weight
    assert list(layer.named_parameters()) == []


def test_buffers_persistent_and_not():
    module = mp.Module()
    module.register_buffer("kept", np.arange(3.0))
    module.register_buffer("scratch", np.zeros(2), persistent=False)
    assert list(module.state_dict()) == ["kept"]
    assert [n for n, _ in module.named_buffers()] == ["kept", "scratch"]
    with pytest.raises(KeyError, match="already exists"):
        module.register_parameter("kept", mp.Parameter([1.0]))


def test_parameter_repr_and_defaults():
    p = mp.Parameter(np.zeros(2))
    assert p.requires_grad and isinstance(p, Tensor)
    assert repr(p).startswith("Parameter containing:\nTensor(")
    assert not mp.Parameter([1.0], requires_grad=False).requires_grad


def test_repr_matches_torch(torch):
    ours = mp.Sequential(
        mp.Linear(2, 8),
        mp.ReLU(),
        mp.BatchNorm1d(8),
        mp.Sequential(mp.Linear(8, 3, bias=False), mp.LogSoftmax(dim=1)),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(2, 8),
        torch.nn.ReLU(),
        torch.nn.BatchNorm1d(8),
        torch.nn.Sequential(torch.nn.Linear(8, 3, bias=False), torch.nn.LogSoftmax(dim=1)),
    )
    assert repr(ours) == repr(theirs)
    assert repr(mp.Dropout(0.2)) == repr(torch.nn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"


# --------------------------------------------------------------------- Sequential
def test_sequential_indexing_slicing_iteration():
    layers = [mp.Linear(2, 3), mp.ReLU(), mp.Linear(3, 1)]
    model = mp.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    head = model[:2]
    assert isinstance(head, mp.Sequential) and list(head) == layers[:2]
    assert head(Tensor(np.ones((1, 2)))).shape == (1, 3)
    with pytest.raises(IndexError, match="out of range"):
        model[3]
    model.append(mp.Sigmoid())
    assert len(model) == 4 and list(model.state_dict()) == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]
    del model[1]
    assert [name for name, _ in model.named_children()] == ["0", "1", "2"]
    assert model[1] is layers[2]


def test_sequential_from_ordered_dict():
    from collections import OrderedDict

    model = mp.Sequential(OrderedDict(hidden=mp.Linear(2, 2), act=mp.Tanh()))
    assert list(model.state_dict()) == ["hidden.weight", "hidden.bias"]
    assert model.hidden is model[0]


# --------------------------------------------------------------------- state dict
def make_model():
    return mp.Sequential(mp.Linear(3, 5), mp.BatchNorm1d(5), mp.ReLU(), mp.Linear(5, 2))


def test_state_dict_keys_and_values_match_torch(torch):
    ours = make_model()
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(), torch.nn.Linear(5, 2)
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # A torch checkpoint loads into our model, and ours into torch: same outputs.
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    np.testing.assert_allclose(
        ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )
    ours.eval()
    theirs.eval()
    fresh = make_model().eval()
    fresh.load_state_dict(ours.state_dict())
    theirs.load_state_dict({k: torch.tensor(v) for k, v in fresh.state_dict().items()})
    np.testing.assert_allclose(
        fresh(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_state_dict_round_trip_through_npz(tmp_path):
    model = make_model()
    model(Tensor(np.random.default_rng(1).standard_normal((8, 3))))  # move running stats
    np.savez(tmp_path / "ckpt.npz", **model.state_dict())
    other = make_model()
    weight = other[0].weight
    with np.load(tmp_path / "ckpt.npz", allow_pickle=False) as saved:
        result = other.load_state_dict(saved)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert other[0].weight is weight  # loaded in place: optimizers keep working
    for (k, a), b in zip(model.state_dict().items(), other.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=k)
    assert other[1].num_batches_tracked.dtype == np.int64


def test_state_dict_is_a_snapshot_unless_keep_vars():
    model = mp.Linear(2, 1)
    snapshot = model.state_dict()
    model.weight.data += 1
    assert not np.array_equal(snapshot["weight"], model.weight.data)
    assert model.state_dict(keep_vars=True)["weight"] is model.weight


def test_load_state_dict_errors_name_the_keys():
    model = make_model()
    state = model.state_dict()
    del state["0.bias"]
    state["extra.weight"] = np.zeros(1)
    with pytest.raises(RuntimeError, match=r"Missing key\(s\).*'0\.bias'") as info:
        model.load_state_dict(state)
    assert "Unexpected key(s) in state_dict: 'extra.weight'" in str(info.value)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["extra.weight"]
    bad = make_model().state_dict()
    bad["3.weight"] = np.zeros((3, 5))
    with pytest.raises(RuntimeError, match=r"size mismatch for 3\.weight.*\(3, 5\).*\(2, 5\)"):
        model.load_state_dict(bad, strict=False)


def test_members_may_not_hide_methods_or_attributes_like_torch(torch):
    for nn in (mp, torch.nn):
        module = nn.Module()
        for name in ("forward", "training", "parameters"):
            with pytest.raises(KeyError, match="already exists"):
                module.add_module(name, nn.ReLU())
        module.plain = 3  # a plain attribute may later become a member by assignment
        module.plain = nn.ReLU()
        assert [n for n, _ in module.named_children()] == ["plain"]
    with pytest.raises(KeyError, match="already exists"):
        mp.Module().register_buffer("eval", np.zeros(1))


def test_in_place_update_of_a_parameter_keeps_the_state_dict_order() -> None:
    torch = pytest.importorskip("torch")
    ours = mp.Linear(3, 2)
    theirs = torch.nn.Linear(3, 2)
    with mp.no_grad(), torch.no_grad():
        ours.weight -= 0.1
        theirs.weight -= 0.1
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]


def test_load_state_dict_hint_names_strict_for_one_kind_of_key_problem():
    # Only missing keys, or only unexpected ones: either is what strict=False skips.
    for edit in ("missing", "unexpected"):
        model, state = make_model(), make_model().state_dict()
        if edit == "missing":
            del state["0.bias"]
        else:
            state["extra.weight"] = np.zeros(1)
        with pytest.raises(RuntimeError, match="pass strict=False") as info:
            model.load_state_dict(state)
        assert ("Missing key(s)" in str(info.value)) == (edit == "missing")
    bad = make_model().state_dict()
    bad["3.weight"] = np.zeros((3, 5))  # a size mismatch alone: strict=False would not help
    with pytest.raises(RuntimeError, match="size mismatch") as info:
        make_model().load_state_dict(bad)
    assert "strict=False" not in str(info.value)


def test_reassigning_a_member_as_another_kind_matches_torch(torch):
    # A Parameter over a buffer or a child module replaces it; one over a Parameter
    # keeps its place in named_parameters(), as torch's __setattr__ does.
    runs = []
    for nn, make in (
        (mp, lambda: mp.Parameter(np.ones(2, np.float32))),
        (torch.nn, lambda: torch.nn.Parameter(torch.ones(2))),
    ):
        m = nn.Module()
        m.a = make()
        m.register_buffer("b", np.zeros(2) if nn is mp else torch.zeros(2))
        m.c = nn.Linear(1, 1)
        m.d = make()
        m.a = make()  # same kind: keeps its place before d
        m.b = make()  # buffer -> parameter
        m.c = make()  # module -> parameter
        m.e = nn.ReLU()
        m.f = nn.Tanh()
        m.e = None  # a child module may be set to None (torch keeps the name, empty)
        runs.append(
            (
                m.e,
                [n for n, _ in m.named_parameters()],
                [n for n, _ in m.named_buffers()],
                [n for n, _ in m.named_children()],
                list(m.state_dict()),
            )
        )
    assert runs[0] == runs[1]
    assert runs[0][1] == ["a", "d", "b", "c"] and runs[0][3] == ["f"]


def test_a_module_over_a_parameter_is_refused_like_torch(torch):
    # torch refuses m.w = Module() while w is a Parameter (del m.w first); a Parameter over
    # a child module, or a module over a buffer, replaces it.
    for nn in (mp, torch.nn):
        m = nn.Module()
        m.w = nn.Parameter(np.ones(2, np.float32) if nn is mp else torch.ones(2))
        with pytest.raises(TypeError, match="as parameter 'w'"):
            m.w = nn.Tanh()
        assert [n for n, _ in m.named_parameters()] == ["w"]
        del m.w
        m.w = nn.Tanh()
        assert [n for n, _ in m.named_children()] == ["w"]


def test_load_state_dict_lists_missing_keys_before_unexpected_ones_as_torch():
    layer = mp.nn.Linear(2, 1)
    state = {"weight": layer.weight.data.copy(), "extra": layer.weight.data.copy()}
    with pytest.raises(Exception) as err:
        layer.load_state_dict(state)
    text = str(err.value)
    assert 0 <= text.index("Missing key(s)") < text.index("Unexpected key(s)"), text


# ------------------------------------ issue 27, census survivors (pin27h)
def test_a_tensor_registered_as_a_buffer_is_kept_itself_as_torch(torch):
    """register_buffer keeps the Tensor it is given (torch does), so changing it in
    place changes the module's state; an array or a list becomes a Tensor."""
    ours, theirs = mp.Module(), torch.nn.Module()
    t, tt = Tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    ours.register_buffer("stat", t)
    theirs.register_buffer("stat", tt)
    assert (ours.stat is t) and (theirs.stat is tt)
    t.data[0] = 5.0
    assert ours.state_dict()["stat"].tolist() == [5.0, 2.0]
    ours.register_buffer("listed", [3.0])
    assert isinstance(ours.listed, Tensor) and ours.listed.tolist() == [3.0]


def test_repr_of_a_module_with_extra_repr_and_children_is_torchs(torch):
    def build(nn):
        class Scaled(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 1)

            def extra_repr(self):
                return "scale=2"

        return Scaled()

    assert repr(build(mp.nn)) == repr(build(torch.nn))


def test_named_children_skip_none_and_repeats_as_torch(torch):
    names = []
    for nn in (mp.nn, torch.nn):
        m, shared = nn.Module(), nn.Linear(1, 1)
        m.a, m.b = shared, shared
        m.register_module("c", None)
        m.d = nn.ReLU()
        names.append([name for name, _ in m.named_children()])
    assert names[0] == names[1] == ["a", "d"]


@pytest.mark.parametrize("other", ["missing", "unexpected"])
def test_load_state_dict_names_key_problems_before_size_mismatches_as_torch(torch, other):
    messages = []
    for nn, make in ((mp.nn, np.zeros), (torch.nn, torch.zeros)):
        state = {"0.weight": make((1, 3)), "0.bias": make(1)}
        if other == "missing":
            del state["0.bias"]
        else:
            state["extra"] = make(1)
        with pytest.raises(RuntimeError) as error:
            nn.Sequential(nn.Linear(2, 1)).load_state_dict(state)
        lines = str(error.value).splitlines()
        messages.append([line.strip().split(" ")[0] for line in lines[1:3]])
    assert messages[0] == messages[1] == [other.capitalize(), "size"]


def test_sequential_takes_every_index_torch_takes(torch):
    """-len .. len - 1 name the layers; -len - 1 and len are out of range, in both."""
    picked = []
    for nn in (mp.nn, torch.nn):
        model = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Tanh())
        picked.append([type(model[i]).__name__ for i in range(-3, 3)])
        for bad in (-4, 3):
            with pytest.raises(IndexError):
                model[bad]
    assert picked[0] == picked[1] == ["Linear", "ReLU", "Tanh"] * 2
