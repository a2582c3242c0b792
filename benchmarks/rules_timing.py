"""Four engine workloads timed in one process, interleaved, min of many repeats (issue 21).

Run from a checkout with ``OMP_NUM_THREADS=1 PYTHONPATH=$PWD python benchmarks/rules_timing.py``;
run it with ``PYTHONPATH`` pointing at another checkout to compare two versions. With
``--fixed`` it runs a fixed number of each workload and prints nothing but the deep chain's
bytes per op, for an instruction count under ``valgrind --tool=callgrind``, which the
wall clock of a shared 2-core machine cannot resolve to 5%.

- ``tiny``: ``((x*w + b).relu().sum()).backward()`` on shape (4,);
- ``adam``: one Adam step of the spiral MLP (2-64-64-3, batch 300, CrossEntropyLoss);
- ``deep``: 1,000 small ops (alternating ``* 0.9`` and ``tanh`` on shape (16,)),
  forward and backward;
- ``hvp``: the Hessian-vector product of the spiral MLP's loss (``grad`` twice).

Issue 21 (rules written once), instructions per step under callgrind with
``PYTHONHASHSEED=0`` (without it a step's count moves by a few hundred instructions
per op from run to run), main ea8b379 -> branch ``rules``: tiny 142,914 -> 144,647
(+1.2%), adam 3,324,517 -> 3,308,003 (-0.5%), deep 38,391,511 -> 35,862,347 (-6.6%),
hvp 9,796,911 -> 9,614,818 (-1.9%); deep chain 2,808 -> 2,680 bytes per op.
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc

import numpy as np

import micrograd_plus as mp
from micrograd_plus.nn.losses import cross_entropy


def tiny():
    rng = np.random.default_rng(0)
    x, w, b = (mp.Tensor(rng.standard_normal(4), requires_grad=True) for _ in range(3))
    return lambda: ((x * w + b).relu().sum()).backward()


def _spiral():
    mp.utils.set_seed(0)
    X, y = mp.utils.data.make_spiral(100, 3, seed=0)
    model = mp.Sequential(mp.Linear(2, 64), mp.ReLU(), mp.Linear(64, 64), mp.ReLU())
    model.append(mp.Linear(64, 3))
    return model, mp.Tensor(X), y


def adam():
    model, x, y = _spiral()
    opt = mp.Adam(model.parameters(), lr=1e-3)
    loss_fn = mp.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step


def _chain(x, n: int = 1000):
    for i in range(n):
        x = x.tanh() if i % 2 else x * 0.9
    return x


def deep():
    x = mp.Tensor(np.random.default_rng(0).standard_normal(16), requires_grad=True)
    return lambda: _chain(x).sum().backward()


def hvp():
    model, x, y = _spiral()
    params = list(model.parameters())
    vs = [mp.Tensor(np.ones(p.shape, np.float32)) for p in params]

    def step():
        grads = mp.grad(cross_entropy(model(x), y), params, create_graph=True)
        dot = sum((g * v).sum() for g, v in zip(grads, vs))
        return mp.grad(dot, params)

    return step


def bytes_per_op(n: int = 4000) -> float:
    """Peak traced memory of the deep chain's forward + backward, per op."""
    x = mp.Tensor(np.random.default_rng(0).standard_normal(256), requires_grad=True)
    gc.collect()
    tracemalloc.start()
    _chain(x, n).sum().backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / n


WORKLOADS = {"tiny": (tiny, 200), "adam": (adam, 20), "deep": (deep, 2), "hvp": (hvp, 5)}


def timed(repeats: int = 50) -> dict:
    steps = {name: make() for name, (make, _) in WORKLOADS.items()}
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(repeats):
        for name, step in steps.items():  # interleaved: each round runs every workload
            inner = WORKLOADS[name][1]
            start = time.perf_counter()
            for _ in range(inner):
                step()
            best[name] = min(best[name], (time.perf_counter() - start) / inner)
    return best


def main() -> None:
    if "--fixed" in sys.argv:
        steps = {name: make() for name, (make, _) in WORKLOADS.items()}
        # "setup" runs nothing: its count is what the others' counts include besides the work.
        only = [a for a in sys.argv[1:] if a in steps]
        for name in only:
            for _ in range(WORKLOADS[name][1] * 5):
                steps[name]()
        return
    print(f"deep chain: {bytes_per_op():.0f} bytes per op")
    for name, seconds in timed().items():
        print(f"{name:5s} {seconds * 1e6:10.1f} us")


if __name__ == "__main__":
    main()
