"""What of PyTorch this library implements, and where it deliberately differs.

The book's appendix "From micrograd_plus to PyTorch" renders these tables, and
``tests/test_conformance.py`` checks every row against an installed torch: each
name listed under a torch namespace must exist there too, and each difference
must still be one.

Examples
--------
>>> from micrograd_plus.book.conformance import torch_names
>>> "CrossEntropyLoss" in torch_names("torch.nn")
True
"""

from __future__ import annotations

import importlib
import inspect
import math
from dataclasses import dataclass
from types import ModuleType

__all__ = [
    "NAMESPACES",
    "EXTRAS",
    "NAMESAKES",
    "extras",
    "TORCH_HOME",
    "BUILTIN_NAMES",
    "Difference",
    "DIFFERENCES",
    "torch_names",
    "torch_path",
    "tensor_methods",
    "DEFAULT_DIFFERENCES",
    "default_differences",
]

#: Each torch namespace and the micrograd_plus module holding the same names.
NAMESPACES = {
    "torch": "micrograd_plus",
    "torch.autograd": "micrograd_plus.autograd",
    "torch.autograd.functional": "micrograd_plus.autograd.functional",
    "torch.nn": "micrograd_plus.nn",
    "torch.nn.functional": "micrograd_plus.nn.functional",
    "torch.nn.init": "micrograd_plus.nn.init",
    "torch.nn.utils": "micrograd_plus.nn.utils",
    "torch.optim": "micrograd_plus.optim",
    "torch.optim.lr_scheduler": "micrograd_plus.optim.lr_scheduler",
    "torch.utils.data": "micrograd_plus.utils.data",
}

#: Public names that torch does not have under the matching namespace: the book's
#: helpers (data sets, the training loop, safe checkpoints) and the engine's insides.
EXTRAS = frozenset(
    {
        "BatchNorm", "Context", "Fresh", "topological_order", "gradient_check",
        "numerical_gradient", "GradCheckResult", "sgd_update", "adam_update",
        "rmsprop_update", "adagrad_update", "Loss", "gelu_tanh", "fit", "train_epoch",
        "evaluate", "accuracy", "confusion_matrix", "History", "save_model", "load_model",
        "save_checkpoint", "load_checkpoint", "train_test_split", "one_hot", "standardize",
        "normalize", "make_spiral", "make_moons", "make_blobs", "make_regression",
        "load_fashion_mnist", "load_mnist", "read_idx", "download_file",
        "DatasetNotFoundError", "FASHION_MNIST_CLASSES", "CollateError", "lr_find",
    }
)  # fmt: skip


#: Extras of one namespace that are torch's own names in another: the book's
#: ``utils.data.normalize``/``one_hot`` are extras, ``nn.functional``'s are torch's.
NAMESAKES = {"torch.nn.functional": frozenset({"normalize", "one_hot"})}


def extras(namespace: str) -> frozenset:
    """The :data:`EXTRAS` that are not torch names under ``namespace``."""
    return EXTRAS - NAMESAKES.get(namespace, frozenset())


#: torch's top-level names that are also Python builtins: ``micrograd_plus`` has them
#: (``mp.sum``, ``mp.float``) but keeps them out of ``__all__``, so that a star import
#: does not hide the builtins.
BUILTIN_NAMES = frozenset({"abs", "max", "min", "sum", "float", "int", "bool"})


#: Names that torch keeps in another namespace than the one micrograd_plus groups them in.
TORCH_HOME = {"is_grad_enabled": "torch"}


def torch_path(namespace: str, name: str) -> str:
    """Where torch keeps ``name`` of ``namespace``, e.g. ``"torch.is_grad_enabled"``."""
    return f"{TORCH_HOME.get(name, namespace)}.{name}"


def torch_names(namespace: str) -> list[str]:
    """The public names of the micrograd_plus module for ``namespace`` that torch also has.

    The top level re-exports the names of the sub-namespaces; those are listed under
    their own namespace (``SGD`` under ``torch.optim``), not under ``torch``.

    Parameters
    ----------
    namespace : str
        A key of :data:`NAMESPACES`, e.g. ``"torch.nn"``.
    """
    if namespace not in NAMESPACES:
        raise KeyError(f"namespace={namespace!r} is not one of {sorted(NAMESPACES)}")
    module = importlib.import_module(NAMESPACES[namespace])
    # Sub-packages are not names; the callable module micrograd_plus.tensor is torch.tensor.
    names = {n for n in module.__all__ if not _is_package_part(getattr(module, n))}
    if namespace == "torch":
        for other in set(NAMESPACES.values()) - {module.__name__}:
            names -= set(importlib.import_module(other).__all__)
        names |= {n for n in BUILTIN_NAMES if hasattr(module, n)}
    return sorted(names - extras(namespace))


