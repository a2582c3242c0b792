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
import threading
from contextlib import contextmanager

import numpy as np

from ...autograd.engine import SWITCHES

REPEAT_S = 0.2  # after the first alarm, how often it fires again until the answer gives up


class TimedOut(BaseException):
    """Raised in the answer's code when its time is up (a BaseException: ``except
    Exception`` in the answer does not catch it)."""


@contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`TimedOut` in the body if it runs longer than ``seconds``.

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
        yield
        return
    if seconds <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {seconds!r}")
    main = threading.current_thread() is threading.main_thread()
    limit = _alarm if main and hasattr(signal, "setitimer") else _watchdog
    with limit(seconds):
        yield


@contextmanager
def _alarm(seconds: float):
    active = [True]

    def ring(signum, frame):
        if active[0]:
            raise TimedOut

    previous = signal.signal(signal.SIGALRM, ring)
    outer = signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT_S)
    try:
        yield
    finally:
        active[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer[0] > 0:  # someone else's timer was running: give it back what is left
            signal.setitimer(signal.ITIMER_REAL, max(outer[0] - seconds, 1e-3), outer[1])


@contextmanager
def _watchdog(seconds: float):
    target = ctypes.c_ulong(threading.get_ident())
    done = threading.Event()

    def watch():
        if done.wait(seconds):
            return
        while not done.is_set():  # again and again, as with the alarm
            ctypes.pythonapi.PyThreadState_SetAsyncExc(target, ctypes.py_object(TimedOut))
            done.wait(REPEAT_S)

    watcher = threading.Thread(target=watch, daemon=True, name="exercise-time-limit")
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        # an exception already sent but not yet raised would surface later: cancel it
        ctypes.pythonapi.PyThreadState_SetAsyncExc(target, None)


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
