"""check() runs an answer under a time limit, and nothing the answer does outlives the check."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor
from micrograd_plus.autograd import is_grad_enabled
from micrograd_plus.autograd.engine import SWITCHES
from micrograd_plus.book.exercises import check
from micrograd_plus.book.exercises.sandbox import TimedOut, time_limit


class LoopingLoss(mp.MSELoss):
    def __call__(self, pred, target):
        while True:
            pass


class LoopingSGD(mp.SGD):
    def step(self):
        while True:
            pass


class SwallowingLoss(mp.MSELoss):
    """Catches Exception around its loop: the time limit is a BaseException, so it still stops."""

    def __call__(self, pred, target):
        total = 0
        while True:
            try:
                for i in range(10**9):
                    total += i
            except Exception:
                pass


@pytest.mark.parametrize(
    "answer, exercise_id",
    [(LoopingLoss, "losses.mse"), (LoopingSGD, "optim.sgd"), (SwallowingLoss, "losses.mse")],
)
def test_an_endless_loop_is_a_failed_result_that_says_so(answer, exercise_id):
    start = time.perf_counter()
    result = check(exercise_id, answer, timeout=0.5)
    elapsed = time.perf_counter() - start
    assert not result.passed and "not finished after 0.5 s" in result.message, result
    assert "endless loop" in result.hint
    assert "stopped in" in result.message and (
        "__call__" in result.message or "step" in result.message
    )
    assert elapsed < 2.0


def test_the_default_time_limit_is_a_few_seconds():
    start = time.perf_counter()
    result = check("losses.mse", LoopingLoss)
    assert not result.passed and "not finished after 5 s" in result.message
    assert time.perf_counter() - start < 7


def test_the_time_limit_also_stops_a_loop_outside_the_main_thread():
    found = {}
    worker = threading.Thread(
        target=lambda: found.update(r=check("optim.sgd", LoopingSGD, timeout=0.5))
    )
    worker.start()
    worker.join(10)
    assert not worker.is_alive()
    assert not found["r"].passed and "not finished after 0.5 s" in found["r"].message


def test_a_right_answer_passes_with_a_time_limit_and_without_one():
    assert check("losses.mse", mp.MSELoss, timeout=None).passed
    assert check("losses.mse", mp.MSELoss, timeout=2).passed


def test_a_timeout_that_is_not_positive_is_refused_by_name():
    with pytest.raises(ValueError, match="timeout must be a positive"):
        check("losses.mse", mp.MSELoss, timeout=0)


def test_the_time_limit_leaves_no_alarm_behind():
    import signal

    check("losses.mse", LoopingLoss, timeout=0.3)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None, signal.default_int_handler)
    time.sleep(0.5)  # a stray alarm would raise TimedOut here
    with time_limit(None):
        pass


def test_time_limit_raises_timed_out_in_a_plain_loop():
    with pytest.raises(TimedOut):
        with time_limit(0.1):
            while True:
                pass


def test_sys_exit_in_an_answer_is_a_failed_result():
    class Exiting(mp.MSELoss):
        def __call__(self, pred, target):
            sys.exit(2)

    result = check("losses.mse", Exiting)
    assert not result.passed and "sys.exit(2)" in result.message


def test_a_learners_interrupt_still_interrupts_and_the_state_is_restored():
    class Interrupted(mp.MSELoss):
        def __call__(self, pred, target):
            mp.no_grad().__enter__()
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check("losses.mse", Interrupted)
    assert is_grad_enabled()


def _leaky_tanh_grad(x):
    """A right answer that leaves every global switched."""
    mp.no_grad().__enter__()
    SWITCHES.anomaly = True
    np.random.seed(123)
    random.seed(123)
    np.seterr(all="raise")
    np.set_printoptions(precision=2)
    return 1 - np.tanh(x) ** 2


def test_after_a_check_the_global_state_is_as_before():
    np.random.seed(7)
    random.seed(7)
    np_next, py_next = np.random.random(), random.random()
    np.random.seed(7)
    random.seed(7)
    err, printing = np.geterr(), np.get_printoptions()
    check("tensors.tanh_grad", _leaky_tanh_grad)
    assert is_grad_enabled() and not SWITCHES.anomaly
    assert np.random.random() == np_next and random.random() == py_next
    assert np.geterr() == err and np.get_printoptions() == printing


def test_a_check_runs_with_grad_on_even_under_no_grad_and_restores_it():
    with mp.no_grad():
        assert check("losses.mse", mp.MSELoss).passed
        assert not is_grad_enabled()
    with mp.detect_anomaly():
        assert check("losses.mse", mp.MSELoss).passed
        assert SWITCHES.anomaly


def test_an_answer_left_in_no_grad_does_not_fail_the_next_answer():
    def stuck(pred, target, delta):
        mp.no_grad().__enter__()
        return mp.nn.functional.huber_loss(pred, target, delta=delta)

    check("losses.huber", stuck)
    assert check("losses.mse", mp.MSELoss).passed
    assert check("tensors.tanh_grad", lambda x: 1 - np.tanh(x) ** 2).passed
    assert (Tensor([1.0], requires_grad=True) * 2).requires_grad


def test_a_time_limit_in_a_thread_leaves_the_interpreter_as_it_found_it(tmp_path):
    """The watchdog used to cancel a pending TimedOut with ``SetAsyncExc(id, NULL)``.

    On CPython 3.11 that left the eval breaker set for good: afterwards, starting a
    tracer (coverage, a debugger) in the same process hung, as did the watchdog itself
    under one. Run in a process of its own, so a hang fails here instead of stalling.
    """
    pytest.importorskip("coverage")
    script = tmp_path / "limit_in_a_thread.py"
    script.write_text(
        "import threading\n"
        "import coverage\n"
        "from micrograd_plus.book.exercises.sandbox import TimedOut, time_limit\n"
        "stopped = []\n"
        "def body():\n"
        "    try:\n"
        "        with time_limit(0.2):\n"
        "            while True:\n"
        "                pass\n"
        "    except TimedOut:\n"
        "        stopped.append(True)\n"
        "worker = threading.Thread(target=body)\n"
        "worker.start()\n"
        "worker.join(20)\n"
        "assert stopped and not worker.is_alive()\n"
        "tracer = coverage.Coverage(data_file=None)\n"
        "tracer.start()\n"
        "total = sum(range(10))\n"
        "tracer.stop()\n"
        "print('traced after the limit')\n"
    )
    root = str(Path(mp.__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=root)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0 and "traced after the limit" in done.stdout, done.stderr
