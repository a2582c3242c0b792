"""Every wrong call in ``bad_inputs.CASES`` raises its specific error, with a message
that names the argument at fault and the fix, at the line where the mistake is made."""

from __future__ import annotations

import ast
import traceback

import pytest

from micrograd_plus.book.bad_inputs import CASES, BadInput


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_raises_clear_error(case: BadInput):
    with pytest.raises(case.error) as info:
        case.call()
    # Exactly the promised type, not a subclass, so the table states the truth.
    assert type(info.value) is case.error, f"raised {type(info.value).__name__}"
    case.check(str(info.value))
    # Raised where the mistake is made: by the snippet's last statement, not later.
    frames = [f for f in traceback.extract_tb(info.tb) if f.filename.startswith("<bad input")]
    last = ast.parse(case.code).body[-1]
    assert frames and last.lineno <= frames[-1].lineno <= last.end_lineno


def test_cases_are_many_distinct_and_specific():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    for case in CASES:
        assert case.error is not Exception and issubclass(case.error, Exception)
        assert case.names and case.fix and case.names != case.fix


def test_message_helper_returns_the_real_message():
    case = CASES[0]
    message = case.message()
    case.check(message)
