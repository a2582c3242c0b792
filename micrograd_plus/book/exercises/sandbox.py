"""Running a learner's answer so that nothing it does outlives the check.

:func:`time_limit` stops an answer that runs too long; :func:`isolated` puts
back the global state an answer may change (grad and anomaly mode, NumPy's and
Python's random state, NumPy's error and print settings).

The time limit uses ``signal.setitimer`` where it can (the main thread on
POSIX, which is where Jupyter and scripts run): a ``SIGALRM`` handler raises
:class:`TimedOut` between two bytecodes of whatever Python loop is running, and
re-raises every 0.2 s so a bare ``except:`` in the answer cannot swallow it.
Elsewhere (a worker thread, Windows) a watchdog thread raises it in the checking
thread with ``PyThreadState_SetAsyncExc``, the same delivery without a signal. A
thread that merely waits with ``join(timeout)`` was not an option: it returns,
but leaves the loop running and holding the interpreter. Neither way can stop
a single long NumPy call (the exception arrives when it returns).
"""

from __future__ import annotations

import ctypes
import random
import signal
import sys
import threading
from contextlib import contextmanager, nullcontext

import numpy as np

from ...autograd.engine import SWITCHES

REPEAT_S = 0.2  # after the first alarm, how often it fires again until the answer gives up


class TimedOut(BaseException):
    """Raised in the answer's code when its time is up (a BaseException: ``except
    Exception`` in the answer does not catch it)."""


def time_limit(seconds: float | None):
    """A context manager that raises :class:`TimedOut` in its body after ``seconds``.

    Examples
    --------
    >>> import time
    >>> try:
    ...     with time_limit(0.05):
    ...         while True:
    ...             pass
    ... except TimedOut:
    ...     print("stopped")
    stopped
    """
    if seconds is None:
        return nullcontext()
    if seconds <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {seconds!r}")
    main = threading.current_thread() is threading.main_thread()
    return (_Alarm if main and hasattr(signal, "setitimer") else _Watchdog)(seconds)


def _exiting(frame, limit: type) -> bool:
    """Whether ``limit.__exit__`` runs in ``frame`` or a frame that called it.

    A :class:`TimedOut` raised there would stop the exit half-way and leave the limit
    firing at whatever runs next; the repeats must stop once the body is left. (Both
    limits are classes, not generators, so no contextlib code runs between the body
    and their own ``__exit__``.)
    """
    while frame is not None:
        if frame.f_code is limit.__exit__.__code__:
            return True
        frame = frame.f_back
    return False


class _Alarm:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        self.previous = signal.signal(signal.SIGALRM, self._ring)
        self.outer = signal.setitimer(signal.ITIMER_REAL, self.seconds, REPEAT_S)

    def _ring(self, signum, frame) -> None:
        if not _exiting(frame, _Alarm):
            raise TimedOut

    def __exit__(self, *exc) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)
        if self.outer[0] > 0:  # someone else's timer was running: give it back what is left
            left = max(self.outer[0] - self.seconds, 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, self.outer[1])


class _Watchdog:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.done = threading.Event()

    def __enter__(self) -> None:
        self.target = threading.get_ident()
        self.watcher = threading.Thread(target=self._watch, daemon=True, name="time-limit")
        self.watcher.start()

    def _watch(self) -> None:
        if self.done.wait(self.seconds):
            return
        while not self.done.is_set():  # again and again, as with the alarm
            frame = sys._current_frames().get(self.target)
            if frame is None:  # the thread has ended
                return
            if not _exiting(frame, _Watchdog):
                raise_in = ctypes.pythonapi.PyThreadState_SetAsyncExc
                raise_in(ctypes.c_ulong(self.target), ctypes.py_object(TimedOut))
            self.done.wait(REPEAT_S)

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.watcher.join()
        # One sent just before the watcher stopped is raised at the next jump: here. (Not
        # cancelled with SetAsyncExc(id, NULL): on CPython 3.11 that leaves the eval
        # breaker set for good, and under a tracer the thread then never gets anywhere.)
        try:
            for _ in range(2):
                pass
        except TimedOut:
            pass


@contextmanager
def isolated():
    """Run the body with grad mode on and anomaly mode off; restore every global after.

    Restored: grad mode, anomaly mode, NumPy's global random state and Python's
    ``random`` state, NumPy's floating-point error handling and print options.

    Examples
    --------
    >>> from micrograd_plus import is_grad_enabled, no_grad
    >>> with isolated():
    ...     _ = no_grad().__enter__()  # entered, never left
    ...     np.random.seed(0)
    >>> is_grad_enabled()
    True
    """
    saved = (
        SWITCHES.grad_enabled,
        SWITCHES.anomaly,
        np.random.get_state(),
        random.getstate(),
        np.geterr(),
        np.get_printoptions(),
    )
    SWITCHES.grad_enabled, SWITCHES.anomaly = True, False
    try:
        yield
    finally:
        SWITCHES.grad_enabled, SWITCHES.anomaly = saved[0], saved[1]
        np.random.set_state(saved[2])
        random.setstate(saved[3])
        np.seterr(**saved[4])
        np.set_printoptions(**saved[5])
