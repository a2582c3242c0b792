"""Batches, splits, toy data sets and the (Fashion-)MNIST files
(PyTorch's ``torch.utils.data``, with a little of torchvision's datasets)."""

from .dataloader import (
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
from .mnist import (
    FASHION_MNIST_CLASSES,
    DatasetNotFoundError,
    download_file,
    load_fashion_mnist,
    load_mnist,
    read_idx,
)

__all__ = [
    "DataLoader",
    "train_test_split",
    "one_hot",
    "standardize",
    "normalize",
    "make_spiral",
    "make_moons",
    "make_blobs",
    "make_regression",
    "read_idx",
    "load_fashion_mnist",
    "load_mnist",
    "download_file",
    "DatasetNotFoundError",
    "FASHION_MNIST_CLASSES",
]
