"""Modules that moved keep their old import paths: saved notebooks and the course's
other notebooks import from them."""

import importlib

import pytest

import micrograd_plus as mp


def test_the_course_notebooks_imports() -> None:
    from micrograd_plus.layers import BatchNorm, Embedding, LayerNorm, Module, Tanh
    from micrograd_plus.losses import Loss
    from micrograd_plus.optimizers import Optimizer

    assert (Module, BatchNorm, LayerNorm, Tanh, Embedding) == (
        mp.Module, mp.BatchNorm, mp.LayerNorm, mp.Tanh, mp.Embedding
    )  # fmt: skip
    assert Optimizer is mp.Optimizer
    assert Loss is mp.nn.losses.Loss


def test_old_exercises_modules_are_the_book_wings_own() -> None:
    from micrograd_plus.book import exercises
    from micrograd_plus.book.exercises import optimizers, tensors, training

    old = importlib.import_module("micrograd_plus.exercises")
    assert (old.check, old.exercises) == (exercises.check, exercises.exercises)
    assert importlib.import_module("micrograd_plus.exercises.tensors") is tensors
    from micrograd_plus.exercises.optimizers import spiral_setup
    from micrograd_plus.exercises.training import loss_curves

    assert spiral_setup is optimizers.spiral_setup and loss_curves is training.loss_curves
    # One registry: an exercise is found whichever path imported it.
    from micrograd_plus.exercises import check

    assert check("losses.predict_uniform", 1.0).passed is False


@pytest.mark.parametrize(
    ("old", "new", "names"),
    [
        ("micrograd_plus.utils.race", "micrograd_plus.book.race",
         ["race", "OptimizerSpec", "default_optimizers", "Problem", "optimizer_path"]),
        ("micrograd_plus.utils.lr_finder", "micrograd_plus.lr_finder", ["lr_find"]),
        ("micrograd_plus.utils.bad_inputs", "micrograd_plus.book.bad_inputs", ["CASES"]),
        ("micrograd_plus.utils.conformance", "micrograd_plus.book.conformance",
         ["torch_names"]),
        ("micrograd_plus.utils.benchmark", "micrograd_plus.book.recorded_benchmarks",
         ["recorded", "markdown"]),
        ("micrograd_plus.plotting", "micrograd_plus.book.race.plots",
         ["plot_race", "plot_optimizer_grid", "playground", "Playground"]),
    ],
)  # fmt: skip
def test_old_module_paths_give_the_same_objects(old, new, names) -> None:
    before, after = importlib.import_module(old), importlib.import_module(new)
    for name in names:
        assert getattr(before, name) is getattr(after, name), f"{old}.{name}"


def test_old_fuzzer_path() -> None:
    pytest.importorskip("hypothesis")
    from micrograd_plus.book import fuzz_programs
    from micrograd_plus.utils.fuzz_programs import PROFILES, check_program_second_order

    assert PROFILES is fuzz_programs.PROFILES
    assert check_program_second_order is fuzz_programs.check_program_second_order


def test_old_attributes_of_utils() -> None:
    assert mp.utils.lr_find is mp.lr_find
    assert mp.utils.race.race is importlib.import_module("micrograd_plus.book.race").race
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        mp.utils.nothing  # noqa: B018


def test_the_library_does_not_import_the_book_wing() -> None:
    import subprocess
    import sys

    code = (
        "import sys, micrograd_plus\n"
        "print(any(m.startswith('micrograd_plus.book') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_package_top_level_stays_small() -> None:
    """At most 12 entries hold code, not counting the alias modules of old names."""
    from pathlib import Path

    aliases = {"losses.py", "layers.py", "optimizers.py", "exercises.py"}
    root = Path(mp.__file__).parent
    code = sorted(
        p.name
        for p in root.iterdir()
        if p.name not in aliases
        and (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))
    )
    assert len(code) <= 12, code
    for alias in aliases:
        assert len((root / alias).read_text().splitlines()) <= 20, f"{alias} is only an alias"
