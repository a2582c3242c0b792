"""Every argument a torch-named function or class shares with torch has torch's default
(the appendix's promise: PyTorch's names, arguments and defaults)."""

from __future__ import annotations

import pytest

from micrograd_plus.book import conformance

pytest.importorskip("torch")


def test_shared_arguments_default_to_torchs_values():
    checked, differ = conformance.default_differences()
    unexplained = {k: v for k, v in differ.items() if k not in conformance.DEFAULT_DIFFERENCES}
    assert not unexplained, unexplained
    assert set(differ) == set(conformance.DEFAULT_DIFFERENCES)  # each listed one still differs
    assert checked > 800, checked  # losses, layers, optimizers, schedulers, their methods


def test_a_changed_default_is_found(monkeypatch):
    import micrograd_plus as mp

    def leaky(negative_slope=0.02):  # torch's is 0.01
        return mp.nn.LeakyReLU(negative_slope)

    monkeypatch.setattr(mp.nn, "LeakyReLU", leaky)
    _, differ = conformance.default_differences()
    assert differ[("torch.nn", "LeakyReLU", "negative_slope")] == (0.02, 0.01)


def test_a_changed_method_default_is_found(monkeypatch):
    import micrograd_plus as mp

    zero_grad = mp.optim.Optimizer.zero_grad

    def keep_zeros(self, set_to_none=False):  # torch's default is True
        zero_grad(self, set_to_none)

    monkeypatch.setattr(mp.optim.SGD, "zero_grad", keep_zeros)
    _, differ = conformance.default_differences()
    assert differ[("torch.optim", "SGD.zero_grad", "set_to_none")] == (False, True)
