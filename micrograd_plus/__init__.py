"""micrograd_plus: reverse-mode autodiff and neural networks on NumPy.

The public API is collected here; see the book for a guided tour.
"""

from . import autograd, nn, optim, utils
from . import tensor as _tensor_module
from .autograd import (
    Context,
    Function,
    detect_anomaly,
    enable_grad,
    grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .checkpoint import load_checkpoint, load_model, save_checkpoint, save_model
from .lr_finder import lr_find
from .nn import (
    GELU,
    BatchNorm,
    BatchNorm1d,
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Dropout,
    Embedding,
    Flatten,
    GaussianNLLLoss,
    HuberLoss,
    Identity,
    KLDivLoss,
    L1Loss,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    Module,
    ModuleDict,
    ModuleList,
    MSELoss,
    NLLLoss,
    Parameter,
    ParameterDict,
    ParameterList,
    PoissonNLLLoss,
    ReLU,
    Sequential,
    Sigmoid,
    SmoothL1Loss,
    Softmax,
    Tanh,
)
from .nn.utils import clip_grad_norm_, clip_grad_value_
from .ops.convert import DTYPE_NAMES as _DTYPE_NAMES
from .ops.creation import arange, eye, full, ones, ones_like, rand, randn, zeros, zeros_like
from .ops.elementwise import where
from .ops.functions import FUNCTIONS as _FUNCTIONS
from .ops.functions import CallableModule as _CallableModule
from .ops.functions import (
    bmm,
    einsum,
    from_numpy,
    linspace,
    manual_seed,
    mm,
    randint,
    randperm,
)
from .ops.shape import cat, concatenate, stack
from .optim import LBFGS, SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .optim.lr_scheduler import (
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiplicativeLR,
    MultiStepLR,
    OneCycleLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)
from .tensor import Tensor
from .training import History, accuracy, confusion_matrix, evaluate, fit, train_epoch
from .utils.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    load_fashion_mnist,
    load_mnist,
    make_blobs,
    make_moons,
    make_regression,
    make_spiral,
    normalize,
    one_hot,
    random_split,
    standardize,
    train_test_split,
)
from .utils.memory import keep_freed_memory_by_default as _keep_freed_memory

# torch names that are also Python builtins stay out of __all__, so that
# "from micrograd_plus import *" does not hide sum, max, float...: use mp.sum.
_BUILTIN_NAMES = frozenset({"abs", "max", "min", "sum", "float", "int", "bool"})

# torch's top-level functions (exp, sum, max, clamp, matmul, transpose...): the
# Tensor methods, called with the tensor first; nn.functional's where it has them.
_FUNCTIONS = {**_FUNCTIONS, **{n: getattr(nn.functional, n) for n in ("softmax", "log_softmax")}}
_FUNCTIONS.update((n, getattr(nn.functional, n)) for n in _FUNCTIONS if n in nn.functional.__all__)
globals().update(_FUNCTIONS)

# torch's dtype names, as NumPy dtypes: usable wherever dtype= is, and in .to().
globals().update(_DTYPE_NAMES)

# mp.tensor(data) is torch.tensor, while the module micrograd_plus.tensor stays
# importable as before: the module object itself becomes callable.
_tensor_module.__class__ = _CallableModule

# A step's temporaries reuse the last step's freed memory instead of page-faulting
# on fresh pages (see utils/memory.py; MICROGRAD_PLUS_KEEP_FREED_MEMORY=0 turns it off).
_keep_freed_memory()

__version__ = "0.1.0"

__all__ = [
    "autograd",
    "nn",
    "optim",
    "utils",
    "Tensor",
    "Function",
    "Context",
    "no_grad",
    "grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "detect_anomaly",
    "where",
    "cat",
    "concatenate",
    "stack",
    "zeros",
    "ones",
    "full",
    "zeros_like",
    "ones_like",
    "randn",
    "rand",
    "arange",
    "eye",
    "tensor",
    "from_numpy",
    "linspace",
    "randint",
    "randperm",
    "manual_seed",
    "mm",
    "bmm",
    "einsum",
    *(name for name in _FUNCTIONS if name not in _BUILTIN_NAMES),
    *(name for name in _DTYPE_NAMES if name not in _BUILTIN_NAMES),
    "Module",
    "Parameter",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "ParameterList",
    "ParameterDict",
    "Linear",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "GELU",
    "Softmax",
    "LogSoftmax",
    "Dropout",
    "BatchNorm",
    "BatchNorm1d",
    "LayerNorm",
    "Flatten",
    "Embedding",
    "Identity",
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
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "LBFGS",
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "ReduceLROnPlateau",
    "LambdaLR",
    "MultiplicativeLR",
    "ConstantLR",
    "PolynomialLR",
    "OneCycleLR",
    "CyclicLR",
    "CosineAnnealingWarmRestarts",
    "SequentialLR",
    "ChainedScheduler",
    "clip_grad_norm_",
    "clip_grad_value_",
    "DataLoader",
    "Dataset",
    "TensorDataset",
    "Subset",
    "random_split",
    "default_collate",
    "train_test_split",
    "one_hot",
    "standardize",
    "normalize",
    "make_spiral",
    "make_moons",
    "make_blobs",
    "make_regression",
    "load_fashion_mnist",
    "load_mnist",
    "fit",
    "train_epoch",
    "evaluate",
    "accuracy",
    "confusion_matrix",
    "History",
    "lr_find",
    "save_model",
    "load_model",
    "save_checkpoint",
    "load_checkpoint",
]