def _is_package_part(value) -> bool:
    return isinstance(value, ModuleType) and not callable(value)


#: (namespace, name, argument) whose default is not torch's, and why.
DEFAULT_DIFFERENCES = {
    ("torch.nn.functional", "batch_norm", "running_mean"): "torch requires it; `None` uses "
    "the batch's statistics",
    ("torch.nn.functional", "batch_norm", "running_var"): "as `running_mean`",
    ("torch.utils.data", "random_split", "generator"): "torch's default is its global "
    "generator; `None` means ours (`manual_seed`)",
    ("torch.optim", "LBFGS.step", "closure"): "torch requires it; without one the error "
    "says to pass one",
}


def default_differences() -> tuple[int, dict]:
    """Compare the defaults of every argument a listed name shares with torch (needs torch).

    Functions, classes (their constructors) and the public methods of classes are
    compared. Returns the number of shared arguments with a default, and
    ``{(namespace, name, argument): (ours, torch's)}`` for those whose defaults differ
    (``name`` is ``"Class.method"`` for a method); the appendix and
    ``tests/test_torch_defaults.py`` check the differences are :data:`DEFAULT_DIFFERENCES`.
    """
    checked, differ = 0, {}
    for namespace, module_name in NAMESPACES.items():
        module = importlib.import_module(module_name)
        for name in torch_names(namespace):
            home, _, attribute = torch_path(namespace, name).rpartition(".")
            ours, theirs = getattr(module, name), getattr(importlib.import_module(home), attribute)
            for label, pair in _callables(name, ours, theirs):
                for arg, (mine, torchs) in _shared_defaults(*pair):
                    checked += 1
                    if not _same_default(mine, torchs):
                        differ[(namespace, label, arg)] = (mine, torchs)
    return checked, differ


def _callables(name: str, ours, theirs):
    """``(label, (ours, theirs))`` for the object and, for classes, their public methods."""
    yield name, (ours, theirs)
    if isinstance(ours, type) and isinstance(theirs, type):
        for method in dir(ours):
            pair = getattr(ours, method), getattr(theirs, method, None)
            if not method.startswith("_") and callable(pair[0]) and callable(pair[1]):
                yield f"{name}.{method}", pair


def _shared_defaults(ours, theirs):
    """``(argument, (our default, torch's))`` for the arguments both signatures name."""
    try:
        ours, theirs = inspect.signature(ours), inspect.signature(theirs)
    except (TypeError, ValueError):  # builtins without a signature
        return
    for arg in ours.parameters.values():
        if arg.default is not arg.empty and arg.name in theirs.parameters:
            yield arg.name, (arg.default, theirs.parameters[arg.name].default)


def _same_default(ours, theirs) -> bool:
    if isinstance(ours, bool) or isinstance(theirs, bool):  # True == 1, but not as a default
        return ours is theirs
    if isinstance(theirs, float) and math.isnan(theirs):
        return isinstance(ours, float) and math.isnan(ours)
    return ours is theirs or bool(ours == theirs)  # 0.0 == 0, as torch's docs mean


def tensor_methods() -> list[str]:
    """Public attributes of :class:`~micrograd_plus.Tensor` that torch's ``Tensor`` also has."""
    from ..tensor import Tensor

    return sorted(n for n in dir(Tensor) if not n.startswith("_") and n not in _TENSOR_EXTRAS)


# Tensor attributes of NumPy's vocabulary, kept for the book's NumPy readers (astype also
# lets a backward rule read the same on arrays and Tensors, see autograd.shared).
_TENSOR_EXTRAS = frozenset(
    {"clip", "maximum", "minimum", "where", "zero_grad", "gelu", "leaky_relu", "astype"}
)


@dataclass(frozen=True)
class Difference:
    """A place where micrograd_plus deliberately does not do what torch does."""

    topic: str
    micrograd_plus: str
    torch: str
    why: str
    #: What to write in torch to get what micrograd_plus does (empty where nothing applies).
    torch_line: str = ""


