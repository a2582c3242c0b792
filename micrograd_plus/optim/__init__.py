"""Optimizers with PyTorch's algorithms, defaults and state layout (``torch.optim``);
learning-rate schedules in ``optim.lr_scheduler``.

An :class:`Optimizer` keeps ``defaults``, a list of ``param_groups`` (each a
dict with ``'params'`` and its own hyper-parameters) and a per-parameter
``state`` dict. The update rule of each optimizer is a plain function
(:func:`sgd_update`, :func:`adam_update`, ...) that changes the parameter
array in place: anything holding the parameter sees the new values. SGD's and
Adam's read as their formulas, in plain NumPy expressions (at the book's few
thousand parameters writing temporaries into preallocated arrays saves nothing);
RMSprop and Adagrad write their temporaries into two scratch arrays shared by
all parameters of the same shape.
"""

from . import lr_scheduler
from .adagrad import Adagrad, adagrad_update
from .adam import Adam, AdamW, adam_update
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop, rmsprop_update
from .sgd import SGD, sgd_update

__all__ = [
    "lr_scheduler",
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "LBFGS",
    "sgd_update",
    "adam_update",
    "rmsprop_update",
    "adagrad_update",
]
