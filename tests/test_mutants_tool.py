"""tools/mutants.py's maps name files that exist, and its equivalents carry reasons."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("mutants", ROOT / "tools" / "mutants.py")
mutants = importlib.util.module_from_spec(spec)
sys.modules["mutants"] = mutants  # dataclasses look their module up there
spec.loader.exec_module(mutants)


def test_every_mapped_source_chapter_and_test_exists():
    package = ROOT / "micrograd_plus"
    for prefix, chapters in mutants.BOOK_MAP:
        assert (package / prefix).exists(), prefix
        for chapter in chapters:
            assert (ROOT / "docs" / "chapters" / f"{chapter}.md").is_file(), chapter
    for prefix, tests in mutants.TEST_MAP:
        assert (package / prefix).exists(), prefix
        for test in tests:
            assert (ROOT / "tests" / test).is_file(), test
    for test in mutants.DOUBLE_BACKWARD:
        assert (ROOT / "tests" / test).is_file(), test


def test_library_scope_runs_tests_first_then_the_teaching_chapter():
    plan = mutants.checks("optim/lbfgs.py", "library")
    assert plan[0] == ("tests", ("test_lbfgs.py", "test_mutants_pinned.py"))
    assert plan[1:] == [("chapter", ("05_curvature",))]
    assert mutants.checks("optim/lbfgs.py", "book") == plan[1:]
    ops = mutants.checks("ops/shape.py", "library")
    assert ops[0][1][-2:] == mutants.DOUBLE_BACKWARD and len(ops) == 1


def test_equivalents_name_a_mutant_that_exists_and_give_a_reason():
    listed = mutants._equivalent()
    assert listed and all(reason for reason in listed.values())
    known = {mutants._key(m) for m in mutants.enumerate_mutants("library")}
    assert set(listed) <= known, set(listed) - known
