"""How much of what the book teaches does it pin down; with the unit tests, the library?

Mutation testing: make one small change to the library (an operator swapped,
a constant changed, a comparison flipped), run the checks that could notice it
against the changed copy, and count the changes that make a check fail
("killed"). A change nothing notices ("survivor") is behaviour shown but not
checked.

Two scopes (``--scope``):

* ``book`` (default): the functions, classes and methods a chapter teaches
  (``TAUGHT``), found by the innermost ``def``/``class`` around each mutant;
  each mutant runs only the chapter(s) that teach that name. "Taught" means a
  chapter prints its source (``{literalinclude}`` with ``:pyobject:``), or calls
  it by its public name and asserts on the result (a class covers its methods),
  or it is the functional form or update rule a taught class delegates to, or
  the backward rule beside a taught op. Code no chapter shows (``nn/init.py``,
  the line search's internals, private helpers) is library scope only. A
  mutant of a taught name's default argument also runs the appendix
  (``10_from_pytorch``), which checks every default against torch's.
* ``library``: ops, autograd, nn, optim, utils/data and checkpoint; each mutant
  runs the unit tests mapped to its file (``TEST_MAP``, plus the double-backward
  tests for ops, autograd and nn) and then the chapters that teach its file
  (``BOOK_MAP``), if any.

Usage::

    python tools/mutants.py --list                           # every mutant, numbered
    python tools/mutants.py --sample 50 --seed 0             # a reproducible sample
    python tools/mutants.py --scope library --sample 40 --seed 5 --out lib.json
    python tools/mutants.py --ids 3,17,240                   # chosen mutants
    python tools/mutants.py --survivors lib.json --out again.json  # rerun survivors
    python tools/mutants.py --scope library --fast --tests-only --out census.json  # all
    python tools/mutants.py --scope library --ids 7,9 --check tests/test_x.py  # a new pin

``--fast`` (library scope) first runs the whole unit suite once under coverage
with a context per test, then runs each mutant against only the tests (and
doctests) that execute its line, quickest first, in a warm process that forks
per mutant (``tools/warm_pytest.py``): about 1 s a mutant instead of 8, so the
whole library can be measured (a census). A line that only runs at import (a
``def``, a default) runs its file's mapped tests instead.

Each mutant is applied to its own temporary copy of the package (and of the
tests; the working tree is never modified), so ``--jobs`` runs them in
parallel safely; chapters run with ``PYTHONPATH`` pointing at that copy, each
in a fresh kernel with a time limit, and stop at the first failure. A check
that runs out of time counts as killed. The unmutated package is run first on
every check a sample needs: if one fails without any mutation, nothing is
measured. That unmutated run is measured with coverage.py, so each result
says whether any of its checks executes the mutated line (``reached``): a
survivor that is not reached needs a check that runs its line, one that is
reached needs a check that looks at what the line computes. Survivors listed
in ``tools/mutants_equivalent.txt`` (with the reason) are reported as
equivalent, not as survivors. Results go to ``--out`` as JSON, rewritten
after every mutant.
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
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "micrograd_plus"
CHAPTERS = ROOT / "docs" / "chapters"
TESTS = ROOT  # holds tests/ and pyproject.toml; a snapshot of them during a run
EQUIVALENT = ROOT / "tools" / "mutants_equivalent.txt"
ENGINE = ("01_tensors", "02_layers")
APPENDIX = "10_from_pytorch"  # checks that every default shared with torch is torch's
# File (or folder) -> the chapters that teach it; the first match wins.
BOOK_MAP = (
    ("nn/losses/", ("03_losses",)),
    ("optim/lbfgs.py", ("05_curvature",)),
    ("autograd/functional.py", ("05_curvature",)),
    ("optim/lr_scheduler/", ("04_optimizers", "06_training")),
    ("optim/", ("04_optimizers",)),
    ("ops/arithmetic.py", ENGINE),
    ("ops/elementwise.py", ENGINE),
    ("ops/reduce.py", ENGINE),
    ("ops/linalg.py", ENGINE),
    ("ops/_broadcast.py", ENGINE),
    ("autograd/engine.py", ENGINE),
    ("autograd/function.py", ENGINE),
    ("autograd/gradcheck.py", ENGINE),
    ("autograd/grad_mode.py", ENGINE),
    ("nn/module.py", ("02_layers",)),
    ("nn/layers.py", ("02_layers",)),
    ("nn/normalization.py", ("02_layers",)),
    ("nn/functional.py", ("02_layers",)),
    ("nn/init.py", ("02_layers",)),
)
C1, C2, C3, C4, C5, C6 = (
    "01_tensors",
    "02_layers",
    "03_losses",
    "04_optimizers",
    "05_curvature",
    "06_training",
)
# What the book teaches, function by function (``--scope book``): package file ->
# qualified name -> the chapters that teach it. "Taught" means one of:
#   (a) a chapter prints its source ({literalinclude} with :pyobject:);
#   (b) a chapter calls it by its public name (a class, function or method) and
#       asserts on what it returns or does; a class covers all its methods;
#   (c) it is the functional form or update rule a taught class delegates its
#       computation to (``mse_loss`` for ``MSELoss``), or the backward rule
#       defined beside a taught op (``_tanh_backward`` for ``tanh``).
# Private helpers are not taught unless listed. A mutant belongs to the innermost
# listed name that encloses it; module-level code is never taught.
# tests/test_mutants_tool.py checks every name exists and every :pyobject: is here.
TAUGHT: dict[str, dict[str, tuple[str, ...]]] = {
    "ops/arithmetic.py": dict.fromkeys(
        ("add", "sub", "rsub", "mul", "div", "rdiv", "neg", "pow", "_pow_const"), ENGINE
    ),
    "ops/elementwise.py": dict.fromkeys(
        (
            "exp",
            "_times_output",
            "log",
            "_over_input",
            "tanh",
            "_tanh_backward",
            "relu",
            "sigmoid",
            "_sigmoid_backward",
        ),
        ENGINE,
    ),
    "ops/reduce.py": dict.fromkeys(("sum", "mean"), ENGINE),
    "ops/linalg.py": dict.fromkeys(
        ("matmul", "_matmul2d_backward", "linear", "_rows", "t_matmul"), ENGINE
    ),
    "ops/_broadcast.py": {"unbroadcast": ENGINE},
    "autograd/engine.py": {
        "backward": ENGINE,
        "_accumulate_leaf": (*ENGINE, C6),
        "topological_order": (C1,),
        "is_grad_enabled": (C1,),
        "grad": (C1, C5),
    },
    "autograd/function.py": {"Function": (C1,), "Context.save_for_backward": (C1,)},
    "autograd/gradcheck.py": {"numerical_gradient": (C1,), "gradient_check": ENGINE},
    "autograd/grad_mode.py": {"no_grad": ENGINE},
    "autograd/functional.py": dict.fromkeys(("jacobian", "hessian", "hvp"), (C5,)),
    "nn/module.py": {
        "Parameter": (C2,),
        "Sequential": (C2, C6),
        **dict.fromkeys(
            (
                "Module.__call__",
                "Module.__setattr__",
                "Module.parameters",
                "Module.named_parameters",
                "Module.modules",
                "Module.named_modules",
                "Module.zero_grad",
            ),
            (C2,),
        ),
        **dict.fromkeys(
            ("Module.train", "Module.eval", "Module.state_dict", "Module.load_state_dict"),
            (C2, C6),
        ),
    },
    "nn/layers.py": {
        **dict.fromkeys(("Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU"), (C2,)),
        **dict.fromkeys(("Dropout", "dropout"), (C2, C6)),
    },
    "nn/normalization.py": {
        "BatchNorm1d": (C2, C6),
        **dict.fromkeys(("batch_norm", "LayerNorm", "layer_norm"), (C2,)),
    },
    "nn/functional.py": {"softmax": (C3,), "log_softmax": (C3, C5)},
    "nn/utils/clip_grad.py": {"clip_grad_norm_": (C4, C6), "clip_grad_value_": (C4,)},
    "nn/losses/modules.py": dict.fromkeys(
        (
            "MSELoss",
            "L1Loss",
            "HuberLoss",
            "SmoothL1Loss",
            "CrossEntropyLoss",
            "NLLLoss",
            "BCELoss",
            "BCEWithLogitsLoss",
            "KLDivLoss",
            "GaussianNLLLoss",
            "PoissonNLLLoss",
        ),
        (C3,),
    ),
    "nn/losses/regression.py": dict.fromkeys(
        ("mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss"), (C3,)
    ),
    "nn/losses/cross_entropy.py": dict.fromkeys(("cross_entropy", "nll_loss"), (C3,)),
    "nn/losses/binary.py": dict.fromkeys(
        ("binary_cross_entropy", "binary_cross_entropy_with_logits"), (C3,)
    ),
    "nn/losses/probabilistic.py": dict.fromkeys(
        ("kl_div", "gaussian_nll_loss", "poisson_nll_loss"), (C3,)
    ),
    "optim/optimizer.py": dict.fromkeys(
        ("Optimizer.__init__", "Optimizer.step", "Optimizer.zero_grad"), (C4,)
    ),
    "optim/sgd.py": {"sgd_update": (C4,), "SGD": (C4,)},
    "optim/adam.py": {"adam_update": (C4,), "Adam": (C4,), "AdamW": (C4, C6)},
    "optim/adagrad.py": dict.fromkeys(("adagrad_update", "Adagrad"), (C4,)),
    "optim/rmsprop.py": dict.fromkeys(("rmsprop_update", "RMSprop"), (C4,)),
    "optim/lbfgs.py": dict.fromkeys(("two_loop", "strong_wolfe", "LBFGS"), (C5,)),
    "optim/lr_scheduler/base.py": {
        "LRScheduler.step": (C4, C6),
        "LRScheduler.get_last_lr": (C4,),
    },
    "optim/lr_scheduler/decay.py": dict.fromkeys(
        ("StepLR", "MultiStepLR", "ExponentialLR", "LinearLR", "LambdaLR"), (C4,)
    ),
    "optim/lr_scheduler/cosine.py": {"CosineAnnealingLR": (C4, C6)},
    "optim/lr_scheduler/plateau.py": {"ReduceLROnPlateau": (C4,)},
    "optim/lr_scheduler/combined.py": {"SequentialLR": (C4,)},
}
# Methods of a taught class that no chapter runs (the class covers its other
# methods): library scope only. L-BFGS's state restore runs only when a state
# is loaded; chapter 5 saves one (state_dict) but loads none.
NOT_TAUGHT: dict[str, tuple[str, ...]] = {"optim/lbfgs.py": ("LBFGS._load_state_entry",)}
LIBRARY = ("ops/", "autograd/", "nn/", "optim/", "utils/data/", "checkpoint.py")
DOUBLE_BACKWARD = ("test_double_backward_ops.py", "test_double_backward_nn.py")
# File (or folder) -> the unit tests that exercise it; the first match wins.
TEST_MAP = (
    ("optim/lbfgs.py", ("test_lbfgs.py", "test_torch_defaults.py", "test_mutants_pinned.py")),
    (
        "optim/lr_scheduler/",
        (
            "test_schedulers.py",
            "test_schedulers_pinned.py",
            "test_schedulers_torch.py",
            "test_torch_defaults.py",
            "test_mutants_pinned.py",
        ),
    ),
    (
        "optim/",
        (
            "test_optimizers.py",
            "test_optimizer_attributes.py",
            "test_optimizer_inputs.py",
            "test_adam_foreach.py",
            "test_torch_defaults.py",
            "test_mutants_pinned.py",
        ),
    ),
    (
        "nn/losses/",
        (
            "test_losses.py",
            "test_losses_likelihood.py",
            "test_losses_pinned.py",
            "test_torch_defaults.py",
            "test_mutants_pinned.py",
        ),
    ),
    ("nn/utils/", ("test_clip.py", "test_torch_defaults.py")),
    (
        "nn/",
        (
            "test_layers.py",
            "test_module.py",
            "test_containers.py",
            "test_torch_nn_habits.py",
            "test_torch_defaults.py",
            "test_mutants_pinned.py",
        ),
    ),
    (
        "autograd/functional.py",
        ("test_autograd_functional.py", "test_higher_order.py", "test_torch_defaults.py"),
    ),
    (
        "autograd/",
        (
            "test_tensor.py",
            "test_higher_order.py",
            "test_ops.py",
            "test_new_primitives.py",
            "test_bad_input.py",
            "test_torch_backward.py",
            "test_torch_defaults.py",
            "test_mutants_pinned.py",
        ),
    ),
    (
        "ops/composites.py",
        (
            "test_fuzz_composites.py",
            "test_torch_names.py",
            "test_torch_habits.py",
            "test_ops.py",
            "test_torch_silent_differences.py",
            "test_torch_defaults.py",
            "test_mutants_pinned.py",
        ),
    ),
    (
        "ops/",
        (
            "test_ops.py",
            "test_tensor.py",
            "test_ops_properties.py",
            "test_new_primitives.py",
            "test_bad_input.py",
            "test_torch_silent_differences.py",
            "test_torch_defaults.py",
            "test_mutants_pinned.py",
        ),
    ),
    (
        "utils/data/",
        (
            "test_data.py",
            "test_datasets.py",
            "test_torch_data.py",
            "test_bad_input.py",
            "test_torch_defaults.py",
            "test_mutants_pinned.py",
        ),
    ),
    (
        "checkpoint.py",
        (
            "test_checkpoint.py",
            "test_hostile_files.py",
            "test_mutants_pinned.py",
        ),
    ),
)

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
    where: str = ""  # qualified name of the innermost enclosing function or class
    default: bool = False  # inside a default argument of a def
    col: int = 0  # column of the changed node, from 1 (as editors count)
    text: str = ""  # the changed line as written, stripped: who it is when lines move


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


def _enclosing(tree: ast.AST) -> dict[int, str]:
    """``id(node)`` -> qualified name of the innermost def or class around it."""
    out: dict[int, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = f"{name}.{node.name}" if name else node.name
        out[id(node)] = name
        for child in ast.iter_child_nodes(node):
            visit(child, name)

    visit(tree, "")
    return out


def _in_defaults(tree: ast.AST) -> set[int]:
    """Nodes inside the default values of a function's arguments."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for value in (*node.args.defaults, *filter(None, node.args.kw_defaults)):
                inside.update(id(n) for n in ast.walk(value))
    return inside


