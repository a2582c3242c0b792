"""micrograd_plus: reverse-mode autodiff and neural networks on NumPy.

The public API is collected here; see the book for a guided tour.
"""

from .autograd import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .checkpoint import load_checkpoint, load_model, save_checkpoint, save_model
from .clip import clip_grad_norm_, clip_grad_value_
from .creation import arange, eye, full, ones, ones_like, rand, randn, zeros, zeros_like
from .data import (
    DataLoader,
    make_blobs,
    make_moons,
    make_regression,
    make_spiral,
    normalize,
    one_hot,
    standardize,
    train_test_split,
)
from .datasets import load_fashion_mnist, load_mnist
from .function import Context, Function
from .layers import (
    GELU,
    BatchNorm,
    BatchNorm1d,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module, Parameter, Sequential
from .ops.elementwise import where
from .ops.shape import concatenate, stack
from .optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .schedulers import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    ReduceLROnPlateau,
    StepLR,
)
from .tensor import Tensor
from .training import History, accuracy, confusion_matrix, evaluate, fit, train_epoch

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "Function",
    "Context",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "where",
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
    "Module",
    "Parameter",
    "Sequential",
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
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "ReduceLROnPlateau",
    "clip_grad_norm_",
    "clip_grad_value_",
    "DataLoader",
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
    "save_model",
    "load_model",
    "save_checkpoint",
    "load_checkpoint",
]
