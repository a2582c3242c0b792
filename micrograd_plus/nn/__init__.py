"""Layers, containers and losses (PyTorch's ``torch.nn``).

``nn.functional`` holds the stateless forms and ``nn.utils`` gradient clipping.

Examples
--------
>>> from micrograd_plus import nn
>>> model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
>>> sum(p.size for p in model.parameters())
17
"""

from . import functional, init, utils
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList
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
    GaussianNLLLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    Loss,
    MSELoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
)
from .module import Module, Parameter, Sequential

__all__ = [
    "functional",
    "utils",
    "init",
    "Module",
    "Parameter",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "ParameterList",
    "ParameterDict",
    "Identity",
    "Linear",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "GELU",
    "Softmax",
    "LogSoftmax",
    "Dropout",
    "Flatten",
    "Embedding",
    "BatchNorm",
    "BatchNorm1d",
    "LayerNorm",
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
    "Loss",
]
