"""The same MLP training loop three ways: micrograd_plus, PyTorch, hand-written NumPy.

All three start from the same weights (micrograd_plus's ``Linear`` init,
copied), see the same batches in the same order, and use the same loss
(mean cross-entropy) and optimizer (Adam, PyTorch's defaults but ``lr``).
The NumPy version is the *floor*: the same matmuls, the same Adam update in
place, no autograd, no graph: what any library on NumPy pays at least.
"""

from __future__ import annotations

import numpy as np

import micrograd_plus as mp

BETAS, EPS = (0.9, 0.999), 1e-8


def init_weights(sizes: list[int], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Weights as micrograd_plus's ``Linear`` draws them after ``set_seed(seed)``."""
    from micrograd_plus.utils import set_seed

    set_seed(seed)
    layers = [mp.Linear(i, o) for i, o in zip(sizes, sizes[1:])]
    return [(layer.weight.data.copy(), layer.bias.data.copy()) for layer in layers]


def batches_for(n: int, batch_size: int, epochs: int, seed: int) -> list[list[np.ndarray]]:
    """Index arrays per batch, per epoch: one shuffled order shared by every implementation."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(epochs):
        order = rng.permutation(n) if batch_size < n else np.arange(n)
        out.append([order[i : i + batch_size] for i in range(0, n, batch_size)])
    return out


# ----------------------------------------------------------------- micrograd_plus
def mg_model(weights):
    layers = []
    for k, (w, b) in enumerate(weights):
        linear = mp.Linear(w.shape[1], w.shape[0], dtype=w.dtype)
        linear.weight.data[...] = w
        linear.bias.data[...] = b
        layers.append(linear)
        if k < len(weights) - 1:
            layers.append(mp.ReLU())
    return mp.Sequential(*layers)


def mg_trainer(weights, X, y, lr: float):
    """Return ``(train(epoch_batches) -> last loss, predict(X) -> classes)``."""
    model = mg_model(weights)
    opt = mp.Adam(model.parameters(), lr=lr, betas=BETAS, eps=EPS)
    loss_fn = mp.CrossEntropyLoss()

    def train(epochs):
        loss = None
        for epoch in epochs:
            for idx in epoch:
                loss = loss_fn(model(mp.Tensor(X[idx])), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        return float(loss.item())

    def predict(data):
        with mp.no_grad():
            return model(mp.Tensor(data)).data.argmax(axis=1)

    return train, predict


# ------------------------------------------------------------------------ PyTorch
def torch_model(torch, weights):
    """The same MLP in PyTorch, starting from a copy of ``weights``."""
    layers = []
    for k, (w, b) in enumerate(weights):
        linear = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if k < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def torch_trainer(torch, weights, X, y, lr: float):
    model = torch_model(torch, weights)
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=BETAS, eps=EPS)
    loss_fn = torch.nn.CrossEntropyLoss()
    y_t = torch.from_numpy(y.astype(np.int64))

    def train(epochs):
        loss = None
        for epoch in epochs:
            for idx in epoch:
                loss = loss_fn(model(torch.from_numpy(X[idx])), y_t[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        return float(loss.item())

    def predict(data):
        with torch.no_grad():
            return model(torch.from_numpy(data)).argmax(dim=1).numpy()

    return train, predict


# -------------------------------------------------------------------- NumPy floor
def numpy_trainer(weights, X, y, lr: float):
    """Forward, backward and Adam for the MLP by hand, in place where NumPy allows."""
    params = [a.copy() for pair in weights for a in pair]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    scratch = [np.empty_like(p) for p in params]
    dtype = params[0].dtype.type
    b1, b2 = BETAS
    step = [0]
    zero = dtype(0)

    def forward(xb):
        acts = [xb]
        h = xb
        for k in range(0, len(params), 2):
            h = h @ params[k].T
            h += params[k + 1]
            if k < len(params) - 2:
                np.maximum(h, zero, out=h)
            acts.append(h)
        return acts

    def adam(grads):
        step[0] += 1
        t = step[0]
        size = lr / (1 - b1**t)
        root = 1 / np.sqrt(1 - b2**t)
        for p, g, mk, vk, s in zip(params, grads, m, v, scratch):
            mk *= b1
            np.multiply(g, 1 - b1, out=s)
            mk += s
            vk *= b2
            np.multiply(g, g, out=s)
            s *= 1 - b2
            vk += s
            np.sqrt(vk, out=s)
            s *= root
            s += EPS
            np.divide(mk, s, out=s)
            s *= size
            p -= s

    def train(epochs):
        loss = None
        for epoch in epochs:
            for idx in epoch:
                xb, yb = X[idx], y[idx]
                acts = forward(xb)
                z = acts[-1]
                z -= z.max(axis=1, keepdims=True)
                e = np.exp(z)
                total = e.sum(axis=1, keepdims=True)
                rows = np.arange(len(yb))
                loss = np.mean(np.log(total[:, 0]) - z[rows, yb])
                e /= total
                e[rows, yb] -= 1
                g = e
                g *= dtype(1 / len(yb))
                grads = [None] * len(params)
                for k in range(len(params) - 2, -1, -2):
                    grads[k] = g.T @ acts[k // 2]
                    grads[k + 1] = g.sum(axis=0)
                    if k:
                        g = g @ params[k]
                        g *= acts[k // 2] > zero
                adam(grads)
        return float(loss)

    def predict(data):
        return forward(data)[-1].argmax(axis=1)

    return train, predict
