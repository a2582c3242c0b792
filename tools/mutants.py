"""How much of the losses, optimizers and schedulers does the book pin down?

Mutation testing with the book as the test suite: make one small change to
the library (an operator swapped, a constant changed, a comparison flipped),
execute the book's chapters against the changed copy, and count the changes
that make a chapter fail ("killed"). A change no chapter notices ("survivor")
is behaviour the book shows but does not check.

Usage::

    python tools/mutants.py --list                  # every mutant, numbered
    python tools/mutants.py --sample 50 --seed 0    # a reproducible sample
    python tools/mutants.py --ids 3,17,240          # chosen mutants
    python tools/mutants.py --sample 50 --out results.json --jobs 2

Each mutant is applied to a temporary copy of the package (the working tree
is never modified) and to a snapshot of the chapters; they run with ``PYTHONPATH`` pointing at that
copy, each in a fresh kernel with a time limit, and stop at the first failure.
A chapter that runs out of time counts as killed. The unmutated package is
run first: if a chapter fails without any mutation, nothing is measured.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "micrograd_plus"
TARGETS = ("nn/losses", "optim")
CHAPTERS = ROOT / "docs" / "chapters"
BOOK = ("03_losses", "04_optimizers", "06_training")
# The chapter that teaches a file runs first, so most mutants die quickly.
FIRST = {"nn/losses": "03_losses", "optim": "04_optimizers"}

BINOPS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
}
COMPARES = {
    ast.Lt: (ast.LtE, ast.Gt),
    ast.LtE: (ast.Lt, ast.GtE),
    ast.Gt: (ast.GtE, ast.Lt),
    ast.GtE: (ast.Gt, ast.LtE),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
SYMBOL = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.And: "and",
    ast.Or: "or",
}
SWAPPED_NAMES = {"maximum": "minimum", "minimum": "maximum", "max": "min", "min": "max"}


@dataclass
class Mutant:
    id: int
    file: str  # relative to the repository root
    line: int
    change: str
    node: int  # index of the node in ast.walk order
    variant: int


# ------------------------------------------------------------------ mutations
def _not_mutated(tree: ast.AST) -> set[int]:
    """Nodes inside error messages, raises, asserts and warnings: text, not behaviour."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        quiet = isinstance(node, (ast.Raise, ast.Assert, ast.JoinedStr))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            quiet = quiet or node.func.attr == "warn"
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            quiet = True
        if quiet:
            skip.update(id(n) for n in ast.walk(node))
    return skip


def _variants(node: ast.AST) -> list[tuple[str, object]]:
    """(description, how to apply) for each single-point change of ``node``."""
    out: list[tuple[str, object]] = []
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINOPS:
        new = BINOPS[type(node.op)]
        aug = "=" if isinstance(node, ast.AugAssign) else ""
        out.append((f"{SYMBOL[type(node.op)]}{aug} -> {SYMBOL[new]}{aug}", ("op", new)))
    elif isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            for new in COMPARES.get(type(op), ()):
                out.append((f"{SYMBOL[type(op)]} -> {SYMBOL[new]}", ("cmp", k, new)))
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        out.append((f"{SYMBOL[type(node.op)]} -> {SYMBOL[new]}", ("op", new)))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        out.append((f"{'-' if isinstance(node.op, ast.USub) else 'not '}x -> x", ("unary",)))
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        new = node.value + 1
        out.append((f"{node.value!r} -> {new!r}", ("const", new)))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        out.append((f"{node.value} -> {not node.value}", ("const", not node.value)))
    elif isinstance(node, ast.Attribute) and node.attr in SWAPPED_NAMES:
        new = SWAPPED_NAMES[node.attr]
        out.append((f".{node.attr} -> .{new}", ("attr", new)))
    return out


def _apply(node: ast.AST, how: tuple) -> ast.AST:
    """Change ``node`` in place (or return its replacement)."""
    kind = how[0]
    if kind == "op":
        node.op = how[1]()
    elif kind == "cmp":
        node.ops[how[1]] = how[2]()
    elif kind == "const":
        node.value = how[1]
    elif kind == "attr":
        node.attr = how[1]
    elif kind == "unary":
        return node.operand
    return node


def _sources() -> list[Path]:
    files = []
    for target in TARGETS:
        files += sorted(p for p in (PACKAGE / target).rglob("*.py") if p.name != "__init__.py")
    return files


def enumerate_mutants() -> list[Mutant]:
    mutants: list[Mutant] = []
    for path in _sources():
        tree = ast.parse(path.read_text())
        skip = _not_mutated(tree)
        for index, node in enumerate(ast.walk(tree)):
            if id(node) in skip:
                continue
            for variant, (change, _) in enumerate(_variants(node)):
                rel = str(path.relative_to(ROOT))
                mutants.append(Mutant(len(mutants), rel, node.lineno, change, index, variant))
    return mutants


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement: ast.AST) -> None:
        self.target, self.replacement = target, replacement

    def generic_visit(self, node):
        return self.replacement if node is self.target else super().generic_visit(node)


def mutated_source(mutant: Mutant) -> str:
    tree = ast.parse((ROOT / mutant.file).read_text())
    node = list(ast.walk(tree))[mutant.node]
    _, how = _variants(node)[mutant.variant]
    replacement = _apply(node, how)
    if replacement is not node:
        tree = _Replace(node, replacement).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


