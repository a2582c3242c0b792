"""ModuleList, ModuleDict, ParameterList, ParameterDict, Module.apply and forward hooks,
each against torch.nn doing the same thing."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def build(nn, param):
    """The same architecture from ``mp`` or ``torch.nn`` (``param`` makes a parameter)."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3)])
            self.heads = nn.ModuleDict({"cls": nn.Linear(3, 4), "box": nn.Linear(3, 2)})
            self.scales = nn.ParameterList([param(np.ones(3)), param(np.zeros(2))])
            self.temps = nn.ParameterDict({"cls": param(np.ones(1)), "box": param(np.ones(1))})
            self.nested = nn.ModuleList([nn.ModuleDict({"a": nn.Linear(1, 1)})])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return self.heads["cls"](x * self.scales[0]) / self.temps["cls"]

    return Net()


def test_state_dict_and_parameter_names_equal_torchs(torch):
    ours = build(mp, lambda a: mp.Parameter(a.astype(np.float32)))
    theirs = build(torch.nn, lambda a: torch.nn.Parameter(torch.tensor(a, dtype=torch.float32)))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    # Loading torch's state dict into ours gives the same outputs.
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 2))
    expected = theirs(torch.tensor(x, dtype=torch.float32)).detach().numpy()
    np.testing.assert_allclose(ours(Tensor(x)).data, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "edit",
    [
        lambda nn, ml: ml.append(nn.Tanh()),
        lambda nn, ml: ml.extend([nn.Tanh(), nn.Linear(3, 1)]),
        lambda nn, ml: ml.insert(1, nn.Linear(3, 3)),
        lambda nn, ml: ml.insert(0, nn.Linear(3, 3)),
        lambda nn, ml: ml.insert(3, nn.Linear(3, 3)),
        lambda nn, ml: ml.__delitem__(1),
        lambda nn, ml: ml.__delitem__(-1),
        lambda nn, ml: ml.__delitem__(slice(0, 2)),
        lambda nn, ml: ml.pop(0),
        lambda nn, ml: ml.__setitem__(-1, nn.Linear(5, 5)),
        lambda nn, ml: ml.__iadd__([nn.Linear(3, 2)]),
    ],
)
def test_module_list_edits_renumber_like_torch(torch, edit):
    lists = []
    for nn in (mp, torch.nn):
        ml = nn.ModuleList([nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3)])
        edit(nn, ml)
        lists.append(ml)
    ours, theirs = lists
    assert len(ours) == len(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]


def test_module_list_indexing_slicing_and_errors(torch):
    ours = mp.ModuleList([mp.Linear(2, 2), mp.ReLU(), mp.Linear(2, 1)])
    theirs = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)])
    assert ours[-1] is list(ours)[2] and ours[0] is ours._modules["0"]
    part, t_part = ours[1:], theirs[1:]
    assert isinstance(part, mp.ModuleList) and list(part.state_dict()) == list(t_part.state_dict())
    assert part[1] is ours[2]  # a slice holds the same modules, renumbered
    assert repr(ours + ours[:1]).count("Linear") == 3
    with pytest.raises(IndexError, match="index 3 is out of range"):
        ours[3]
    with pytest.raises(TypeError, match="integers or slices"):
        ours["0"]
    with pytest.raises(TypeError, match="not a Module"):
        ours.append(3)
    with pytest.raises(TypeError, match="use append"):
        ours.extend(mp.Linear(1, 1))


def test_module_list_repr_collapses_repeats_like_torch(torch):
    ours = mp.ModuleList([mp.ReLU(), mp.ReLU(), mp.ReLU(), mp.Tanh()])
    theirs = torch.nn.ModuleList([torch.nn.ReLU()] * 3 + [torch.nn.Tanh()])
    assert repr(ours) == repr(theirs)
    assert repr(mp.ModuleList()) == repr(torch.nn.ModuleList())


def test_module_dict_behaves_like_a_dict_as_torchs(torch):
    for nn in (mp, torch.nn):
        md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 2)})
        md.update([("c", nn.Tanh())])
        md["d"] = nn.Linear(2, 2)
        assert list(md) == list(md.keys()) == ["b", "a", "c", "d"]
        assert [type(m).__name__ for m in md.values()] == ["ReLU", "Linear", "Tanh", "Linear"]
        assert "a" in md and "z" not in md and len(md) == 4
        assert isinstance(md.pop("b"), nn.ReLU) and list(md) == ["a", "c", "d"]
        del md["c"]
        assert [k for k, _ in md.items()] == ["a", "d"]
        assert list(md.state_dict()) == ["a.weight", "a.bias", "d.weight", "d.bias"]
        md.clear()
        assert len(md) == 0 and list(md.state_dict()) == []
        # A key may not hide a method or an attribute, in either library.
        for bad in ("keys", "training"):
            with pytest.raises(KeyError, match="already exists"):
                nn.ModuleDict({bad: nn.ReLU()})
        with pytest.raises(KeyError):
            nn.ModuleDict({"a.b": nn.ReLU()})
    with pytest.raises(TypeError, match=r"element #0"):
        mp.ModuleDict([mp.ReLU()])


