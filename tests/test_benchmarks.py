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
from benchmarks import report  # noqa: E402
from benchmarks.harness import (  # noqa: E402
    FLOOR,
    MG,
    TORCH,
    Impl,
    Workload,
    _kept_rounds,
    measure,
    merge,
)
from benchmarks.mlp import batches_for, init_weights, mg_trainer, numpy_trainer  # noqa: E402


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