def taught(rel: str, where: str) -> tuple[str, ...]:
    """The chapters that teach ``where`` (a qualified name) in package file ``rel``."""
    names = TAUGHT.get(rel, {})
    if any(f"{where}.".startswith(f"{n}.") for n in NOT_TAUGHT.get(rel, ())):
        return ()
    parts = where.split(".") if where else []
    for end in range(len(parts), 0, -1):  # the innermost listed name wins
        if ".".join(parts[:end]) in names:
            return names[".".join(parts[:end])]
    return ()


def _lookup(table: tuple, rel: str) -> tuple[str, ...]:
    """What ``table`` maps package-relative file ``rel`` to (``()`` if nothing)."""
    return next((v for prefix, v in table if rel.startswith(prefix)), ())


def _sources(scope: str) -> list[Path]:
    files = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")
    rel = [str(p.relative_to(PACKAGE)) for p in files]
    if scope == "book":
        return [p for p, r in zip(files, rel, strict=True) if r in TAUGHT]
    return [p for p, r in zip(files, rel, strict=True) if r.startswith(LIBRARY)]


def enumerate_mutants(scope: str = "book") -> list[Mutant]:
    mutants: list[Mutant] = []
    for path in _sources(scope):
        tree = ast.parse(path.read_text())
        skip, where, defaults = _not_mutated(tree), _enclosing(tree), _in_defaults(tree)
        rel = str(path.relative_to(ROOT))
        lines = path.read_text().splitlines()
        for index, node in enumerate(ast.walk(tree)):
            name = where[id(node)]
            if id(node) in skip or (scope == "book" and not taught(_in_package(rel), name)):
                continue
            for variant, (change, _) in enumerate(_variants(node)):
                mutant = Mutant(len(mutants), rel, node.lineno, change, index, variant, name)
                mutant.default = id(node) in defaults
                mutant.col = node.col_offset + 1
                mutant.text = lines[node.lineno - 1].strip()
                mutants.append(mutant)
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
    if os.environ.get("MUTANT_COVERAGE"):  # before the import, so import-time lines count
        check = (
            "import coverage, os\n"
            "_mutants_coverage = coverage.Coverage(data_file=os.environ['MUTANT_COVERAGE'], "
            "source=[os.path.join(os.environ['MUTANT_ROOT'], 'micrograd_plus')])\n"
            f"_mutants_coverage.start()\n{check}"
        )
        save = "_mutants_coverage.stop()\n_mutants_coverage.save()"
        notebook.cells.append(nbformat.v4.new_code_cell(save))
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


