"""The :class:`Tensor`: a NumPy array that remembers how it was computed.

Dtype policy, decided here once: Python numbers, lists and non-float NumPy
arrays become float32; a floating NumPy array keeps its dtype (float64 stays
float64, so gradient checks can be precise); an explicit ``dtype`` wins.

Binary ops follow PyTorch's promotion, in three rules:

- A floating tensor never upcasts: a Python or NumPy scalar, list or array
  operand takes the tensor's dtype (float32 with a float64 scalar or array
  stays float32). Two tensors combine as NumPy does (float32 with a float64
  tensor gives float64).
- An integer or bool tensor meeting a float promotes to a float: to float32
  (PyTorch's default dtype) with a Python float, a NumPy float or a float
  array, and to the other tensor's dtype with a floating tensor.
  ``Tensor([1, 2], dtype=np.int64) * 0.5`` is ``[0.5, 1.0]``, and true
  division of integers is float32 too.
- Integers with integers stay integers (an int32 tensor with a Python int
  stays int32; bool with a Python int becomes int64), as in PyTorch.

A gradient is always an ndarray of its tensor's dtype and shape, 0-d included.

In-place operators (``+=``, ``-=``, ``*=``, ``/=``, ``**=``, ``t[i] = v``)
change the tensor's own array and keep its dtype, but only where no graph is
being recorded for it: inside ``no_grad()`` or on a tensor that requires no
gradient. Elsewhere they raise and say what to write instead. Each in-place
change stamps the tensor's ``_version``; ``backward()`` refuses to run
through a node whose backward reads an input (or its output) that changed
after the node was recorded.
"""

from __future__ import annotations

import warnings
from itertools import count
from numbers import Number
from operator import attrgetter

import numpy as np

from .autograd import engine as autograd
from .autograd.engine import SWITCHES

DEFAULT_DTYPE = np.dtype(np.float32)

# Creation numbers for graph nodes: an op's output always numbers above its
# inputs, which is the order ``autograd.backward`` walks the graph in.
next_seq = count(1).__next__


class _Size(int):
    """An element count that can also be called like torch's ``Tensor.size(dim=None)``."""

    def __new__(cls, count: int, shape: tuple) -> _Size:
        size = super().__new__(cls, count)
        size.shape = shape
        return size

    def __call__(self, dim: int | None = None):
        if dim is None:
            return self.shape
        try:
            return self.shape[dim]
        except (IndexError, TypeError):
            raise IndexError(
                f"dim={dim!r} is out of range for a tensor of shape {self.shape}; "
                f"pass an integer from {-len(self.shape)} to {len(self.shape) - 1}"
            ) from None


