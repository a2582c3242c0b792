"""The hand-written NumPy floor: an MLP trained with no library overhead at all.

What any library on NumPy pays at least for one training step:

- parameters, gradients and Adam's two moments each live in one flat buffer
  (the per-layer weights and biases are views into it), so the optimizer step
  is one update over the whole buffer, not one per array;
- every forward and backward product writes into a preallocated array
  (``out=``), one set per batch size, so a step allocates almost nothing;
- softmax and cross-entropy are fused: the logits' gradient is
  ``(softmax(z) - onehot(y)) / batch``, computed in place.

It computes the same loss, gradients and Adam update as ``mp.Linear`` +
``mp.ReLU`` + ``mp.CrossEntropyLoss`` + ``mp.Adam`` (and PyTorch's), which
``tests/test_benchmarks.py`` checks in float64.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> weights = [(rng.standard_normal((4, 2)), np.zeros(4)),
...            (rng.standard_normal((3, 4)), np.zeros(3))]
>>> net = FlatMLP(weights, lr=0.01)
>>> X, y = rng.standard_normal((5, 2)), np.array([0, 1, 2, 0, 1])
>>> loss = net.step(X, y)
>>> net.params.size == 4 * 2 + 4 + 3 * 4 + 3
True
"""

from __future__ import annotations

import numpy as np

BETAS, EPS = (0.9, 0.999), 1e-8


class _Buffers:
    """The activations, masks and backward products for one batch size."""

    def __init__(self, shapes, batch: int, dtype):
        outs = [w.shape[0] for w, _ in shapes]
        self.z = [np.empty((batch, o), dtype) for o in outs]  # layer outputs (post-ReLU)
        self.delta = [np.empty((batch, o), dtype) for o in outs]  # d loss / d z
        self.mask = [np.empty((batch, o), dtype) for o in outs[:-1]]
        self.total = np.empty((batch, 1), dtype)
        self.rows = np.arange(batch)


class FlatMLP:
    """Linear-ReLU-...-Linear with fused softmax cross-entropy and Adam, by hand.

    Parameters
    ----------
    weights : list of (W, b)
        ``W`` of shape (out, in) and ``b`` of shape (out,) per layer, copied.
    lr : float
        Adam's learning rate (betas 0.9, 0.999 and eps 1e-8, PyTorch's defaults).

    Examples
    --------
    >>> w = [(np.ones((2, 3), np.float32), np.zeros(2, np.float32))]
    >>> FlatMLP(w, lr=0.1).grads.dtype
    dtype('float32')
    """

    def __init__(self, weights, lr: float):
        dtype = np.result_type(*[a for pair in weights for a in pair])
        sizes = [a.size for pair in weights for a in pair]
        total = sum(sizes)
        self.params = np.empty(total, dtype)
        self.grads = np.zeros(total, dtype)
        self.m = np.zeros(total, dtype)
        self.v = np.zeros(total, dtype)
        self.scratch = np.empty(total, dtype)
        self.layers, self.grad_layers = [], []
        start = 0
        for w, b in weights:
            views, gviews = [], []
            for a in (w, b):
                stop = start + a.size
                views.append(self.params[start:stop].reshape(a.shape))
                gviews.append(self.grads[start:stop].reshape(a.shape))
                views[-1][...] = a
                start = stop
            self.layers.append(tuple(views))
            self.grad_layers.append(tuple(gviews))
        self.lr, self.t, self.dtype = lr, 0, dtype
        self._buffers: dict[int, _Buffers] = {}

    def _for(self, batch: int) -> _Buffers:
        buf = self._buffers.get(batch)
        if buf is None:
            buf = self._buffers[batch] = _Buffers(self.layers, batch, self.dtype)
        return buf

    def forward(self, X) -> np.ndarray:
        """The logits, written into this batch size's buffers."""
        buf = self._for(len(X))
        h = X
        last = len(self.layers) - 1
        for k, (w, b) in enumerate(self.layers):
            z = buf.z[k]
            np.matmul(h, w.T, out=z)
            z += b
            if k < last:
                np.maximum(z, 0, out=z)
            h = z
        return h

    def loss_and_grad(self, X, y) -> float:
        """Mean cross-entropy of the batch; its gradients land in ``self.grads``."""
        buf = self._for(len(X))
        z = self.forward(X)
        rows, n = buf.rows, len(X)
        # Fused softmax + cross-entropy: shift, exponentiate in place, normalise.
        p = buf.delta[-1]
        np.subtract(z, z.max(axis=1, keepdims=True), out=p)
        picked = p[rows, y]
        np.exp(p, out=p)
        np.sum(p, axis=1, keepdims=True, out=buf.total)
        loss = float(np.log(buf.total).mean() - picked.mean())
        p /= buf.total
        p[rows, y] -= 1
        p *= self.dtype.type(1 / n)
        for k in range(len(self.layers) - 1, -1, -1):
            d = buf.delta[k]
            gw, gb = self.grad_layers[k]
            h = buf.z[k - 1] if k else X
            np.matmul(d.T, h, out=gw)
            np.sum(d, axis=0, out=gb)
            if k:
                below = buf.delta[k - 1]
                np.matmul(d, self.layers[k][0], out=below)
                np.greater(h, 0, out=buf.mask[k - 1])
                below *= buf.mask[k - 1]
        return loss

    def adam(self) -> None:
        """One Adam update over the whole flat buffer (PyTorch's formula)."""
        self.t += 1
        (b1, b2), s, g = BETAS, self.scratch, self.grads
        size = self.lr / (1 - b1**self.t)
        root = 1 / np.sqrt(1 - b2**self.t)
        self.m *= b1
        np.multiply(g, 1 - b1, out=s)
        self.m += s
        self.v *= b2
        np.multiply(g, g, out=s)
        s *= 1 - b2
        self.v += s
        np.sqrt(self.v, out=s)
        s *= root
        s += EPS
        np.divide(self.m, s, out=s)
        s *= size
        self.params -= s

    def step(self, X, y) -> float:
        """One training step (forward, backward, Adam); returns the loss before it."""
        loss = self.loss_and_grad(X, y)
        self.adam()
        return loss

    def predict(self, X) -> np.ndarray:
        return self.forward(X).argmax(axis=1)


def flat_trainer(weights, X, y, lr: float):
    """``(train(epoch_batches) -> last loss, predict(X) -> classes)``, like ``mlp.py``'s."""
    net = FlatMLP(weights, lr)

    def train(epochs):
        loss = None
        for epoch in epochs:
            for idx in epoch:
                loss = net.step(X[idx], y[idx])
        return float(loss)

    return train, net.predict


def tiny_graph_step(x, w, b, grads, scratch):
    """``((x*w + b).relu().sum()).backward()`` by hand, accumulating into ``grads``.

    ``grads`` is (gx, gw, gb) and ``scratch`` three arrays of ``x``'s shape.
    """
    h, mask, tmp = scratch
    np.multiply(x, w, out=h)
    h += b
    np.greater(h, 0, out=mask)
    out = np.dot(h, mask)  # sum of relu(h)
    gx, gw, gb = grads
    np.multiply(mask, w, out=tmp)
    gx += tmp
    np.multiply(mask, x, out=tmp)
    gw += tmp
    gb += mask
    return out