def _run_chapter(name: str, root: str, limit: float, coverage: str = "") -> str:
    """'passed', 'failed', 'timeout' or 'setup' for one chapter against ``root``.

    With ``coverage`` (a data file), the lines of the package it runs are recorded there.
    """
    env = dict(os.environ, PYTHONPATH=root, MUTANT_ROOT=root, PYTHONDONTWRITEBYTECODE="1")
    env["MUTANT_COVERAGE"] = coverage
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


def _test_paths(tests: tuple[str, ...]) -> list[str]:
    """Test files (``test_x.py``) or node ids (``tests/test_x.py::test_y``) as pytest args."""
    return [t if "/" in t else f"tests/{t}" for t in tests]


def _run_tests(
    tests: tuple[str, ...], root: str, limit: float, coverage: str = "", mutated: bool = True
) -> str:
    """'passed', 'failed' or 'timeout' for unit tests (files or node ids) run against ``root``.

    With ``coverage`` (a data file), the lines of the package they run are recorded there.
    Under ``--fast`` a mutant's tests run in a warm process (``_warm_tests``).
    """
    if _FAST.enabled and mutated and not coverage:
        return _warm_tests(tests, root, limit)
    env = dict(os.environ, PYTHONPATH=root, PYTHONDONTWRITEBYTECODE="1")
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [sys.executable, "-m"]
    if coverage:
        source = os.path.join(root, "micrograd_plus")
        command += ["coverage", "run", f"--data-file={coverage}", f"--source={source}", "-m"]
    command += ["pytest", *PYTEST_ARGS, *_test_paths(tests)]
    proc = subprocess.Popen(
        command,
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "timeout"
    # 2-5: interrupted, internal error, usage, none collected. On the unmutated package that
    # is a broken setup; on a mutant (whose unmutated run passed) a package that no longer
    # imports, which kills it.
    if proc.returncode not in (0, 1) and not mutated:
        raise RuntimeError(f"pytest could not run {tests}:\n{out.decode()[-2000:]}")
    return "passed" if proc.returncode == 0 else "failed"


PYTEST_ARGS = ("-x", "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=")


# pytest's own start-up is most of a mutant's time here: rewriting the asserts of every test
# module (0.5 s), anyio's plugin (0.4 s), the collections of the unraisable-exception
# plugins (0.3 s). None of them decides whether a test passes.
WARM_ARGS = (*PYTEST_ARGS, "--doctest-modules", "--assert=plain", "-p", "no:anyio")
WARM_ARGS += ("-p", "no:unraisableexception", "-p", "no:threadexception")


class _FAST:  # --fast: mutants' tests run in warm processes, one per thread
    enabled = False
    servers = threading.local()


def _warm_tests(tests: tuple[str, ...], root: str, limit: float) -> str:
    """``_run_tests`` for a mutant in this thread's warm process (tools/warm_pytest.py)."""
    if getattr(_FAST.servers, "server", None) is None:
        sys.path.insert(0, str(Path(__file__).parent))
        from warm_pytest import WarmPytest

        _FAST.servers.server = WarmPytest()
    server = _FAST.servers.server
    args = [*WARM_ARGS, *_test_paths(tests)]
    code = server.run(root, args, limit)
    if code is None:
        return "timeout"
    if code not in (0, 1) and any("::" in t for t in tests):
        # A node id pytest cannot find (or a package that no longer imports): run the
        # files those tests are in, which tells the two apart.
        files = tuple(dict.fromkeys(t.partition("::")[0] for t in tests))
        code = server.run(root, [*WARM_ARGS, *files], limit)
        if code is None:
            return "timeout"
    return "passed" if code == 0 else "failed"


def line_tests(root: str, jobs: int) -> dict[tuple[str, int], tuple[str, ...]]:
    """Which unit tests (and doctests) execute each line of the package in ``root``.

    One run of the whole unit suite (``-m "not book"``) under coverage, with a
    context per test (pytest-cov's ``--cov-context=test``). Keys are
    ``(file relative to root, line)``; lines run only at import (a ``def``, a
    default, a class attribute) have no test of their own and are not keys.
    """
    import coverage  # the mutants session installs it (and pytest-cov)

    data_file = os.path.join(root, ".coverage-contexts")
    env = dict(os.environ, PYTHONPATH=root, PYTHONDONTWRITEBYTECODE="1", COVERAGE_FILE=data_file)
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts="]
    command += ["--doctest-modules", "-m", "not book", "-n", str(jobs), "-rfE"]
    command += ["--continue-on-collection-errors", "--durations=0", "--durations-min=0"]
    command += [f"--cov={os.path.join(root, 'micrograd_plus')}", "--cov-context=test"]
    command += ["--cov-report=", "tests", "micrograd_plus"]
    proc = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"the unit tests did not run:\n{proc.stdout[-3000:]}")
    # Tests that need what a mutant's copy lacks (the chapters, the README, tools/) fail
    # here as they would there: leave their files out, or every mutant they reach dies.
    broken = {
        line.split()[1].partition("::")[0]
        for line in proc.stdout.splitlines()
        if line.startswith(("FAILED ", "ERROR "))
    }
    seconds: dict[str, float] = {}
    for line in proc.stdout.splitlines():
        took, _, rest = line.partition("s ")
        phase, _, node = rest.partition(" ")
        if phase in ("setup", "call", "teardown") and took.replace(".", "").isdigit():
            seconds[node] = seconds.get(node, 0.0) + float(took)
    data = coverage.CoverageData(basename=data_file)
    data.read()
    out = {}
    for file in data.measured_files():
        rel = str(Path(file).relative_to(root))
        for line, contexts in data.contexts_by_lineno(file).items():
            nodes = {c.rpartition("|")[0] for c in contexts if c}
            # Quickest first: most mutants die in the first test that fails (``-x``).
            nodes = sorted(
                (n for n in nodes if n.partition("::")[0] not in broken),
                key=lambda n: (seconds.get(n, 0.0), n),
            )
            if nodes:
                out[(rel, line)] = tuple(nodes)
    return out


