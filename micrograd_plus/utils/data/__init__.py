"""Data sets, samplers, batching, splits, scaling, toy data and the (Fashion-)MNIST files
(PyTorch's ``torch.utils.data``, with a little of torchvision's datasets).

Modules: ``dataset`` (Dataset, TensorDataset, ConcatDataset, Subset, random_split), ``sampler``,
``collate`` (default_collate), ``dataloader`` (DataLoader), ``splits``
(train_test_split), ``transforms`` (one_hot, standardize, normalize), ``toy``
(make_spiral, make_moons, make_blobs, make_regression) and ``mnist``.
"""

from .collate import CollateError, default_collate, default_convert
from .dataloader import DataLoader
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .mnist import (
    FASHION_MNIST_CLASSES,
    DatasetNotFoundError,
    download_file,
    load_fashion_mnist,
    load_mnist,
    read_idx,
)
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler
from .splits import train_test_split
from .toy import make_blobs, make_moons, make_regression, make_spiral
from .transforms import normalize, one_hot, standardize

__all__ = [
    "Dataset",
    "TensorDataset",
    "ConcatDataset",
    "Subset",
    "random_split",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "BatchSampler",
    "default_collate",
    "default_convert",
    "CollateError",
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
