"""tools/mutants.py's maps name files that exist, its equivalents carry reasons, and it
knows which mutants no check reaches."""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("mutants", ROOT / "tools" / "mutants.py")
mutants = importlib.util.module_from_spec(spec)
sys.modules["mutants"] = mutants  # dataclasses look their module up there
spec.loader.exec_module(mutants)
BOOK = argparse.Namespace(scope="book", check=None, tests_only=False)  # plain --scope book


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
    assert plan[0] == (
        "tests",
        ("test_lbfgs.py", "test_torch_defaults.py", "test_mutants_pinned.py"),
    )
    assert plan[1:] == [("chapter", ("05_curvature",))]
    assert mutants.checks("optim/lbfgs.py", "book") == plan[1:]
    ops = mutants.checks("ops/shape.py", "library")
    assert ops[0][1][-2:] == mutants.DOUBLE_BACKWARD and len(ops) == 1


def test_equivalents_name_a_mutant_that_exists_and_give_a_reason():
    listed = mutants._equivalent()
    assert listed and all(reason for reason in listed.values())
    known = set()
    for m in mutants.enumerate_mutants("library"):
        known |= {mutants._key(m), (*mutants._key(m), m.col)}
    assert set(listed) <= known, set(listed) - known


def test_an_equivalent_with_a_column_names_only_the_mutant_at_that_column():
    table = {("f.py", 3, "1 -> 2", 23): "reshape(-2, 1) infers as reshape(-1, 1) does"}
    at = {"file": "f.py", "line": 3, "change": "1 -> 2"}
    assert mutants._equivalent_reason({**at, "col": 23}, table)
    assert mutants._equivalent_reason({**at, "col": 26}, table) is None
    whole_line = {("f.py", 3, "1 -> 2"): "any column"}
    assert mutants._equivalent_reason({**at, "col": 26}, whole_line) == "any column"


def _defined_names(path: Path) -> set[str]:
    """Qualified names of every function and class defined in ``path``."""
    return set(mutants._enclosing(ast.parse(path.read_text())).values()) - {""}


def test_every_taught_name_is_defined_in_its_file_and_its_chapters_exist():
    package = ROOT / "micrograd_plus"
    for rel, names in mutants.TAUGHT.items():
        defined = _defined_names(package / rel)
        for name, chapters in names.items():
            assert name in defined, f"{rel}: {name} is not defined there"
            assert chapters, f"{rel}: {name} names no chapter"
            for chapter in chapters:
                assert (ROOT / "docs" / "chapters" / f"{chapter}.md").is_file(), chapter


INCLUDE = re.compile(
    r"```\{literalinclude\} \.\./\.\./micrograd_plus/(?P<file>\S+)\n"
    r"(?::[^\n]*\n)*?:pyobject: (?P<name>\S+)"
)


def test_every_printed_pyobject_is_taught_by_the_chapter_that_prints_it():
    printed, pyobjects = [], 0
    for chapter in sorted((ROOT / "docs" / "chapters").glob("*.md")):
        text = chapter.read_text()
        pyobjects += text.count("\n:pyobject: ")
        for match in INCLUDE.finditer(text):
            printed.append((chapter.stem, match["file"], match["name"]))
            taught = mutants.taught(match["file"], match["name"])
            assert chapter.stem in taught, (chapter.stem, match["file"], match["name"], taught)
    assert printed and len(printed) == pyobjects, printed  # the pattern finds every listing


def test_book_scope_samples_only_taught_code_and_runs_its_chapters():
    book = mutants.enumerate_mutants("book")
    assert book and all(mutants.taught(mutants._in_package(m.file), m.where) for m in book)
    files = {m.file for m in book}
    assert "micrograd_plus/nn/init.py" not in files
    assert not any(m.where.startswith("_Search") for m in book)  # the line search's inside
    two_loop = next(m for m in book if m.where == "two_loop")
    assert mutants._plan(two_loop, BOOK) == [("chapter", ("05_curvature",))]
    leaf = next(m for m in book if m.where == "_accumulate_leaf" and not m.default)
    chapters = [c[1][0] for c in mutants._plan(leaf, BOOK)]
    assert chapters == ["01_tensors", "02_layers", "06_training"]
    assert mutants.taught("optim/adam.py", "Adam._update") == ("04_optimizers",)
    assert mutants.taught("optim/adam.py", "_init_adam_state") == ()