def checks(rel: str, scope: str, where: str | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """The checks a mutant of package file ``rel`` runs, cheapest first.

    Each is ``("tests", files)`` or ``("chapter", (name,))``. In the book scope a
    mutant inside ``where`` (a qualified name) runs the chapters that teach it;
    otherwise, the chapters that teach the file.
    """
    out: list[tuple[str, tuple[str, ...]]] = []
    if scope == "library":
        tests = _lookup(TEST_MAP, rel)
        if rel.startswith(("ops/", "autograd/", "nn/")):
            tests = (*tests, *DOUBLE_BACKWARD)
        if tests:
            out.append(("tests", tests))
    chapters = taught(rel, where) if scope == "book" and where else _lookup(BOOK_MAP, rel)
    out += [("chapter", (c,)) for c in chapters]
    return out


def _copy(root: str, with_tests: bool) -> None:
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PACKAGE, Path(root) / "micrograd_plus", ignore=ignore)
    if with_tests:
        shutil.copytree(TESTS / "tests", Path(root) / "tests", ignore=ignore)
        shutil.copy(TESTS / "pyproject.toml", root)


def run_checks(mutant: Mutant | None, plan: list, limit: float, reach: dict | None = None) -> dict:
    """Apply ``mutant`` (None: no change) to a copy of the package and run ``plan`` on it.

    With ``reach`` (a dict), each check's executed lines (``{file: lines}``, files relative
    to the repository root) are stored in it under the check.
    """
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutant-") as root:
        _copy(root, with_tests=any(kind == "tests" for kind, _ in plan))
        if mutant is not None:
            (Path(root) / mutant.file).write_text(mutated_source(mutant))
        verdict, by = "survived", None
        for k, (kind, what) in enumerate(plan):
            data = os.path.join(root, f"coverage-{k}") if reach is not None else ""
            if kind == "tests":
                outcome = _run_tests(what, root, limit, data, mutant is not None)
            else:
                outcome = _run_chapter(what[0], root, limit, data)
            if outcome == "setup":
                raise RuntimeError(f"the kernel did not import the copy in {root}")
            if outcome != "passed":
                verdict = "timeout" if outcome == "timeout" else "killed"
                by = f"{len(what)} tests that run the line" if "::" in what[0] else ",".join(what)
                break
            if data:
                reach[(kind, what)] = _executed(data, root)
    seconds = time.perf_counter() - start
    return {"verdict": verdict, "by": by, "seconds": round(seconds, 1)}


