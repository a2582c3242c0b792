"""Run pytest many times without paying its start-up each time: a warm process that forks.

Importing torch, hypothesis and pytest takes about 2 s, longer than most
mutants' tests take to run. ``WarmPytest`` starts one server process that
imports them once (and never imports the package under test); each ``run``
forks that process, and the child puts the given copy of the package first on
``sys.path``, runs ``pytest.main`` there and exits with its status. A child that
runs past its time limit is killed with its process group. One server serves
one thread; ``tools/mutants.py --fast`` starts one per job.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

PRELOAD = ("numpy", "pytest", "hypothesis", "xdist", "torch")


def _child(root: str, args: list[str]) -> None:
    """In the forked child: run pytest on ``root``'s copy, quietly, and exit."""
    os.setpgid(0, 0)  # so a timeout kills what the tests started too
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.chdir(root)
    sys.path.insert(0, root)
    os.environ["PYTHONPATH"] = root  # for the subprocesses some tests start
    import pytest

    code = pytest.main(args)
    os._exit(int(code))


def _wait(pid: int, limit: float) -> int | None:
    """The child's exit status, or None (after killing it) if it outlives ``limit``."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except ProcessLookupError:
            pass
    os.waitpid(pid, 0)
    return None


def serve() -> None:
    """Read ``{"root", "args", "limit"}`` lines on stdin; answer ``{"code"}`` lines."""
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request["root"], request["args"])
        code = _wait(pid, request["limit"])
        print(json.dumps({"code": code}), flush=True)


class WarmPytest:
    """One warm server; ``run(root, args, limit)`` is pytest's exit code, None on timeout."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self._proc = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd="/",
            text=True,
        )
        json.loads(self._proc.stdout.readline())

    def run(self, root: str, args: list[str], limit: float) -> int | None:
        self._proc.stdin.write(json.dumps({"root": root, "args": args, "limit": limit}) + "\n")
        self._proc.stdin.flush()
        return json.loads(self._proc.stdout.readline())["code"]

    def close(self) -> None:
        self._proc.stdin.close()
        self._proc.wait()


if __name__ == "__main__":
    serve()