DIFFERENCES = [
    Difference(
        "`.grad`",
        "a NumPy array of the tensor's shape and dtype (a `Tensor` with a graph after "
        "`backward(create_graph=True)`, as in torch)",
        "a `Tensor`",
        "the optimizers of the book are NumPy code, and a learner can print and plot it directly",
        "`w.grad.numpy()`",
    ),
    Difference(
        "`Tensor([1, 2, 3])`, `arange(5)`",
        "float32 (Python numbers and lists become float32; `mp.tensor([1, 2, 3])` is int64, "
        "as torch's)",
        "`torch.Tensor([1, 2, 3])` is float32 too, but `torch.arange(5)` is int64",
        "a learner's data is a tensor to differentiate; integer tensors would truncate",
        "`torch.arange(5, dtype=torch.float32)`",
    ),
    Difference(
        "a float32 layer given float64 input (`x @ w` of mixed floats)",
        "promotes to float64, as NumPy and this library's two-tensor rule do; gradients keep "
        "each tensor's dtype",
        "`RuntimeError: mat1 and mat2 must have the same dtype`",
        "a floating NumPy array keeps its dtype here, so float64 data is common and works",
        "`model(x.float())` or `model.double()`",
    ),
    Difference(
        "a list of numbers as an operand",
        "`x * [1.0, 2.0]` works (a list of Tensors is a `TypeError`, as in torch)",
        "`TypeError` for any list",
        "NumPy's habit; a list of numbers is unambiguous",
        "`x * torch.tensor([1.0, 2.0])`",
    ),
    Difference(
        "random numbers",
        "NumPy's generators: `manual_seed`, `randn`, `nn.init` and `randint` repeat run after "
        "run, but are not torch's numbers; `generator=` takes a `numpy.random.Generator`",
        "torch's generator (`torch.Generator`)",
        "the library is NumPy; to get the very same weights, copy them with `from_torch`",
        "`from_torch(torch_model)` or `to_torch(model)`",
    ),
    Difference(
        "`Dropout(inplace=True)`",
        "accepted; the result is a new tensor (same values)",
        "overwrites the input",
        "an input overwritten in place would be missing from the graph's backward",
        "",
    ),
    Difference(
        "devices",
        "`.to('cpu')` does nothing, any other device is an error",
        "CPU, CUDA, MPS...",
        "the library is NumPy on the CPU",
        "`to_torch(model).to('cuda')`",
    ),
    Difference(
        "`t.size` without a call",
        "the number of elements, as NumPy's `size` (called, `t.size()` is torch's)",
        "the bound method `size`",
        "the book's code uses NumPy's vocabulary for arrays",
        "`t.numel()`",
    ),
    Difference(
        "saving",
        "`save_model`/`save_checkpoint` write `.npz` with JSON metadata",
        "`torch.save` pickles",
        "a file from someone else never runs code",
        "`torch.load(path, weights_only=True)`",
    ),
    Difference(
        "`load_state_dict` of another class",
        "an error that names the settings the state lacks (Adam and AdamW share one layout)",
        "loads an Adam state into SGD, or a StepLR state into CosineAnnealingLR, silently",
        "the mistake would otherwise go unnoticed until training behaves oddly",
    ),
    Difference(
        "cross-entropy whose class weights sum to zero",
        "loss NaN, gradient zero",
        "loss NaN, gradient NaN",
        "a step after such a batch must not write NaN into the weights",
    ),
    Difference(
        '`jacobian`/`hessian` with `strategy="forward-mode"`',
        "`NotImplementedError`; `vectorize=True` is accepted and gives the same values",
        "forward-mode AD (with `vectorize=True`)",
        "the engine is reverse mode only; the reverse-mode result is the same Jacobian",
    ),
    Difference(
        "`LBFGS` settings",
        "checked when the optimizer is built: `lr > 0`, positive whole `max_iter`, `max_eval` "
        "and `history_size`, `line_search_fn` None or `'strong_wolfe'`",
        "takes `lr=0`, `history_size=0` or `line_search_fn='wolfe'` and fails, or does "
        "nothing, at the first `step`",
        "the error points at the line with the mistake",
    ),
    Difference(
        "`DataLoader(X, y, batch_size=...)`",
        "also takes arrays directly, besides a `Dataset`",
        "a `Dataset` only",
        "the book's data sets are arrays",
        "`DataLoader(TensorDataset(X, y), batch_size=...)`",
    ),
    Difference(
        "`state_dict()`",
        "copies of the arrays: a saved state keeps its values while training goes on",
        "tensors that share storage with the parameters; keep a snapshot with "
        "`copy.deepcopy(model.state_dict())` or `{k: v.clone() for k, v in ...items()}`",
        "keeping the best weights (chapter 6) is a plain assignment; ported to torch "
        "without the copy it silently keeps the last weights",
    ),
    Difference(
        "in-place ops on recorded tensors",
        "`h = x * 2; h += 1` is an error that says to write it out of place, `h = h + 1`",
        "allowed where the op's backward does not need the old values; a version "
        "counter raises at `backward()` where it does",
        "one rule, checked where the change is made rather than at `backward()`",
    ),
    Difference(
        "`Tensor.zero_grad()`",
        "sets a tensor's `.grad` to `None` (chapter 1 uses it)",
        "no such method: write `t.grad = None`",
        "a leaf's gradient reset in one call, as `Module.zero_grad()` does for a model",
    ),
]