def _executed(data_file: str, root: str) -> dict[str, set[int]]:
    """The lines a coverage data file records, by file relative to ``root``."""
    import coverage  # the mutants session installs it; nothing else needs it

    data = coverage.CoverageData(basename=data_file)
    data.read()
    return {str(Path(f).relative_to(root)): set(data.lines(f) or ()) for f in data.measured_files()}


# ------------------------------------------------------------------ command line
def _key(m: dict | Mutant) -> tuple[str, int, str]:
    m = m if isinstance(m, dict) else asdict(m)
    return (m["file"], m["line"], m["change"])


def _equivalent() -> dict[tuple, str]:
    """``file:line: change  # reason`` lines of tools/mutants_equivalent.txt.

    ``file:line:col: change`` names the one mutant at that column, where the same
    change on that line names several. Keys: ``_key`` and ``(*_key, col)``.
    """
    out = {}
    for line in EQUIVALENT.read_text().splitlines() if EQUIVALENT.exists() else []:
        if line.strip() and not line.startswith("#"):
            where, _, rest = line.partition(": ")
            change, _, reason = rest.partition("  # ")
            file, number, *col = where.split(":")
            if not reason.strip():
                raise ValueError(f"{EQUIVALENT.name}: no reason given in {line!r}")
            key = (file, int(number), change.strip(), *(int(c) for c in col))
            out[key] = reason.strip()
    return out


