"""Every argument a torch-named function or class shares with torch has torch's default
(the appendix's promise: PyTorch's names, arguments and defaults)."""

from __future__ import annotations

import importlib
import inspect
import math

import pytest

from micrograd_plus.book import conformance

torch = pytest.importorskip("torch")

# (namespace, name, argument) -> why our default differs from torch's.
DIFFERENT = {
    ("torch.nn.functional", "batch_norm", "running_mean"): "torch requires it; None uses "
    "the batch's statistics",
    ("torch.nn.functional", "batch_norm", "running_var"): "as running_mean",
    ("torch.utils.data", "random_split", "generator"): "torch's default is its global "
    "generator; None means ours (mp.manual_seed)",
}


def _same(ours, theirs) -> bool:
    if isinstance(ours, float) and isinstance(theirs, float) and math.isnan(theirs):
        return math.isnan(ours)
    if isinstance(ours, bool) or isinstance(theirs, bool):  # True == 1, but not as a default
        return ours is theirs
    return ours is theirs or bool(ours == theirs)  # 0.0 == 0, as torch's docs mean


def _shared_defaults():
    for namespace, module_name in conformance.NAMESPACES.items():
        ours_module = importlib.import_module(module_name)
        for name in conformance.torch_names(namespace):
            home, _, attribute = conformance.torch_path(namespace, name).rpartition(".")
            ours = getattr(ours_module, name)
            theirs = getattr(importlib.import_module(home), attribute)
            try:
                signatures = inspect.signature(ours), inspect.signature(theirs)
            except (TypeError, ValueError):  # builtins without a signature
                continue
            for arg in signatures[0].parameters.values():
                if arg.default is not arg.empty and arg.name in signatures[1].parameters:
                    yield (
                        namespace,
                        name,
                        arg.name,
                        arg.default,
                        signatures[1].parameters[arg.name].default,
                    )


def test_shared_arguments_default_to_torchs_values():
    checked, differ = 0, {}
    for namespace, name, arg, ours, theirs in _shared_defaults():
        checked += 1
        if not _same(ours, theirs):
            differ[(namespace, name, arg)] = (ours, theirs)
    assert set(differ) == set(DIFFERENT), {k: v for k, v in differ.items() if k not in DIFFERENT}
    assert checked > 250, checked  # losses, layers, optimizers, schedulers, functions