def as_array(data, dtype=None) -> np.ndarray:
    """Convert ``data`` to an ndarray following the dtype policy above."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    if isinstance(data, np.ndarray) and data.dtype.kind == "f":
        return data
    try:
        array = np.asarray(data)
    except ValueError:
        raise ValueError(
            "Tensor data is a ragged nested list (rows of different lengths); pad the rows "
            "to the same length, or make one tensor per row"
        ) from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"Tensor data must be numbers, nested lists of numbers or a numeric NumPy array; "
            f"got {type(data).__name__} of dtype {array.dtype}. Convert it with np.asarray "
            "(..., dtype=np.float32) first."
        )
    return array.astype(DEFAULT_DTYPE)


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    Parameters
    ----------
    data : array_like
        Numbers, nested lists or a NumPy array. See the module docstring for
        the dtype rules: anything that is not already a floating array becomes
        float32.
    requires_grad : bool, default False
        Whether ``backward()`` should compute a gradient for this tensor.
    dtype : numpy dtype, optional
        Force a dtype (for example ``np.float64`` for gradient checks, or an
        integer dtype for class labels).

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> a = Tensor([2.0], requires_grad=True)
    >>> b = Tensor([3.0], requires_grad=True)
    >>> c = a * b + a
    >>> c.backward()
    >>> a.grad, b.grad
    (array([4.], dtype=float32), array([2.], dtype=float32))
    """

    __slots__ = (
        "data",
        "grad",
        "_requires_grad",
        "_parents",
        "_backward",
        "_saved",
        "_op",
        "_retains_grad",
        "_seq",
        "_version",
        "_hooks",
        "__weakref__",
    )
    # Make NumPy hand binary operators back to us (``np.float64(2) * t``).
    __array_ufunc__ = None
    # Tensors compare elementwise, so identity is what makes them dict keys.
    __hash__ = object.__hash__

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        array = as_array(data, dtype)
        if isinstance(data, Tensor) and type(self) is Tensor:
            # As torch.tensor(t): a copy, never t's array (an optimizer step on the new
            # tensor must not move t), with torch's advice. Parameter(t) shares, as in torch.
            warnings.warn(
                "To copy construct from a tensor, it is recommended to use t.clone().detach() "
                "or t.clone().detach().requires_grad_(True), rather than Tensor(t)",
                UserWarning,
                stacklevel=2,
            )
            array = array.copy()
        if requires_grad:
            if array.dtype.kind not in "fc":
                raise TypeError(
                    f"only floating tensors can require gradients, got dtype {array.dtype}; "
                    "pass dtype=np.float32 or leave requires_grad=False"
                )
            # A tensor you optimise owns its memory: updates never reach your array.
            array = array.copy() if array is data else array
        self.data = array
        self.grad = None
        self._requires_grad = bool(requires_grad)
        self._parents = ()
        self._backward = None
        self._saved = ()
        self._op = ""
        self._retains_grad = False
        self._seq = 0
        self._version = 0
        self._hooks = None

    @classmethod
    def _make(
        cls, data: np.ndarray, parents: tuple = (), backward=None, op: str = "", saved=()
    ) -> Tensor:
        """Wrap an op's result, recording the graph only when a parent needs it.

        ``backward(g, *saved)`` is the op's rule; the engine hands it ``saved``
        as arrays, or as Tensors under ``create_graph`` (see ``autograd.engine``).
        """
        out = object.__new__(cls)
        if data.__class__ is not np.ndarray:
            # NumPy returns scalars, not 0-d arrays, from ops on 0-d arrays; in-place
            # updates need an array, and a saved output must stay the output's array.
            data, saved = _as_array_saved(data, saved)
        out.data = data
        out.grad = None
        out._op = op
        out._retains_grad = False
        out._version = 0
        out._hooks = None
        if SWITCHES.anomaly:
            autograd.check_finite(data, "forward", op)
        if SWITCHES.grad_enabled:
            for parent in parents:
                if parent._requires_grad:
                    out._requires_grad = True
                    out._parents = parents
                    out._backward = backward
                    out._saved = saved
                    out._seq = next_seq()
                    return out
        out._requires_grad = False
        out._parents = ()
        out._backward = None
        out._saved = ()
        return out

    # ----------------------------------------------------------- attributes
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> _Size:
        """The number of elements, as NumPy's ``size``; called, the shape, as torch's ``size()``.

        Examples
        --------
        >>> t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> t.size, t.size(), t.size(-1)
        (6, (2, 3), 3)
        """
        return _Size(self.data.size, self.data.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op (as in PyTorch)."""
        return self._backward is None

    @property
    def T(self) -> Tensor:
        """The dimensions reversed: the matrix transpose of a 2-D tensor.

        As in torch 2.13, other numbers of dimensions still work but warn
        (torch deprecates them): use ``mT`` for batches of matrices, or
        ``permute`` to reverse every dimension.
        """
        if self.data.ndim != 2:
            warnings.warn(
                f"the use of t.T on a {self.data.ndim}-D tensor to reverse its shape is "
                "deprecated (as in torch); use t.mT to transpose batches of matrices or "
                "t.permute(*reversed(range(t.ndim))) to reverse the dimensions",
                UserWarning,
                stacklevel=2,
            )
        return self.permute(*range(self.data.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a batch of matrices, each transposed)."""
        if self.data.ndim < 2:
            raise RuntimeError(
                f"t.mT is only supported on matrices or batches of matrices, got a "
                f"{self.data.ndim}-D tensor; use t.unsqueeze(0) first, or t itself"
            )
        return self.transpose(-2, -1)

    def numel(self) -> int:
        """The number of elements (``t.size`` in NumPy's spelling)."""
        return self.data.size

    def dim(self) -> int:
        """The number of dimensions, as ``t.ndim``."""
        return self.data.ndim

    def item(self) -> float:
        """Return the value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise RuntimeError(
                f"item() needs a tensor with exactly one element, this one has "
                f"{self.data.size} (shape {self.shape}); reduce it first, e.g. t.sum().item() "
                "or t.mean().item(), or use t.numpy() to get all values"
            )
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def tolist(self):
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A tensor sharing this one's data but cut from the graph."""
        return Tensor._make(self.data)

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place: it becomes a leaf without grad."""
        self._parents = ()
        self._backward = None
        self._saved = ()
        self._requires_grad = False
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the accumulated gradient (``None``, or zeros if asked)."""
        self.grad = None if set_to_none else np.zeros_like(self.data)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after ``backward()`` (for inspection)."""
        self._retains_grad = True
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Switch gradient tracking on (or off) for this leaf, in place; returns it."""
        if self._backward is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad_(False) on a tensor computed by an op: only leaves can change "
                "it; use t.detach() to get a tensor without grad"
            )
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(
                f"only floating tensors can require gradients, got dtype {self.data.dtype}; "
                "convert first, e.g. t.float().requires_grad_()"
            )
        self._requires_grad = bool(requires_grad)
        return self

    def _set_requires_grad(self, requires_grad: bool) -> None:
        if self._backward is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad = False on a tensor computed by an op: only leaves can change "
                "it (as in torch). To use its value without a gradient write "
                "y_no_grad = y.detach()"
            )
        self.requires_grad_(requires_grad)

    # A property so that switching it off on a non-leaf raises (torch); reading it
    # stays a C-level attribute fetch.
    requires_grad = property(
        attrgetter("_requires_grad"),
        _set_requires_grad,
        doc="Whether ``backward()`` computes a gradient for this tensor.",
    )

    def register_hook(self, hook) -> autograd.HookHandle:
        """Call ``hook(grad)`` with the gradient flowing into this tensor in backward.

        The hook may return a replacement gradient (an array of the same shape)
        or ``None`` to keep it. On a leaf it runs before the gradient is added
        to ``.grad``; on an intermediate tensor, before the gradient flows on to
        its inputs. Returns a handle whose ``remove()`` unregisters the hook.

        Examples
        --------
        >>> from micrograd_plus import Tensor
        >>> w = Tensor([1.0, 2.0], requires_grad=True)
        >>> handle = w.register_hook(lambda g: g * 10)
        >>> (w * w).sum().backward()
        >>> w.grad
        array([20., 40.], dtype=float32)
        >>> handle.remove()
        """
        if not self.requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that does not require grad; create it "
                "with requires_grad=True (or call t.requires_grad_())"
            )
        if not callable(hook):
            raise TypeError(f"register_hook needs a function of the gradient, got {hook!r}")
        if self._hooks is None:
            self._hooks = {}
        return autograd.HookHandle(self._hooks, hook)

    def backward(
        self,
        gradient=None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs=None,
    ) -> None:
        """Compute the gradient of this tensor with respect to every leaf behind it.

        Parameters
        ----------
        gradient : array_like, optional
            d(something)/d(self), same shape as this tensor. Needed unless the
            tensor has exactly one element, in which case it defaults to 1.
        retain_graph : bool, optional
            Keep the graph so ``backward()`` can run through it again. By
            default (``create_graph``'s value) the graph is released to free
            the arrays it saved.
        create_graph : bool, default False
            Record the graph of the gradient computation: each leaf's ``.grad``
            is then a Tensor that can be differentiated again (as in torch).
            Without it, ``.grad`` is a NumPy array.
        inputs : Tensor or sequence of Tensors, optional
            Accumulate only into these tensors' ``.grad`` (as torch's ``inputs=``).

        Examples
        --------
        >>> from micrograd_plus import Tensor
        >>> x = Tensor([2.0], requires_grad=True)
        >>> (x**3).backward(create_graph=True)
        >>> x.grad                     # 3 x**2, with a graph
        Tensor([12.], grad_fn=<MulBackward0>)
        >>> g, x.grad = x.grad, None
        >>> g.backward()
        >>> x.grad                     # 6 x
        array([12.], dtype=float32)
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() called on a tensor that does not require grad: no input of "
                "the computation had requires_grad=True (or it ran under no_grad()). Create "
                "the inputs you want gradients for with requires_grad=True, outside no_grad()"
            )
        if retain_graph is None:
            retain_graph = create_graph
        if create_graph or inputs is not None:
            autograd.backward_with_options((self,), (gradient,), retain_graph, create_graph, inputs)
            return
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a one-element tensor, got shape "
                    f"{self.shape}; reduce it first (loss.sum() or loss.mean()) or pass "
                    "gradient= an array of the same shape"
                )
            # np.array(1) is several times cheaper than np.ones, a Python-level function.
            seed = np.array(1, dtype=self.data.dtype)
            if self.data.ndim:
                seed = seed.reshape(self.data.shape)
        else:
            seed = as_array(gradient, self.dtype)
            if seed.shape != self.shape:
                raise ValueError(
                    f"gradient has shape {seed.shape} but the tensor has shape {self.shape}; "
                    "they must match"
                )
        autograd.backward(self, seed, retain_graph)

    # --------------------------------------------------------- python protocol
    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = ""
        if self.data.dtype != DEFAULT_DTYPE:
            extras += f", dtype={self.data.dtype}"
        if self._backward is not None:
            from .ops.grad_fn import torch_name  # import here: ops import this module

            extras += f", grad_fn=<{torch_name(self)}>"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"Tensor({body}{extras})"

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor; it has no first axis")
        return len(self.data)

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                "use (t > 0).any() or .all() style reductions on t.numpy()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def _as_array_saved(scalar, saved) -> tuple:
    """A NumPy scalar result as a 0-d array, and ``saved`` with the array in its place.

    A function of its own: a generator in ``Tensor._make`` would turn its locals into
    closure cells and slow down every op.
    """
    data = np.asarray(scalar)
    if saved and type(saved) is tuple:
        saved = tuple(data if v is scalar else v for v in saved)
    return data, saved


def _not_an_operand(value) -> TypeError:
    return TypeError(
        f"cannot combine a Tensor with {type(value).__name__}; use a number, a NumPy array "
        "or a Tensor"
    )


def operand(value, like: Tensor) -> Tensor:
    """Make ``value`` a tensor for a binary op with ``like``, in ``like``'s dtype."""
    if isinstance(value, Tensor):
        # An integer or bool tensor takes the floating tensor's dtype (torch: float32
        # with int64 is float32; NumPy would give float64).
        return value if value.data.dtype.kind == "f" else cast_to(value, like.data.dtype)
    if isinstance(value, (Number, np.generic, np.ndarray)):
        return Tensor._make(np.asarray(value, dtype=like.data.dtype))
    if isinstance(value, (list, tuple)):
        return Tensor._make(np.asarray(_numbers(value), dtype=like.data.dtype))
    raise _not_an_operand(value)