def _equivalent_reason(m: dict, table: dict) -> str | None:
    return table.get((*_key(m), m.get("col", 0))) or table.get(_key(m))


def _same(m: dict) -> tuple:
    """Who a mutant is, whatever line its code has moved to."""
    return (m["file"], m["where"], m["change"], m["col"], m["text"])


def _identity(results: list[dict]):
    """``_same`` for results that record their line's text; ``_key`` for older ones."""
    return _same if all("text" in r for r in results) else _key


def _select(mutants: list[Mutant], args) -> list[Mutant]:
    if args.survivors:
        old = json.loads(args.survivors.read_text())["results"]
        key = _identity(old)
        wanted = {key(r) for r in old if r["verdict"] == "survived"}
        found = [m for m in mutants if key(asdict(m)) in wanted]
        for gone in wanted - {key(asdict(m)) for m in found}:
            print(f"no longer a mutant (the source moved?): {gone}", file=sys.stderr)
        return found
    if args.ids:
        wanted = [int(i) for i in args.ids.split(",")]
        return [mutants[i] for i in wanted]
    if args.exclude:  # sample only what no earlier run has measured: a fresh sample
        measured = json.loads(args.exclude.read_text())["results"]
        key = _identity(measured)
        seen = {key(r) for r in measured}
        mutants = [m for m in mutants if key(asdict(m)) not in seen]
        print(f"{len(mutants)} mutants not in {args.exclude}", flush=True)
    if args.sample:
        return sorted(random.Random(args.seed).sample(mutants, args.sample), key=lambda m: m.id)
    if args.shuffle:  # a census whose every file has results from the start
        return random.Random(args.seed).sample(mutants, len(mutants))
    return mutants


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print the mutants and exit")
    parser.add_argument("--scope", choices=("book", "library"), default="book")
    parser.add_argument("--sample", type=int, help="run a random sample of N mutants")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument("--ids", help="comma-separated mutant numbers to run")
    parser.add_argument("--survivors", type=Path, help="rerun the survivors of this JSON")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--limit", type=float, default=240, help="seconds per check (240)")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument(
        "--fast",
        action="store_true",
        help="library scope: run only the unit tests that execute the mutated line, in a "
        "warm process (after one coverage run of the whole unit suite)",
    )
    parser.add_argument(
        "--tests-only",
        action="store_true",
        help="library scope: unit tests only, no chapters (for a census of every mutant)",
    )
    parser.add_argument(
        "--exclude", type=Path, help="sample only mutants not in this JSON's results"
    )
    parser.add_argument(
        "--shuffle", action="store_true", help="run all mutants in a random order (--seed)"
    )
    parser.add_argument(
        "--check",
        help="run only these tests (comma-separated files or node ids) on each mutant: "
        "does a new test kill it?",
    )
    parser.add_argument("--execute", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if (args.fast or args.tests_only) and args.scope != "library":
        parser.error("--fast and --tests-only need --scope library (the book runs chapters)")

    if args.execute:
        return execute_chapter(args.execute, args.limit)
    if args.list:
        return _list(args)
    # The package, chapters and tests as they are now: edits during a run change nothing.
    with tempfile.TemporaryDirectory(prefix="mutants-snapshot-") as snapshot:
        _snapshot(Path(snapshot))
        return _measure(_select(enumerate_mutants(args.scope), args), args)


def _list(args) -> int:
    mutants = enumerate_mutants(args.scope)
    chosen = _select(mutants, args)
    for m in chosen:
        print(f"{m.id:4d}  {m.file}:{m.line}:{m.col}  {m.change}  [{m.where}]")
    print(f"{len(chosen)} of {len(mutants)} mutants ({args.scope} scope)")
    return 0


def _snapshot(snapshot: Path) -> None:
    global ROOT, PACKAGE, CHAPTERS, TESTS
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PACKAGE, snapshot / "micrograd_plus", ignore=ignore)
    shutil.copytree(CHAPTERS, snapshot / "chapters")
    shutil.copytree(ROOT / "tests", snapshot / "tests", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", snapshot)
    ROOT = TESTS = snapshot
    PACKAGE, CHAPTERS = snapshot / "micrograd_plus", snapshot / "chapters"


def _in_package(file: str) -> str:
    return file.removeprefix("micrograd_plus/")


def _plan(m: Mutant, args, lines: dict | None = None) -> list:
    """``checks`` for ``m``; with ``lines`` (``--fast``), the tests that run its line."""
    if args.check:
        return [("tests", tuple(args.check.split(",")))]
    scope, chapters = args.scope, not args.tests_only
    plan = checks(_in_package(m.file), scope, m.where)
    if not chapters:
        plan = [c for c in plan if c[0] == "tests"]
    if scope == "book" and m.default and plan:
        plan.append(("chapter", (APPENDIX,)))
    if lines and (m.file, m.line) in lines:
        chapters = [c for c in plan if c[0] == "chapter"]
        plan = [("tests", lines[(m.file, m.line)]), *chapters]
    return plan


def _baseline(chosen: list[Mutant], args) -> dict | None:
    """Run every check the sample needs on the unmutated package once, under coverage.

    Returns the lines each check executes (see ``run_checks``), or None if one fails.
    Under ``--fast`` the unit tests' run is ``line_tests``'s, so only chapters run here.
    """
    needed, reach = [], {}
    for m in chosen:
        plan = [c for c in _plan(m, args) if not (args.fast and c[0] == "tests")]
        needed += [c for c in plan if c not in needed]
    result = run_checks(None, needed, args.limit, reach)
    if result["verdict"] != "survived":
        print(f"the unmutated library fails {result['by']}: fix it first", file=sys.stderr)
        return None
    print(f"unmutated: {len(needed)} checks pass in {result['seconds']} s", flush=True)
    return reach


def _reached(m: Mutant, plan: list, reach: dict) -> bool:
    """Whether any check of ``plan`` executes the line ``m`` changes (unmutated)."""
    if (m.file, m.line) in reach.get("lines", {}):  # --fast: a test runs it
        return True
    return any(m.line in reach[check].get(m.file, ()) for check in plan if check in reach)


def _measure(chosen: list[Mutant], args) -> int:
    lines = None
    if args.fast:
        start = time.perf_counter()
        lines = line_tests(str(ROOT), args.jobs)
        _FAST.enabled = True
        print(f"tests per line: {len(lines)} lines in {time.perf_counter() - start:.0f} s")
    reach = _baseline(chosen, args)
    if reach is None:
        return 2
    reach["lines"] = lines or {}
    print(f"{len(chosen)} mutants ({args.scope} scope)", flush=True)
    results: list[dict] = []
    lock = threading.Lock()
    start = time.perf_counter()

    def one(m: Mutant) -> dict:
        plan = _plan(m, args, lines)
        result = {**asdict(m), **run_checks(m, plan, args.limit)}
        result["reached"] = _reached(m, plan, reach)
        print(
            f"{m.id:4d} {result['verdict']:8s} {m.file}:{m.line}  {m.change}"
            f"  ({result['seconds']} s{', ' + result['by'] if result['by'] else ''})",
            flush=True,
        )
        with lock:
            results.append(result)
            _write(results, time.perf_counter() - start, args)
        return result

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(one, chosen))
    return _report(results, time.perf_counter() - start, args)


