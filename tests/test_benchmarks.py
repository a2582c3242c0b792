"""The benchmark suite's bookkeeping: round selection, ratios, the report.

No timing is asserted here (timings belong to ``benchmarks/``); these tests
check that the numbers the suite reports are computed the way it says.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/ is not installed
from benchmarks import curvature, report  # noqa: E402
from benchmarks.harness import (  # noqa: E402
    FLOOR,
    MG,
    TORCH,
    Impl,
    Skip,
    Workload,
    _kept_rounds,
    measure,
    merge,
)
from benchmarks.mlp import batches_for, init_weights, mg_trainer, numpy_trainer  # noqa: E402
from benchmarks.run import WORKLOADS  # noqa: E402
from micrograd_plus.book.recorded_benchmarks import ORDER  # noqa: E402
from micrograd_plus.utils.data import make_spiral  # noqa: E402


def test_disturbed_rounds_are_dropped():
    times = {MG: [1.0, 1.0, 3.0, 1.1], TORCH: [2.0, 2.1, 2.0, 2.0]}
    others = {MG: [0.0, 0.0, 0.0, 0.0], TORCH: [0.0, 0.0, 0.0, 0.0]}
    assert _kept_rounds(times, others, 0.0, 0.25, 2) == [0, 1, 3]  # round 2: MG 3x its best
    others[TORCH][1] = 1.0  # another process took a core during round 1
    assert _kept_rounds(times, others, 0.0, 0.25, 2) == [0, 3]
    assert _kept_rounds(times, others, 1.0, 0.25, 2) == [0, 1, 3]  # that core was free anyway


def test_quietest_rounds_are_kept_when_all_are_disturbed():
    times = {MG: [1.0, 5.0, 9.0], TORCH: [9.0, 5.0, 1.0]}
    others = {MG: [0.0, 0.0, 0.0], TORCH: [0.0, 0.0, 0.0]}
    assert len(_kept_rounds(times, others, 0.0, 0.25, 2)) == 2


def test_measure_reports_medians_of_per_round_ratios():
    calls = {MG: 0, TORCH: 0}

    def counting(name):
        def prepare():
            def run():
                calls[name] += 1

            return run

        return Impl(name, prepare)

    workload = Workload(
        "toy", "nothing", "s", 1.0, [counting(MG), counting(TORCH)], targets={"vs_torch": 1e9}
    )
    result = measure(workload, repeats=3, trace_memory=False, log=lambda _: None)
    assert calls == {MG: 4, TORCH: 4}  # one warm-up and three rounds each
    ratios = [m / t for m, t in zip(result["impls"][MG]["times"], result["impls"][TORCH]["times"])]
    kept = result["kept_rounds"]
    assert result["ratios"]["vs_torch"] == pytest.approx(
        float(np.median([ratios[r] for r in kept]))
    )
    assert result["met"] == {"vs_torch": True}


def test_numpy_floor_and_micrograd_plus_train_the_same_model():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    weights = init_weights([5, 8, 3], seed=1)
    epochs = batches_for(len(X), 16, 2, seed=0)
    mg_train, mg_predict = mg_trainer(weights, X, y, 0.01)
    np_train, np_predict = numpy_trainer(weights, X, y, 0.01)
    assert mg_train(epochs) == pytest.approx(np_train(epochs), rel=1e-4)
    assert (mg_predict(X) == np_predict(X)).all()


def test_report_renders_a_table_and_a_chart(tmp_path):
    pytest.importorskip("matplotlib")
    result = {
        "description": "toy",
        "unit": "s",
        "repeats": 3,
        "kept_rounds": [0, 2],
        "targets": {"vs_torch": 0.5},
        "impls": {
            name: {"median": t, "traced_peak_mib": 1.0}
            for name, t in ((MG, 1.0), (TORCH, 3.0), (FLOOR, 0.8))
        },
        "ratios": {"vs_torch": 0.33, "vs_numpy": 1.25},
        "met": {"vs_torch": True},
    }
    data = {
        "date": "2026-01-01T00:00:00",
        "machine": {"cpu": "Test CPU", "cores": 2, "numpy": "2", "python": "3", "torch": None},
        "runs": {
            "1": {"blas": [], "workloads": {"spiral": result}},
            "2": {"blas": [], "workloads": {"spiral": {**result, "targets": {}}}},
        },
    }
    path = tmp_path / "2026-01-01-test.json"
    path.write_text(json.dumps(data))
    assert report.latest(tmp_path) == path
    table = report.render(path)
    assert "| spiral | 1 | s | 1 | 3 | 0.8 | 0.33x (≤ 0.5x ✓) | 1.25x |" in table
    assert "| spiral | 2 |" in table
    assert path.with_suffix(".png").stat().st_size > 0


def test_rounds_from_several_processes_are_pooled():
    def part(mg_times, torch_times):
        return {
            "targets": {"vs_torch": 0.5},
            "extra_met": {},
            "impls": {
                name: {
                    "times": ts,
                    "cpu_per_wall_rounds": [1.0] * len(ts),
                    "others_cores": [0.0] * len(ts),
                    "peak_rss_rounds": [None] * len(ts),
                }
                for name, ts in ((MG, mg_times), (TORCH, torch_times))
            },
        }

    merged = merge([part([1.0, 1.0], [2.0, 2.0]), part([1.1, 1.1], [2.0, 2.0])], threads=1)
    assert merged["repeats"] == 4 and merged["processes"] == 2
    assert merged["impls"][MG]["times"] == [1.0, 1.0, 1.1, 1.1]
    assert merged["ratios"]["vs_torch"] == pytest.approx(0.525)  # median of 0.5, 0.5, 0.55, 0.55
    assert merged["met"] == {"vs_torch": False}


def test_a_slower_process_is_not_a_disturbance():
    times = {MG: [1.0, 1.0, 1.3, 1.3], TORCH: [2.0, 2.0, 2.8, 2.8]}
    others = {MG: [0.0] * 4, TORCH: [0.0] * 4}
    assert _kept_rounds(times, others, 0.0, 0.25, 2) == [0, 1]  # one process: 2.8 is slow
    assert _kept_rounds(times, others, 0.0, 0.25, 2, [0, 0, 1, 1]) == [0, 1, 2, 3]


def test_the_report_knows_every_workload_the_suite_runs():
    assert set(ORDER) == set(WORKLOADS)
    assert {"hvp", "lbfgs"} <= set(ORDER)


def _spiral_hvp_inputs(dtype):
    X, y = make_spiral(30, seed=0)
    weights = [(w.astype(dtype), b.astype(dtype)) for w, b in init_weights(curvature.SIZES, seed=0)]
    rng = np.random.default_rng(3)
    vs = [rng.standard_normal(a.shape).astype(dtype) for pair in weights for a in pair]
    return X.astype(dtype), y, weights, vs


def test_the_numpy_hvp_floor_is_the_hessian_times_v():
    """The hand-written R-operator equals central differences of the hand-written gradient."""
    X, y, weights, vs = _spiral_hvp_inputs(np.float64)
    hv = curvature.numpy_hvp(weights, X, y, vs)()

    def gradient(shift):
        moved = [
            (w + shift * vw, b + shift * vb) for (w, b), vw, vb in zip(weights, vs[::2], vs[1::2])
        ]
        return _numpy_gradient(moved, X, y)

    eps = 1e-5
    plus, minus = gradient(eps), gradient(-eps)
    for h, p, m in zip(hv, plus, minus):
        np.testing.assert_allclose(h, (p - m) / (2 * eps), rtol=1e-5, atol=1e-7)


def _numpy_gradient(weights, X, y):
    """The mean cross-entropy gradient of the ReLU MLP, by hand (as the training floor)."""
    acts, h = [X], X
    for k, (w, b) in enumerate(weights):
        h = h @ w.T + b
        if k < len(weights) - 1:
            h = np.maximum(h, 0)
            acts.append(h)
    p = np.exp(h - h.max(axis=1, keepdims=True))
    g = p / p.sum(axis=1, keepdims=True)
    g[np.arange(len(y)), y] -= 1
    g /= len(y)
    out = [None] * (2 * len(weights))
    for k in range(len(weights) - 1, -1, -1):
        out[2 * k], out[2 * k + 1] = g.T @ acts[k], g.sum(axis=0)
        if k:
            g = (g @ weights[k][0]) * (acts[k] > 0)
    return out


def test_the_hvp_workload_agrees_with_torch():
    torch = pytest.importorskip("torch")
    X, y, weights, vs = _spiral_hvp_inputs(np.float64)
    want = [h.numpy() for h in curvature.torch_hvp(torch, weights, X, y, vs)()]
    assert all(h.dtype == np.float64 for h in want)
    floor = curvature.numpy_hvp(weights, X, y, vs)()
    assert curvature._rel_error(floor, want) < 1e-12
    try:
        workload = curvature.hvp(torch, quick=True)
    except Skip as why:
        pytest.skip(str(why))  # an op of the MLP has no double backward yet
    mine = [g.data for g in curvature.mg_hvp(weights, X, y, vs)()]
    assert curvature._rel_error(mine, want) < 1e-12
    extra = workload.extra()
    assert extra["met"] == {"hvp_matches": True}, extra


def test_the_lbfgs_workload_follows_torchs_trajectory():
    torch = pytest.importorskip("torch")
    try:
        workload = curvature.lbfgs(torch, quick=True)
    except Skip as why:
        pytest.skip(str(why))  # micrograd_plus.optim.LBFGS has not landed yet
    extra = workload.extra()
    assert extra["met"] == {"same_trajectory": True}, extra
    assert len(workload.impls) == 2  # no NumPy floor for L-BFGS
    theirs = workload.impls[1].prepare()()
    assert theirs["final_point"] == pytest.approx(extra["final_point_micrograd_plus"], abs=1e-8)


def test_the_report_notes_the_curvature_checks():
    def result(extra):
        return {
            "unit": "ms",
            "repeats": 1,
            "kept_rounds": [0],
            "targets": {},
            "impls": {MG: {"median": 1.0}, TORCH: {"median": 2.0}},
            "ratios": {"vs_torch": 0.5},
            "extra": extra,
        }

    lbfgs = {"final_point_micrograd_plus": [0.5, 0.25], "max_abs_gap": 2e-15}
    data = {
        "date": "2026-01-01T00:00:00",
        "machine": {"cpu": "Test CPU", "cores": 2, "numpy": "2", "python": "3", "torch": "2"},
        "runs": {
            "1": {
                "blas": [],
                "workloads": {
                    "lbfgs": result(lbfgs),
                    "hvp": result({"max_rel_error_vs_torch": 3e-7}),
                },
            }
        },
    }
    table = report.markdown(data)
    assert table.index("| hvp |") < table.index("| lbfgs |")  # the report's order, not the run's
    assert "- Hessian-vector product: micrograd_plus's within 3.0e-07 of PyTorch's" in table
    assert "both libraries end at (0.5, 0.25) after 20 iterations (largest gap 2.0e-15)" in table


@pytest.mark.parametrize("build", [curvature.hvp, curvature.lbfgs], ids=["hvp", "lbfgs"])
def test_a_curvature_workloads_measurement_is_json(build):
    torch = pytest.importorskip("torch")
    try:
        workload = build(torch, quick=True)
    except Skip as why:
        pytest.skip(str(why))
    result = measure(workload, repeats=1, trace_memory=False, log=lambda _: None)
    assert json.loads(json.dumps(result))["ratios"]["vs_torch"] > 0  # results files are JSON
    assert result["extra_met"] and all(result["extra_met"].values()), result["extra"]