def test_parameter_list_and_dict_register_and_wrap_tensors(torch):
    pl = mp.ParameterList([mp.Parameter(np.ones(3)), Tensor(np.zeros((2, 2)))])
    t_pl = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(3)), torch.zeros(2, 2)])
    assert type(pl[1]) is mp.Parameter and pl[1].requires_grad
    assert type(t_pl[1]) is torch.nn.Parameter and t_pl[1].requires_grad
    pl.append(mp.Parameter(np.ones(1)))
    pl += [mp.Parameter(np.ones(1))]
    t_pl.append(torch.nn.Parameter(torch.ones(1)))
    t_pl += [torch.nn.Parameter(torch.ones(1))]
    assert list(pl.state_dict()) == list(t_pl.state_dict()) == ["0", "1", "2", "3"]
    assert [p.shape for p in pl] == [tuple(p.shape) for p in t_pl]
    assert pl[-1] is pl[3] and len(pl[1:3]) == 2
    pl[0] = mp.Parameter(np.ones(5))
    assert pl[0].shape == (5,) and len(list(pl.parameters())) == 4
    with pytest.raises(TypeError, match="holds parameters"):
        pl.append(3)

    pd = mp.ParameterDict({"w": mp.Parameter(np.ones(2))})
    t_pd = torch.nn.ParameterDict({"w": torch.nn.Parameter(torch.ones(2))})
    for d, make in ((pd, lambda: Tensor(np.ones(3))), (t_pd, lambda: torch.ones(3))):
        d["b"] = make()
        d.update({"c": make()})
        assert list(d) == list(d.keys()) == ["w", "b", "c"]
        assert d.get("zz") is None and "b" in d and len(d) == 3
        assert d.setdefault("w") is d["w"]
        d.pop("b")
        assert list(d.state_dict()) == ["w", "c"]
    assert type(pd["c"]) is mp.Parameter and pd["c"].requires_grad


def test_optimizer_trains_parameters_held_in_containers():
    model = build(mp, lambda a: mp.Parameter(a.astype(np.float32)))
    opt = mp.SGD(model.parameters(), lr=0.1)
    before = model.scales[0].data.copy()
    model(Tensor(np.ones((4, 2), np.float32))).sum().backward()
    opt.step()
    assert not np.array_equal(model.scales[0].data, before)
    assert len(list(model.parameters())) == 4 * 2 + 2 + 2 + 2


def test_apply_visits_children_before_parents_like_torch(torch):
    order = []
    for nn in (mp, torch.nn):
        seen = []
        model = nn.Sequential(nn.Linear(1, 2), nn.Sequential(nn.ReLU(), nn.Tanh()))
        assert model.apply(lambda m, seen=seen: seen.append(type(m).__name__)) is model
        order.append(seen)
    assert order[0] == order[1] == ["Linear", "ReLU", "Tanh", "Sequential", "Sequential"]


def test_shared_children_are_listed_once_like_torch(torch):
    results = []
    for nn in (mp, torch.nn):
        shared = nn.Linear(1, 1)
        model = nn.Sequential(shared, nn.ReLU(), shared)
        results.append(
            (
                [n for n, _ in model.named_children()],
                [n for n, _ in model.named_modules()],
                [n for n, _ in model.named_modules(remove_duplicate=False)],
                [n for n, _ in model.named_modules(prefix="net")],
                len(list(model.children())),
            )
        )
    assert results[0] == results[1]


def run_hooks(nn, tensor):
    """Pre-hook doubles the input, forward hook adds one; record what hooks see."""
    layer = nn.Linear(2, 1)
    log = []

    def pre(module, args):
        log.append(("pre", len(args)))
        return args[0] * 2  # not a tuple: wrapped in one

    def post(module, args, output):
        log.append(("post", tuple(args[0].shape)))
        return output + 1

    def kw_pre(module, args, kwargs):
        log.append(("kw_pre", sorted(kwargs)))
        return None

    h1 = layer.register_forward_pre_hook(pre)
    h2 = layer.register_forward_hook(post)
    h3 = layer.register_forward_pre_hook(kw_pre, with_kwargs=True, prepend=True)
    x = tensor(np.array([[1.0, 2.0]], np.float32))
    with_hooks = layer(x)
    plain = layer.forward(x)
    h1.remove()
    h2.remove()
    h2.remove()  # a second remove does nothing
    h3.remove()
    after = layer(x)
    doubled = layer.forward(x * 2)
    as_np = lambda t: t.detach().numpy() if hasattr(t, "detach") else t.numpy()  # noqa: E731
    return log, as_np(with_hooks) - as_np(doubled), as_np(after) - as_np(plain)


