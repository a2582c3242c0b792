"""The exercise checkers reject mutants of the reference solutions (a sample here; all of
them with ``nox -s exercise_mutants``)."""

from __future__ import annotations

import ast

import exercise_mutants as mutation
import exercise_solutions
import pytest

from micrograd_plus.book.exercises import check

# The examples in full; every 4th mutant of the other exercises.
IN_FULL = ("optim.sgd", "optim.clip_grad_norm", "training.evaluate", "layers.dropout")


def test_every_reference_solution_passes_its_checker():
    for exercise, answer in exercise_solutions.SOLUTIONS.items():
        result = check(exercise, answer)
        assert result.passed, result


def test_the_mutants_of_a_sample_are_rejected():
    full = mutation.measure(IN_FULL)
    rest = [e for e in exercise_solutions.SOLUTIONS if e not in IN_FULL]
    sample = mutation.measure(rest, every=4)
    for report in (full, sample):
        assert report.total > 30
        assert report.rate >= mutation.REQUIRED_RATE, report.survivors
        assert not report.stale, report.stale


def test_each_listed_equivalent_mutant_exists_and_says_why():
    listed = mutation.equivalents()
    assert listed and all(len(reason) > 20 for reason in listed.values())
    every = {m.key for e in exercise_solutions.SOLUTIONS for m in mutation.mutants(e)}
    assert set(listed) <= every, set(listed) - every


@pytest.mark.parametrize(
    "source, change",
    [
        ("def f(x):\n    return x + 1\n", "Add -> Sub"),
        ("def f(x):\n    return x < 1\n", "Lt -> LtE"),
        ("def f(x):\n    return x and 1\n", "And -> Or"),
        ("def f(x):\n    return -x\n", "USub dropped"),
        ("def f(x, lr=0.5):\n    return x\n", "0.5 -> 1.5"),
        ("def f(x):\n    y = x\n    return x\n", "statement deleted"),
        ("def f(x):\n    x += 1\n    return x\n", "Add= -> Sub="),
        ("def f(x):\n    return x.max()\n", ".max -> .min"),
        ("def f(x):\n    return sum(x)\n", "sum -> mean"),
    ],
)
def test_the_mutator_makes_each_kind_of_change(source, change):
    node = ast.parse(source).body[0]
    changes = []
    for target in range(50):
        mutator = mutation._Mutator(target, node)
        mutator.visit(ast.parse(source).body[0])
        if mutator.change is None:
            break
        changes.append(mutator.change)
    assert any(c.startswith(change) for c in changes), changes


def test_a_docstring_and_an_error_message_are_not_mutated():
    source = 'def f(x):\n    """Doc."""\n    raise ValueError("words")\n'
    changes = []
    for target in range(5):
        mutator = mutation._Mutator(target, None)
        mutator.visit(ast.parse(source).body[0])
        changes.append(mutator.change)
    assert changes[0].startswith("statement deleted") and changes[1:] == [None] * 4, changes
