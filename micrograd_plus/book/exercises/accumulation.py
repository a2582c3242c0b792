"""Chapter 6 exercise of gradient accumulation: k small batches, one step, the same
weights as one step on the whole batch."""

from __future__ import annotations

import numpy as np

from ... import nn, optim
from ...tensor import Tensor
from ...utils.notebook import set_seed
from .compare import assert_close, call
from .registry import exercise
from .result import Fail

NOT_DIVIDED = "each loss must be divided by k: the gradients add up, k times the mean's"
STEP_EACH = "one optimizer.step() after all k backward() calls, not one per batch"
ZERO_EACH = "zero the gradients once, before the k batches: zeroing inside the loop keeps the last"
NO_ZERO = "zero the gradients before the first batch: the last step's gradients are still there"


def accumulate_reference(
    model,
    loss_fn,
    optimizer,
    batches,
    divide=True,
    step_each=False,
    zero_each=False,
    no_zero=False,
):
    """One step from the gradients of ``batches`` added up (a typical mistake on request).

    Returns the mean of the batch losses as a float.

    Examples
    --------
    >>> from micrograd_plus import Linear, MSELoss, SGD, Tensor
    >>> model = Linear(1, 1)
    >>> batches = [(Tensor([[1.0]]), Tensor([[0.0]])), (Tensor([[2.0]]), Tensor([[0.0]]))]
    >>> isinstance(accumulate_reference(model, MSELoss(), SGD(model.parameters(), lr=0.1),
    ...                                 batches), float)
    True
    """
    k, losses = len(batches), []
    if not no_zero:
        optimizer.zero_grad()
    for x, y in batches:
        if zero_each:
            optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        (loss / k if divide else loss).backward()
        losses.append(loss.item())
        if step_each:
            optimizer.step()
            optimizer.zero_grad()
    if not step_each:
        optimizer.step()
    return float(np.mean(losses))


def _weights_after(step_fn, seed, k):
    """The loss step_fn returns and the weights after it, on a seeded model and batch."""
    set_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((12, 4)).astype(np.float32)
    y = rng.integers(0, 3, 12)
    batches = [(Tensor(a), Tensor(b)) for a, b in zip(np.split(x, k), np.split(y, k))]
    for p in model.parameters():  # the last step's gradients, left for zero_grad to clear
        p.grad = np.ones_like(p.data)
    loss = step_fn(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5), batches)
    return loss, np.concatenate([p.data.ravel() for p in model.parameters()])


@exercise(
    "training.accumulate",
    6,
    "medium",
    "Write accumulate_step(model, loss_fn, optimizer, batches): one step from k batches, "
    "as if they were one",
)
def _accumulate(answer):
    for seed, k in ((0, 2), (1, 3), (2, 4)):
        where = f"{k} batches of {12 // k}"
        loss, weights = _weights_after(lambda *a, w=where: call(answer, *a, where=w), seed, k)
        ref_loss, ref = _weights_after(accumulate_reference, seed, k)
        wrong = [
            (hint, _weights_after(lambda *a, o=opts: accumulate_reference(*a, **o), seed, k)[1])
            for hint, opts in (
                (NOT_DIVIDED, {"divide": False}),
                (STEP_EACH, {"step_each": True}),
                (ZERO_EACH, {"zero_each": True}),
                (NO_ZERO, {"no_zero": True}),
            )
        ]
        assert_close(weights, ref, "weights after the step", where, wrong, np.float32, False)
        if not isinstance(loss, float) or not np.isclose(loss, ref_loss, rtol=1e-5):
            raise Fail(
                f"returned {loss!r} on {where}, expected the mean batch loss {ref_loss:.6f}",
                "return the mean of the k losses as a float (loss.item())",
            )
    return "the same weights as one SGD step on the whole batch, for 2, 3 and 4 batches"