def _summary(results: list[dict], wall: float, args) -> dict:
    equivalent = _equivalent()
    for r in results:
        survived = r["verdict"] == "survived"
        r["equivalent"] = _equivalent_reason(r, equivalent) if survived else None
    killed = sum(r["verdict"] != "survived" for r in results)
    counted = [r for r in results if not r["equivalent"]]
    n = len(results)
    return {
        "scope": args.scope,
        "seed": args.seed if args.sample or args.shuffle else None,
        "killed": killed,
        "total": n,
        "equivalent": n - len(counted),
        "survived_not_reached": sum(
            not r["reached"] for r in counted if r["verdict"] == "survived"
        ),
        "kill_rate_non_equivalent": killed / len(counted) if counted else None,
        "seconds_per_mutant": sum(r["seconds"] for r in results) / n if n else None,
        "wall_seconds": round(wall),
    }


def _write(results: list[dict], wall: float, args) -> None:
    if args.out:
        ordered = sorted(results, key=lambda r: r["id"])
        summary = _summary(ordered, wall, args)
        args.out.write_text(json.dumps({"summary": summary, "results": ordered}, indent=1) + "\n")


def _report(results: list[dict], wall: float, args) -> int:
    results.sort(key=lambda r: r["id"])
    s = _summary(results, wall, args)
    rate = s["kill_rate_non_equivalent"]
    print(
        f"\nkilled {s['killed']} of {s['total']} mutants, {s['equivalent']} equivalent: "
        f"{'n/a' if rate is None else f'{rate:.0%}'} of the non-equivalent; survivors:"
    )
    for r in results:
        if r["verdict"] == "survived":
            note = f"  (equivalent: {r['equivalent']})" if r["equivalent"] else ""
            note = note or ("" if r["reached"] else "  (no check runs this line)")
            print(f"  #{r['id']:<4d} {r['file']}:{r['line']}  {r['change']}{note}")
    print(f"{s['seconds_per_mutant'] or 0:.1f} s per mutant, {wall:.0f} s wall, {args.jobs} jobs")
    _write(results, wall, args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
