"""The exercise checkers tested by mutation: does each one reject a changed reference solution?

Each reference solution in ``exercise_solutions.py`` is parsed, and every mutant
changes one thing in it: an arithmetic operator (``+``/``-``, ``*``/``/``,
``**``/``*``, ``@``/``*``), a function or method name for its usual confusion
(``max``/``min``, ``sum``/``mean``, ``exp``/``log``, ``train``/``eval``, ...), a
comparison (``<``/``<=``, ``==``/``!=``, ``in``/``not in``, ...), ``and``/``or``,
a unary minus or ``not`` dropped, a constant (a number plus one, or one becomes
zero; a default argument is a constant too), a string, or one statement deleted
(replaced by ``pass``). The mutant is run
through :func:`check`; a mutant the checker passes *survives*. Survivors that
compute the same thing as the solution on every input the exercise allows are
*equivalent*, listed in ``exercise_mutants_equivalent.txt`` with the reason;
the rest count against the checker:

    rate = rejected / (mutants - equivalent)   (required: at least 97 %)

Run ``python tests/exercise_mutants.py`` (or ``nox -s exercise_mutants``) for all
of them; ``--only ID`` for one exercise; ``--list`` prints every survivor.
"""

from __future__ import annotations

import argparse
import ast
import copy
import inspect
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
EQUIVALENT_FILE = HERE / "exercise_mutants_equivalent.txt"
REQUIRED_RATE = 0.97
TIMEOUT_S = 3.0

_SWAP_BINOP = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.Pow: ast.Mult,
    ast.MatMult: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
}
# a function or method name for its usual confusion (max/min, sum/mean, ...)
_SWAP_NAME = {
    "max": "min",
    "min": "max",
    "maximum": "minimum",
    "minimum": "maximum",
    "sum": "mean",
    "mean": "sum",
    "argmax": "argmin",
    "exp": "log",
    "log": "exp",
    "sqrt": "abs",
    "abs": "sqrt",
    "item": "sum",
    "train": "eval",
    "eval": "train",
}
_SWAP_CMP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}


@dataclass(frozen=True)
class Mutant:
    """One change to one solution: ``key`` names it in the equivalents file."""

    exercise: str
    line: str
    change: str
    node: ast.AST  # the mutated definition

    @property
    def key(self) -> str:
        return f"{self.exercise} :: {self.line} :: {self.change}"


def _label(node: ast.AST) -> str:
    return type(node).__name__


class _Mutator(ast.NodeTransformer):
    """Applies the ``target``-th possible change (counting in visit order); counts them all."""

    def __init__(self, target: int, top: ast.AST) -> None:
        self.target, self.count, self.change, self.lineno = target, 0, None, None
        self.top = top  # the definition itself is never deleted

    def _hit(self, node, change: str) -> bool:
        hit = self.count == self.target
        if hit:
            self.lineno = getattr(node, "lineno", None)
            self.change = f"{change} @{getattr(node, 'col_offset', 0)}"
        self.count += 1
        return hit

    def visit_Expr(self, node):  # docstrings are not code
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node
        return self._statement(node)

    def visit_Raise(self, node):  # the words of an error message are not the rule
        return self._statement(node, visit=False)

    def visit_JoinedStr(self, node):
        return node

    def generic_visit(self, node):
        if isinstance(node, ast.stmt) and not isinstance(
            node, (ast.FunctionDef, ast.ClassDef, ast.Expr, ast.Raise)
        ):
            return self._statement(node)
        return super().generic_visit(node)

    def _statement(self, node, visit=True):
        if (
            node is not self.top
            and not isinstance(node, ast.Pass)
            and self._hit(node, "statement deleted")
        ):
            return ast.copy_location(ast.Pass(), node)
        return super().generic_visit(node) if visit else node

    def visit_BinOp(self, node):
        swap = _SWAP_BINOP.get(type(node.op))
        if swap and self._hit(node, f"{_label(node.op)} -> {swap.__name__}"):
            node.op = swap()
        return self.generic_visit(node)

    def visit_AugAssign(self, node):
        swap = _SWAP_BINOP.get(type(node.op))
        if swap and self._hit(node, f"{_label(node.op)}= -> {swap.__name__}="):
            node.op = swap()
            return node
        return self._statement(node)

    def visit_Compare(self, node):
        for i, op in enumerate(node.ops):
            swap = _SWAP_CMP.get(type(op))
            if swap and self._hit(node, f"{_label(op)} -> {swap.__name__}"):
                node.ops[i] = swap()
        return self.generic_visit(node)

    def visit_Attribute(self, node):
        swap = _SWAP_NAME.get(node.attr)
        if swap and self._hit(node, f".{node.attr} -> .{swap}"):
            node.attr = swap
        return self.generic_visit(node)

    def visit_Name(self, node):
        swap = _SWAP_NAME.get(node.id)
        if swap and isinstance(node.ctx, ast.Load) and self._hit(node, f"{node.id} -> {swap}"):
            node.id = swap
        return node

    def visit_BoolOp(self, node):
        swap = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._hit(node, f"{_label(node.op)} -> {swap.__name__}"):
            node.op = swap()
        return self.generic_visit(node)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, (ast.USub, ast.Not)) and self._hit(
            node, f"{_label(node.op)} dropped"
        ):
            return self.generic_visit(node.operand)
        return self.generic_visit(node)

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, bool):
            if self._hit(node, f"{value} -> {not value}"):
                return ast.copy_location(ast.Constant(not value), node)
        elif isinstance(value, (int, float)):
            new = 0 if value == 1 else value + 1
            if self._hit(node, f"{value!r} -> {new!r}"):
                return ast.copy_location(ast.Constant(type(value)(new)), node)
        elif isinstance(value, str) and value and self._hit(node, f"{value!r} -> {value + 'X'!r}"):
            return ast.copy_location(ast.Constant(value + "X"), node)
        return node