def _numbers(value: list | tuple) -> list | tuple:
    """``value`` itself, if no Tensor hides in it (NumPy would make it an object mess)."""
    stack = [value]
    while stack:
        for item in stack.pop():
            if isinstance(item, Tensor):
                raise TypeError(
                    f"a {type(value).__name__} of Tensors is not an operand (torch raises "
                    "TypeError too): combine the tensors first, e.g. stack(items) or cat(items), "
                    "or take one of them (a max(dim=) result: .values)"
                )
            if isinstance(item, (list, tuple)):
                stack.append(item)
    return value


def promote(a: Tensor, value) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as tensors, following the promotion rules above."""
    if a.data.dtype.kind == "f":  # the common case: a float tensor never upcasts
        return a, operand(value, a)
    if isinstance(value, Tensor):
        if value.data.dtype.kind == "f":
            return cast_to(a, value.data.dtype), value
        return a, value
    if not isinstance(value, (Number, np.generic, np.ndarray, list, tuple)):
        raise _not_an_operand(value)
    array = np.asarray(_numbers(value) if isinstance(value, (list, tuple)) else value)
    kind = array.dtype.kind
    if kind in "fc":
        return cast_to(a, DEFAULT_DTYPE), Tensor._make(array.astype(DEFAULT_DTYPE))
    if kind not in "biu":
        raise _not_an_operand(value)
    if array.ndim == 0 or not isinstance(value, np.ndarray):
        # A number (or list of numbers) takes the tensor's dtype; with a bool
        # tensor, an integer makes int64 (torch's default integer type).
        dtype = np.dtype(np.int64) if a.data.dtype.kind == "b" and kind != "b" else a.data.dtype
        return cast_to(a, dtype), Tensor._make(array.astype(dtype, copy=False))
    return a, Tensor._make(array)


def cast_to(a: Tensor, dtype) -> Tensor:
    # Only integer and bool tensors are cast here, and they never carry a gradient.
    return a if a.data.dtype == dtype else Tensor._make(a.data.astype(dtype))


def _install_methods() -> None:
    """Attach the ops as Tensor methods and operators (each lives in ``ops/``)."""
    from .ops import methods

    for name, func in methods.TENSOR_METHODS.items():
        setattr(Tensor, name, func)


_install_methods()