def test_a_mutant_is_reached_only_if_a_check_executes_its_line(tmp_path):
    pytest.importorskip("coverage")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "branchy.py").write_text(
        "def sign(x):\n    if x > 0:\n        return 1\n    return -1\n"  # lines 1-4
    )
    (tmp_path / "check.py").write_text(
        "import sys\nsys.path.insert(0, 'pkg')\nimport branchy\nbranchy.sign(2.0)\n"
    )
    data = str(tmp_path / "coverage-0")
    # In a process of its own, as the tool runs its checks: a tracer started inside this
    # pytest worker would meet whatever other tests left behind.
    command = [sys.executable, "-m", "coverage", "run", f"--data-file={data}"]
    command += [f"--source={package}", "check.py"]
    subprocess.run(command, cwd=tmp_path, check=True, timeout=120)
    reach = {("tests", ("test_x.py",)): mutants._executed(data, str(tmp_path))}
    assert reach[("tests", ("test_x.py",))]["pkg/branchy.py"] >= {1, 2, 3}

    def mutant(line):
        return mutants.Mutant(0, "pkg/branchy.py", line, "1 -> 2", 0, 0, "sign")

    plan = list(reach)
    assert mutants._reached(mutant(3), plan, reach)
    assert not mutants._reached(mutant(4), plan, reach)  # sign(2.0) never returns -1


def test_a_taught_default_also_runs_the_appendix_that_checks_defaults():
    book = mutants.enumerate_mutants("book")
    slope = [m for m in book if m.where == "LeakyReLU.__init__" and m.default]
    assert slope, "LeakyReLU's negative_slope default is a book mutant"
    assert mutants._plan(slope[0], BOOK)[-1] == ("chapter", (mutants.APPENDIX,))
    body = next(m for m in book if m.where.startswith("CrossEntropyLoss") and not m.default)
    assert ("chapter", (mutants.APPENDIX,)) not in mutants._plan(body, BOOK)


def test_not_taught_methods_are_defined_and_left_to_the_library_scope():
    package = ROOT / "micrograd_plus"
    for rel, names in mutants.NOT_TAUGHT.items():
        defined = _defined_names(package / rel)
        for name in names:
            assert name in defined, f"{rel}: {name} is not defined there"
            assert mutants.taught(rel, name) == ()
            assert mutants.taught(rel, f"{name}.restore") == ()
    assert mutants.taught("optim/lbfgs.py", "LBFGS.step") == ("05_curvature",)
    book = {m.where for m in mutants.enumerate_mutants("book")}
    assert not any(w.startswith("LBFGS._load_state_entry") for w in book)
    library = {m.where for m in mutants.enumerate_mutants("library")}
    assert "LBFGS._load_state_entry.restore" in library


def test_the_warm_runner_reports_pass_fail_and_timeout_of_the_copy_it_is_given(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    from warm_pytest import WarmPytest

    (tmp_path / "pkg_under_test.py").write_text("def double(x):\n    return 2 * x\n")
    (tmp_path / "test_it.py").write_text(
        "import time\nfrom pkg_under_test import double\n"
        "def test_double():\n    assert double(3) == 6\n"
        "def test_wrong():\n    assert double(3) == 7\n"
        "def test_loops():\n    while True:\n        time.sleep(0.01)\n"
    )
    server = WarmPytest()
    try:
        root, quiet = str(tmp_path), ["-q", "-p", "no:cacheprovider"]
        assert server.run(root, [*quiet, "test_it.py::test_double"], 60) == 0
        assert server.run(root, [*quiet, "test_it.py::test_wrong"], 60) == 1
        assert server.run(root, [*quiet, "test_it.py::test_loops"], 1.0) is None
        # the copy is imported afresh in each run: a changed file is what the next run sees
        (tmp_path / "pkg_under_test.py").write_text("def double(x):\n    return 7\n")
        assert server.run(root, [*quiet, "test_it.py::test_wrong"], 60) == 0
    finally:
        server.close()


def test_exclude_leaves_out_what_an_earlier_run_measured_even_if_its_line_moved(tmp_path):
    first = mutants.enumerate_mutants("library")[:5]
    earlier = dict(mutants.asdict(first[1]), line=first[1].line + 10)  # code above it went
    results = tmp_path / "census.json"
    results.write_text(json.dumps({"results": [earlier]}))
    args = argparse.Namespace(survivors=None, ids=None, exclude=results, sample=None)
    args.shuffle = False
    chosen = mutants._select(first, args)
    assert chosen == [first[0], *first[2:]]
