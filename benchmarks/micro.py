"""Workloads that isolate the engine: a tiny graph, a deep chain, one large loss."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np

import micrograd_plus as mp
from micrograd_plus.nn.losses import cross_entropy

from . import tape
from .floor import tiny_graph_step
from .harness import FLOOR, HAND, MG, TAPE, TORCH, Impl, Workload


def _loop(step, iterations: int):
    def run():
        for _ in range(iterations):
            step()

    return run


# ----------------------------------------------------------------------- overhead
def overhead(torch, quick: bool = False, no_grad: bool = False) -> Workload:
    """``((x*w + b).relu().sum()).backward()`` on shape (4,): pure per-op overhead."""
    rng = np.random.default_rng(0)
    x0, w0, b0 = (rng.standard_normal(4).astype(np.float32) for _ in range(3))
    iterations = 500 if quick else 2000
    zero = np.float32(0)

    def mg_prepare():
        x, w, b = (mp.Tensor(a, requires_grad=True) for a in (x0, w0, b0))
        if no_grad:

            def step():
                with mp.no_grad():
                    (x * w + b).relu().sum()
        else:

            def step():
                ((x * w + b).relu().sum()).backward()

        return _loop(step, iterations)

    def torch_prepare():
        x, w, b = (torch.tensor(a, requires_grad=True) for a in (x0, w0, b0))
        if no_grad:

            def step():
                with torch.no_grad():
                    (x * w + b).relu().sum()
        else:

            def step():
                ((x * w + b).relu().sum()).backward()

        return _loop(step, iterations)

    def numpy_prepare():
        x, w, b = x0.copy(), w0.copy(), b0.copy()
        grads = [None, None, None]

        def step():
            h = x * w
            h += b
            out = np.maximum(h, zero).sum()
            if not no_grad:
                g = (h > zero).astype(np.float32)
                gx, gw = g * w, g * x
                grads[0] = gx if grads[0] is None else grads[0] + gx
                grads[1] = gw if grads[1] is None else grads[1] + gw
                grads[2] = g if grads[2] is None else grads[2] + g
            return out

        return _loop(step, iterations)

    def hand_prepare():
        # benchmarks/floor.py's version: accumulates into preallocated gradients.
        grads = [np.zeros(4, np.float32) for _ in range(3)]
        scratch = [np.empty(4, np.float32) for _ in range(3)]
        return _loop(lambda: tiny_graph_step(x0, w0, b0, grads, scratch), iterations)

    def tape_prepare():
        x, w, b = (tape.Leaf(a.copy()) for a in (x0, w0, b0))
        return _loop(
            lambda: tape.backward(tape.relu(tape.add(tape.mul(x, w), b)).sum()), iterations
        )

    impls = [Impl(MG, mg_prepare)]
    if torch is not None:
        impls.append(Impl(TORCH, torch_prepare, traced=False))
    impls.append(Impl(FLOOR, numpy_prepare))
    if not no_grad:
        impls += [Impl(HAND, hand_prepare), Impl(TAPE, tape_prepare)]
    what = "forward only, under no_grad" if no_grad else "forward + backward"
    return Workload(
        name="overhead_no_grad" if no_grad else "overhead",
        description=f"((x*w + b).relu().sum()) on shape (4,), {what}",
        unit="us per iteration",
        scale=1e6 / iterations,
        impls=impls,
        targets={} if no_grad else {"vs_torch": 0.3, "vs_floor": 2.0},
    )


# --------------------------------------------------------------------------- deep
def _chain(y, n: int, tanh, scale):
    for i in range(n):
        y = tanh(y) if i % 2 else y * scale
    return y


def deep(torch, quick: bool = False, length: int = 10_000) -> Workload:
    """Backward through ``length`` elementwise ops (alternating ``* 0.9`` and ``tanh``)."""
    length = 2_000 if quick else length
    x0 = np.random.default_rng(0).standard_normal(256).astype(np.float32)

    def mg_prepare():
        x = mp.Tensor(x0, requires_grad=True)
        out = _chain(x, length, lambda t: t.tanh(), 0.9).sum()
        return lambda: out.backward()

    def torch_prepare():
        x = torch.tensor(x0, requires_grad=True)
        out = _chain(x, length, torch.tanh, 0.9).sum()
        return lambda: out.backward()

    def numpy_prepare():
        # The floor keeps what the backward needs (each tanh output), as a graph would.
        saved = []
        y = x0.copy()
        scale = np.float32(0.9)
        for i in range(length):
            if i % 2:
                y = np.tanh(y)
                saved.append(y)
            else:
                y = y * scale

        def run():
            g = np.ones_like(x0)
            for i in range(length - 1, -1, -1):
                if i % 2:
                    t = saved.pop()
                    g = g * (1 - t * t)
                else:
                    g = g * scale
            return None

        return run

    def memory_growth() -> dict:
        """Peak traced memory of micrograd_plus's forward + backward at several lengths."""
        peaks = {}
        for n in (length // 4, length // 2, length):
            gc.collect()
            tracemalloc.start()
            x = mp.Tensor(x0, requires_grad=True)
            _chain(x, n, lambda t: t.tanh(), 0.9).sum().backward()
            peaks[n] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        per_op = {n: peak / n for n, peak in peaks.items()}
        # Linear memory: bytes per op stay flat as the chain grows 4x.
        spread = max(per_op.values()) / min(per_op.values())
        return {
            "peak_traced_bytes": {str(n): p for n, p in peaks.items()},
            "bytes_per_op": {str(n): round(b) for n, b in per_op.items()},
            "bytes_per_op_spread": spread,
            "recursion_error": False,  # reaching here means backward did not recurse
            "met": {"memory_linear": spread < 1.25},
        }

    impls = [Impl(MG, mg_prepare)]
    if torch is not None:
        impls.append(Impl(TORCH, torch_prepare, traced=False))
    impls.append(Impl(FLOOR, numpy_prepare))
    return Workload(
        name="deep",
        description=f"backward through a chain of {length:,} elementwise ops on shape (256,)",
        unit="ms per backward",
        scale=1e3,
        impls=impls,
        extra=memory_growth,
    )


# ----------------------------------------------------------------- large-batch loss
def large_loss(torch, quick: bool = False) -> Workload:
    """Cross-entropy forward + backward for logits (4096, 1000)."""
    rng = np.random.default_rng(0)
    n, c = (1024, 1000) if quick else (4096, 1000)
    logits0 = rng.standard_normal((n, c)).astype(np.float32)
    target = rng.integers(0, c, n)
    iterations = 5

    def mg_prepare():
        x = mp.Tensor(logits0, requires_grad=True)

        def step():
            x.grad = None
            cross_entropy(x, target).backward()

        return _loop(step, iterations)

    def torch_prepare():
        x = torch.tensor(logits0, requires_grad=True)
        t = torch.from_numpy(target)

        def step():
            x.grad = None
            torch.nn.functional.cross_entropy(x, t).backward()

        return _loop(step, iterations)

    def numpy_prepare():
        rows = np.arange(n)
        inv_n = np.float32(1 / n)

        def step():
            z = logits0 - logits0.max(axis=1, keepdims=True)
            e = np.exp(z)
            total = e.sum(axis=1, keepdims=True)
            loss = np.mean(np.log(total[:, 0]) - z[rows, target])
            e /= total
            e[rows, target] -= 1
            e *= inv_n
            return loss, e

        return _loop(step, iterations)

    impls = [Impl(MG, mg_prepare)]
    if torch is not None:
        impls.append(Impl(TORCH, torch_prepare, traced=False))
    impls.append(Impl(FLOOR, numpy_prepare))
    return Workload(
        name="loss",
        description=f"cross-entropy forward + backward, logits ({n}, {c})",
        unit="ms per iteration",
        scale=1e3 / iterations,
        impls=impls,
        targets={"vs_torch": 1.5},
    )
