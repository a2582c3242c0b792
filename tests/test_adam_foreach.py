"""Adam over a whole group at once (optim/adam_foreach.py): adam_update's numbers, bit for bit."""

import copy

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus.optim import adam_update
from micrograd_plus.optim.adam_foreach import FlatAdam

SHAPES = [(64, 2), (64,), (64, 64), (64,), (3, 64), (3,), ()]
OPTIONS = dict(weight_decay=0.0, amsgrad=False, maximize=False, decoupled=False)
# Before NEP 50 (NumPy < 2) a 0-d float32 array meeting a Python float computes in
# float64, so adam_update's reference for the 0-d parameter rounds differently there.
LEGACY_0D = np.lib.NumpyVersion(np.__version__) < "2.0.0"


def params_and_grads(dtype, steps, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(rng.standard_normal(s), dtype) for s in SHAPES]
    params = [mp.Tensor(a, requires_grad=True) for a in arrays]
    grads = [
        [np.asarray(rng.standard_normal(s) * 10.0**-i, dtype) for s in SHAPES] for i in range(steps)
    ]
    return params, grads


def run_steps(opt, params, grads):
    """One optimizer step per entry of ``grads``, each parameter given its gradient."""
    for step in grads:
        for p, g in zip(params, step):
            p.grad = g.copy()
        opt.step()


def reference(params, grads, lr, betas, eps, **options):
    """Each parameter stepped by adam_update, as the per-parameter path does."""
    arrays = [p.data.copy() for p in params]
    states = [{} for _ in params]
    options = {**OPTIONS, **options}
    for step in grads:
        for a, g, s in zip(arrays, step, states):
            adam_update(a, g, s, lr=lr, betas=betas, eps=eps, **options)
    return arrays, states