def _definition(name: str, module) -> ast.AST:
    """The top-level statement of ``module`` that defines ``name``."""
    tree = ast.parse(inspect.getsource(module))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
            return node
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return node
    raise LookupError(f"no top-level definition of {name!r} in {module.__name__}")


def _name_of(module, answer) -> str:
    for name, value in vars(module).items():
        if value is answer and not name.startswith("_") and name != "SOLUTIONS":
            return name
    raise LookupError(f"{answer!r} is not a top-level name of {module.__name__}")


def mutants(exercise: str) -> Iterator[Mutant]:
    """Every mutant of ``exercise``'s reference solution."""
    import exercise_solutions as module

    name = _name_of(module, module.SOLUTIONS[exercise])
    original = _definition(name, module)
    lines = inspect.getsource(module).splitlines()
    target = 0
    while True:
        fresh = copy.deepcopy(original)
        mutator = _Mutator(target, fresh)
        node = mutator.visit(fresh)
        if mutator.change is None:
            return
        line = lines[mutator.lineno - 1].strip() if mutator.lineno else name
        yield Mutant(exercise, line, mutator.change, node)
        target += 1


def run(mutant: Mutant, name: str):
    """The checker's verdict on ``mutant`` (a CheckResult)."""
    import exercise_solutions as module

    from micrograd_plus.book.exercises import check

    namespace = dict(vars(module))
    tree = ast.fix_missing_locations(ast.Module(body=[mutant.node], type_ignores=[]))
    try:
        exec(compile(tree, f"<mutant of {name}>", "exec"), namespace)
    except Exception as err:  # a mutant that cannot even be defined is rejected
        return f"does not run: {type(err).__name__}"
    return check(mutant.exercise, namespace[name], timeout=TIMEOUT_S)


def equivalents() -> dict[str, str]:
    """``key -> reason`` from the equivalents file (``key  # reason`` per line)."""
    found = {}
    for raw in EQUIVALENT_FILE.read_text().splitlines():
        if raw.strip() and not raw.startswith("#"):
            key, _, reason = raw.partition("  # ")
            found[key.strip()] = reason.strip()
    return found


@dataclass
class Report:
    total: int = 0
    rejected: int = 0
    equivalent: int = 0
    survivors: list = None  # keys of mutants that passed and are not listed equivalent
    stale: list = None  # listed equivalents that now fail (the checker got stricter)

    @property
    def rate(self) -> float:
        counted = self.total - self.equivalent
        return self.rejected / counted if counted else 1.0


def measure(exercises_to_run, every: int = 1) -> Report:
    """Run every ``every``-th mutant of each exercise; count rejected, equivalent, survivors."""
    import exercise_solutions as module

    listed = equivalents()
    report = Report(survivors=[], stale=[])
    for exercise in exercises_to_run:
        name = _name_of(module, module.SOLUTIONS[exercise])
        for i, mutant in enumerate(mutants(exercise)):
            if i % every:
                continue
            report.total += 1
            verdict = run(mutant, name)
            passed = getattr(verdict, "passed", False)
            if mutant.key in listed:
                report.equivalent += 1
                if not passed:
                    report.stale.append(mutant.key)
            elif passed:
                report.survivors.append(mutant.key)
            else:
                report.rejected += 1
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", help="an exercise id (repeatable)")
    parser.add_argument("--every", type=int, default=1, help="run every n-th mutant only")
    args = parser.parse_args(argv)
    import exercise_solutions as module

    chosen = args.only or list(module.SOLUTIONS)
    report = measure(chosen, args.every)
    counted = report.total - report.equivalent
    print(f"{report.total} mutants of {len(chosen)} reference solutions")
    print(f"  equivalent (listed with a reason): {report.equivalent}")
    print(f"  rejected by the checker: {report.rejected} of {counted} = {report.rate:.1%}")
    for key in report.survivors:
        print(f"  SURVIVED: {key}")
    for key in report.stale:
        print(f"  listed as equivalent but rejected (remove it from the file): {key}")
    ok = report.rate >= REQUIRED_RATE and not report.stale
    print(("PASS" if ok else "FAIL") + f": required {REQUIRED_RATE:.0%} of non-equivalent mutants")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