# ------------------------------------------------------------------ execution
def execute_chapter(chapter: Path, timeout: float) -> int:
    """Run one chapter in a fresh kernel: 0 passed, 1 a cell failed, 3 wrong package."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = jupytext.read(chapter)
    check = (
        "import micrograd_plus, os\n"
        "assert micrograd_plus.__file__.startswith(os.environ['MUTANT_ROOT']), "
        "micrograd_plus.__file__"
    )
    notebook.cells.insert(0, nbformat.v4.new_code_cell(check))
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(chapter.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as err:
        first = notebook.cells[0].get("outputs", [])
        if any(out.get("output_type") == "error" for out in first):
            print(err, file=sys.stderr)
            return 3
        return 1
    return 0


def _run_chapter(name: str, root: str, limit: float) -> str:
    """'passed', 'failed', 'timeout' or 'setup' for one chapter against ``root``."""
    env = dict(os.environ, PYTHONPATH=root, MUTANT_ROOT=root, PYTHONDONTWRITEBYTECODE="1")
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [sys.executable, __file__, "--execute", str(CHAPTERS / f"{name}.md")]
    command += ["--limit", str(limit)]
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # the kernel is a grandchild: kill the whole group
    )
    try:
        _, err = proc.communicate(timeout=limit + 30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "timeout"
    if proc.returncode == 3:
        sys.stderr.write(err.decode(errors="replace")[-2000:])
        return "setup"
    return "passed" if proc.returncode == 0 else "failed"


def _order(mutant: Mutant | None) -> list[str]:
    if mutant is None:
        return list(BOOK)
    first = next(
        (c for t, c in FIRST.items() if mutant.file.startswith(f"micrograd_plus/{t}")), None
    )
    return sorted(BOOK, key=lambda c: c != first)


def run_mutant(mutant: Mutant | None, limit: float) -> dict:
    """Apply ``mutant`` (None: no change) to a copy of the package and run the book on it."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutant-") as root:
        shutil.copytree(
            PACKAGE, Path(root) / "micrograd_plus", ignore=shutil.ignore_patterns("__pycache__")
        )
        if mutant is not None:
            (Path(root) / mutant.file).write_text(mutated_source(mutant))
        verdict, by = "survived", None
        for chapter in _order(mutant):
            outcome = _run_chapter(chapter, root, limit)
            if outcome == "setup":
                raise RuntimeError(f"the kernel did not import the copy in {root}")
            if outcome != "passed":
                verdict, by = ("timeout" if outcome == "timeout" else "killed"), chapter
                break
    seconds = time.perf_counter() - start
    return {"verdict": verdict, "by": by, "seconds": round(seconds, 1)}


# ------------------------------------------------------------------ command line
def _select(mutants: list[Mutant], args) -> list[Mutant]:
    if args.ids:
        wanted = [int(i) for i in args.ids.split(",")]
        return [mutants[i] for i in wanted]
    if args.sample:
        return sorted(random.Random(args.seed).sample(mutants, args.sample), key=lambda m: m.id)
    return mutants


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print the mutants and exit")
    parser.add_argument("--sample", type=int, help="run a random sample of N mutants")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument("--ids", help="comma-separated mutant numbers to run")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--limit", type=float, default=120, help="seconds per chapter (120)")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument("--execute", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.execute:
        return execute_chapter(args.execute, args.limit)
    mutants = enumerate_mutants()
    chosen = _select(mutants, args)
    if args.list:
        for m in chosen:
            print(f"{m.id:4d}  {m.file}:{m.line}  {m.change}")
        print(f"{len(chosen)} of {len(mutants)} mutants")
        return 0

    # The chapters as they are now: editing them during a long run changes nothing.
    global CHAPTERS
    with tempfile.TemporaryDirectory(prefix="mutants-book-") as snapshot:
        CHAPTERS = Path(shutil.copytree(CHAPTERS, Path(snapshot) / "chapters"))
        return _measure(chosen, args)


def _measure(chosen: list[Mutant], args) -> int:
    baseline = run_mutant(None, args.limit)
    if baseline["verdict"] != "survived":
        print(f"the unmutated book fails in {baseline['by']}: fix it first", file=sys.stderr)
        return 2
    print(f"unmutated book: passes in {baseline['seconds']} s; {len(chosen)} mutants", flush=True)

    def one(m: Mutant) -> dict:
        result = {**asdict(m), **run_mutant(m, args.limit)}
        print(
            f"{m.id:4d} {result['verdict']:8s} {m.file}:{m.line}  {m.change}"
            f"  ({result['seconds']} s{', ' + result['by'] if result['by'] else ''})",
            flush=True,
        )
        return result

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(one, chosen))
    wall = time.perf_counter() - start
    return _report(results, wall, args)


def _report(results: list[dict], wall: float, args) -> int:
    killed = [r for r in results if r["verdict"] != "survived"]
    survivors = [r for r in results if r["verdict"] == "survived"]
    n = len(results)
    rate = len(killed) / n if n else float("nan")
    per = sum(r["seconds"] for r in results) / n if n else float("nan")
    print(f"\nkilled {len(killed)} of {n} mutants ({rate:.0%}); survivors:")
    for r in survivors:
        print(f"  #{r['id']:<4d} {r['file']}:{r['line']}  {r['change']}")
    print(f"{per:.1f} s per mutant, {wall:.0f} s wall with {args.jobs} jobs")
    if args.out:
        summary = {"killed": len(killed), "total": n, "kill_rate": rate, "seconds_per_mutant": per}
        args.out.write_text(json.dumps({"summary": summary, "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