VARIANTS = [
    (mp.Adam, {}),
    (mp.Adam, dict(weight_decay=0.1)),  # L2: joins the gradient
    (mp.AdamW, dict(weight_decay=0.1)),  # decoupled: shrinks the parameter
    (mp.Adam, dict(maximize=True)),
    (mp.AdamW, dict(weight_decay=0.05, maximize=True)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls, options", VARIANTS)
def test_flat_adam_is_bit_identical_to_adam_update(dtype, cls, options):
    params, grads = params_and_grads(dtype, 30)
    decoupled = cls is mp.AdamW
    expected, states = reference(
        params, grads, 0.01, (0.8, 0.95), 1e-6, decoupled=decoupled, **options
    )
    opt = cls(params, lr=0.01, betas=(0.8, 0.95), eps=1e-6, **options)
    run_steps(opt, params, grads)
    assert len(opt._flat) == 1  # the flat path ran
    for p, e, s in zip(params, expected, states):
        assert p.data.dtype == dtype
        same = np.testing.assert_array_equal
        if LEGACY_0D and p.ndim == 0 and dtype == np.float32:
            same = lambda a, b: np.testing.assert_allclose(a, b, rtol=2e-6)  # noqa: E731
        same(p.data, e)
        same(opt.state[p]["exp_avg_sq"], s["exp_avg_sq"])
        assert opt.state[p]["step"] == s["step"] == 30


def test_missing_gradient_falls_back_and_adopts_the_state_again():
    params, grads = params_and_grads(np.float32, 6, seed=1)
    expected, _ = reference(params[:1], [step[:1] for step in grads], 1e-3, (0.9, 0.999), 1e-8)
    opt = mp.Adam(params, lr=1e-3)
    for i, step in enumerate(grads):
        for p, g in zip(params, step):
            p.grad = g.copy() if p is params[0] or i != 2 else None  # step 3: only params[0]
        opt.step()
    np.testing.assert_array_equal(params[0].data, expected[0])
    assert opt.state[params[0]]["step"] == 6 and opt.state[params[1]]["step"] == 5
    # The step counts now differ, so the group keeps the per-parameter path.
    assert not opt._flat[id(opt.param_groups[0])].owns(params, opt.state)


def test_loaded_state_is_adopted():
    params, grads = params_and_grads(np.float32, 10, seed=2)
    expected, _ = reference(params, grads, 1e-2, (0.9, 0.999), 1e-8)
    opt = mp.Adam(params, lr=1e-2)
    for i, step in enumerate(grads):
        if i == 5:
            saved = opt.state_dict()
            opt = mp.Adam(params, lr=1e-2)
            opt.load_state_dict(saved)
        for p, g in zip(params, step):
            p.grad = g.copy()
        opt.step()
    flat = opt._flat[id(opt.param_groups[0])]
    assert isinstance(flat, FlatAdam) and flat.owns(params, opt.state)
    for p, e in zip(params, expected):
        np.testing.assert_array_equal(p.data, e)


def test_state_dict_has_adam_layout():
    params, grads = params_and_grads(np.float32, 1)
    opt = mp.Adam(params)
    for p, g in zip(params, grads[0]):
        p.grad = g
    opt.step()
    state = opt.state_dict()["state"]
    assert set(state[2]) == {"step", "exp_avg", "exp_avg_sq"}
    assert state[2]["exp_avg"].shape == (64, 64) and state[2]["exp_avg"].flags.owndata


def test_amsgrad_keeps_the_per_parameter_path():
    params, grads = params_and_grads(np.float32, 3)
    expected, _ = reference(params, grads, 1e-3, (0.9, 0.999), 1e-8, amsgrad=True)
    opt = mp.Adam(params, amsgrad=True)
    run_steps(opt, params, grads)
    assert not opt._flat and "max_exp_avg_sq" in opt.state[params[0]]
    for p, e in zip(params, expected):
        np.testing.assert_array_equal(p.data, e)


def test_deepcopied_optimizer_keeps_its_state_current():
    params, grads = params_and_grads(np.float32, 4, seed=3)
    opt = mp.Adam(params, lr=1e-2)
    run_steps(opt, params, grads[:2])
    twin = copy.deepcopy(opt)  # new groups, state arrays no longer views: adopted afresh
    (twin_params,) = (g["params"] for g in twin.param_groups)
    for step in grads[2:]:
        for ps in (params, twin_params):
            for p, g in zip(ps, step):
                p.grad = g.copy()
        opt.step()
        twin.step()
    for p, q in zip(params, twin_params):
        np.testing.assert_array_equal(q.data, p.data)
        np.testing.assert_array_equal(twin.state[q]["exp_avg"], opt.state[p]["exp_avg"])
        assert twin.state[q]["step"] == 4


def test_state_arrays_are_updated_in_place_like_torch():
    # torch's Adam updates state['exp_avg'] in place, so a reference to it stays current;
    # the flat buffers must keep serving the same views from step to step.
    torch = pytest.importorskip("torch")
    params, grads = params_and_grads(np.float32, 3, seed=4)
    twins = [torch.tensor(p.data.copy(), requires_grad=True) for p in params]
    opt, t_opt = mp.Adam(params, lr=1e-2), torch.optim.Adam(twins, lr=1e-2, foreach=False)
    held = t_held = None
    for step in grads:
        for p, q, g in zip(params, twins, step):
            p.grad, q.grad = g.copy(), torch.tensor(g)
        opt.step()
        t_opt.step()
        if held is None:
            held = [(opt.state[p]["exp_avg"], opt.state[p]["exp_avg_sq"]) for p in params]
            t_held = [t_opt.state[q]["exp_avg"] for q in twins]
    for p, q, (m, v), tm in zip(params, twins, held, t_held):
        assert tm is t_opt.state[q]["exp_avg"]
        assert m is opt.state[p]["exp_avg"] and v is opt.state[p]["exp_avg_sq"]
        np.testing.assert_allclose(m, t_opt.state[q]["exp_avg"].numpy(), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("edit", ["append", "replace"])
def test_group_edited_between_steps_steps_every_parameter_it_now_holds(edit):
    # A parameter appended to the group (or put in another's place) starts its own
    # Adam from step 0, as torch's lazily created state does; the rest go on.
    params, grads = params_and_grads(np.float32, 5, seed=5)
    base = np.arange(6, dtype=np.float32).reshape(2, 3) if edit == "append" else params[1].data
    extra = mp.Tensor(base + 1.0, requires_grad=True)
    start, starts = extra.data.copy(), [mp.Tensor(p.data.copy()) for p in params]
    opt = mp.Adam(params, lr=1e-2)
    group = opt.param_groups[0]["params"]
    rng = np.random.default_rng(6)
    extra_grads = [rng.standard_normal(extra.shape).astype(np.float32) for _ in grads[2:]]
    for i, step in enumerate(grads):
        if i == 2:
            group.append(extra) if edit == "append" else group.__setitem__(1, extra)
        for p, g in zip(params, step):
            p.grad = g.copy()
        if i >= 2:
            extra.grad = extra_grads[i - 2].copy()
        opt.step()
    keep = [i for i in range(len(params)) if edit == "append" or i != 1]
    kept = [params[i] for i in keep]
    expected, _ = reference(
        [starts[i] for i in keep], [[s[i] for i in keep] for s in grads], 1e-2, (0.9, 0.999), 1e-8
    )
    for p, e in zip(kept, expected):
        np.testing.assert_array_equal(p.data, e)
    extra_steps = [[g] for g in extra_grads]
    (extra_expected,), _ = reference([mp.Tensor(start)], extra_steps, 1e-2, (0.9, 0.999), 1e-8)
    np.testing.assert_array_equal(extra.data, extra_expected)
    assert opt.state[extra]["step"] == 3


def test_parameters_cast_to_float64_take_float64_moments():
    # Cast between steps (as model.double() does): the moments are carried over into
    # float64 buffers and the update runs in float64 from then on.
    params, grads = params_and_grads(np.float32, 4, seed=7)
    expected = [p.data.copy() for p in params]
    states = [{} for _ in params]
    opt = mp.Adam(params, lr=1e-2)
    for i, step in enumerate(grads):
        if i == 2:
            for p, s in zip(params, states):
                p.data = p.data.astype(np.float64)
                for key in ("exp_avg", "exp_avg_sq"):
                    s[key] = s[key].astype(np.float64)
            expected = [e.astype(np.float64) for e in expected]
        for p, e, s, g in zip(params, expected, states, step):
            p.grad = g.astype(p.data.dtype)
            adam_update(e, p.grad, s, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, **OPTIONS)
        opt.step()
    for p, e in zip(params, expected):
        assert p.data.dtype == np.float64 and opt.state[p]["exp_avg"].dtype == np.float64
        # Not bit for bit: the two float32 steps before the cast round as the NumPy build
        # vectorizes them (1e-9 apart with NumPy's oldest supported release).
        np.testing.assert_allclose(p.data, e, rtol=1e-7, atol=0)


def test_flat_buffers_copied_apart_are_not_reused():
    # A deep copy's group could reuse a freed group's id (CPython reuses addresses), so
    # its _flat entry would look like its own: its views are copies, no longer views of
    # its buffers, and it is rebuilt from the state. Re-keyed here to make the reuse certain.
    params, grads = params_and_grads(np.float32, 4, seed=8)
    opt = mp.Adam(params, lr=1e-2)
    run_steps(opt, params, grads[:2])
    twin = copy.deepcopy(opt)
    twin._flat = {id(twin.param_groups[0]): next(iter(twin._flat.values()))}
    (twin_params,) = (g["params"] for g in twin.param_groups)
    for step in grads[2:]:
        for ps in (params, twin_params):
            for p, g in zip(ps, step):
                p.grad = g.copy()
        opt.step()
        twin.step()
    for p, q in zip(params, twin_params):
        np.testing.assert_array_equal(q.data, p.data)
        np.testing.assert_array_equal(twin.state[q]["exp_avg"], opt.state[p]["exp_avg"])
        np.testing.assert_array_equal(twin.state[q]["exp_avg_sq"], opt.state[p]["exp_avg_sq"])
