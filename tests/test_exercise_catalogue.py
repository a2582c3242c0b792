"""The catalogue of realistic mistakes (``exercise_mistakes.py``): every wrong answer fails
with the hint that names it; an unrecognised one says what differs, where, with enough digits."""

from __future__ import annotations

import re
from collections import Counter

import exercise_solutions
import numpy as np
import pytest
from exercise_mistakes import MISTAKES

import micrograd_plus as mp
from micrograd_plus.book.exercises import check, exercises


def test_every_exercise_has_at_least_three_mistakes():
    counts = Counter(m.exercise for m in MISTAKES)
    assert {e.id for e in exercises()} == set(counts)
    assert min(counts.values()) >= 3, [e for e, n in counts.items() if n < 3]


@pytest.mark.parametrize("mistake", MISTAKES, ids=[f"{m.exercise}: {m.what}" for m in MISTAKES])
def test_each_mistake_fails_with_the_hint_that_names_it(mistake):
    result = check(mistake.exercise, mistake.answer)
    assert not result.passed, result
    assert result.hint is not None and mistake.hint in result.hint, result


def test_the_hints_of_one_exercise_are_not_all_the_same():
    by_exercise = {}
    for m in MISTAKES:
        by_exercise.setdefault(m.exercise, set()).add(check(m.exercise, m.answer).hint)
    alike = [e for e, found in by_exercise.items() if len(found) < 2]
    assert not alike, alike


class NoisyMSE(exercise_solutions.MSELoss):
    """Wrong in a way no hint knows: a constant added."""

    def __call__(self, pred, target):
        return super().__call__(pred, target) + 0.001


class NearAdam(mp.Adam):
    """eps 1 % too large: a difference in the 6th digit, where the old messages printed 4
    and showed two identical numbers."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, betas, eps * 1.01, weight_decay)


@pytest.mark.parametrize(
    "exercise_id, answer, where",
    [
        ("losses.mse", NoisyMSE, "shape (5,), float32"),
        ("optim.adam", NearAdam, "Adam(lr=0.01, eps=0.001), float64"),
        ("tensors.tanh_grad", lambda x: 1 - np.tanh(x) ** 2 + 1e-5 * x, "shape (5,), float64"),
    ],
)
def test_an_unrecognised_mistake_says_what_differs_where_with_enough_digits(
    exercise_id, answer, where
):
    result = check(exercise_id, answer)
    assert not result.passed and result.hint is None, result
    assert where in result.message, result
    pair = re.search(r"at index [^:]*: (\S+) vs (\S+)\)", result.message) or re.search(
        r"got (\S+), expected (\S+?)(?: |$)", result.message
    )
    assert pair and pair[1] != pair[2], result  # the printed numbers show the difference