def test_forward_hooks_match_torch(torch):
    ours = run_hooks(mp, Tensor)
    theirs = run_hooks(torch.nn, torch.tensor)
    assert ours[0] == theirs[0] == [("kw_pre", []), ("pre", 1), ("post", (1, 2))]
    np.testing.assert_allclose(ours[1], 1.0, rtol=1e-6)
    np.testing.assert_allclose(theirs[1], 1.0, rtol=1e-6)
    assert not ours[2].any() and not theirs[2].any()


def test_forward_hook_with_kwargs_and_prepend_order():
    class Scale(mp.Module):
        def forward(self, x, *, factor=1.0):
            return x * factor

    m, order = Scale(), []
    m.register_forward_hook(lambda mod, a, out: order.append("second"))
    m.register_forward_hook(lambda mod, a, out: order.append("first"), prepend=True)
    m.register_forward_pre_hook(lambda mod, a, kw: (a, {"factor": 3.0}), with_kwargs=True)
    seen = []
    m.register_forward_hook(lambda mod, a, kw, out: seen.append(kw), with_kwargs=True)
    out = m(Tensor([1.0]), factor=2.0)
    assert out.tolist() == [3.0] and seen == [{"factor": 3.0}] and order == ["first", "second"]
    with pytest.raises(RuntimeError, match=r"\(new_args, new_kwargs\)"):
        m.register_forward_pre_hook(lambda mod, a, kw: a, with_kwargs=True)
        m(Tensor([1.0]))


def test_hooks_see_gradients_flow_through_replaced_output():
    layer = mp.Linear(2, 1, dtype=np.float64)
    layer.register_forward_hook(lambda m, args, out: out * 3)
    x = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    layer(x).sum().backward()
    np.testing.assert_allclose(x.grad, 3 * layer.weight.data)


def test_hook_registration_errors():
    class NoInit(mp.Module):
        def __init__(self):
            pass

        def forward(self, x):
            return x

    assert NoInit()(1) == 1  # calling still works without hooks
    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        NoInit().register_forward_hook(print)
    with pytest.raises(TypeError, match="callable"):
        mp.ReLU().register_forward_hook(3)


def test_module_list_takes_every_index_torch_takes(torch):
    # -len(list) is the first element, -len(list) - 1 is out of range, as in a list.
    ours = mp.ModuleList([mp.Linear(2, 2), mp.ReLU(), mp.Linear(2, 1)])
    theirs = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)])
    assert ours[-3] is ours[0] and type(theirs[-3]).__name__ == "Linear"
    with pytest.raises(IndexError, match="index -4 is out of range"):
        ours[-4]
    with pytest.raises(IndexError):
        theirs[-4]
    ours[-3], theirs[-3] = mp.Tanh(), torch.nn.Tanh()
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    # pop() without an index takes the last, as list.pop (torch's needs pop(-1)).
    assert type(ours.pop()).__name__ == type(theirs.pop(-1)).__name__ == "Linear"
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    assert [type(m).__name__ for m in ours] == ["Tanh", "ReLU"]


def test_parameter_list_repr_matches_torch(torch):
    values = [np.zeros((2, 3), np.float32), np.zeros(4, np.float32)]
    ours = mp.ParameterList([mp.Parameter(v) for v in values])
    theirs = torch.nn.ParameterList([torch.nn.Parameter(torch.tensor(v)) for v in values])
    expected = repr(theirs).replace("torch.float32", "float32")
    assert repr(ours) == expected
    assert repr(mp.ParameterList()) == repr(torch.nn.ParameterList())


# ------------------------------------ issue 27, census survivors (pin27h)
def test_parameter_dict_keeps_the_order_of_an_ordered_dict_and_of_pairs_as_torch(torch):
    from collections import OrderedDict

    orders = []
    for nn, make in ((mp.nn, lambda: mp.Parameter(np.ones(1))), (torch.nn, lambda: torch.ones(1))):
        pairs = [("z", make()), ("a", make()), ("m", make())]
        orders.append(
            (
                list(nn.ParameterDict(OrderedDict(pairs))),
                list(nn.ParameterDict(pairs)),
                list(nn.ParameterDict(dict(pairs))),
            )
        )
    assert orders[0] == orders[1]
    assert orders[0][:2] == (["z", "a", "m"], ["z", "a", "m"])
