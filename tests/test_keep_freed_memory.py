"""Freed arrays are reused, not page-faulted in afresh (utils/memory.py)."""

import os
import platform
import subprocess
import sys

import pytest

from micrograd_plus.utils.memory import (
    is_glibc,
    keep_freed_memory,
    keep_freed_memory_by_default,
)

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def test_is_glibc_agrees_with_platform():
    assert is_glibc() == GLIBC


needs_glibc = pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")

# 50 steps that each allocate two 4 MB arrays and free them: the pattern of a
# training step's temporaries. Prints the minor page faults of the 50 steps.
STEPS = """
import resource
import numpy as np
import micrograd_plus
a = np.ones(1_000_000, np.float32); del a
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    a = np.ones(1_000_000, np.float32); b = a * 2; del a, b
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
PAGES = 1_000_000 * 4 // 4096  # one array's pages


def faults_of_steps(setting: str) -> int:
    env = dict(os.environ, MICROGRAD_PLUS_KEEP_FREED_MEMORY=setting)
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    done = subprocess.run(
        [sys.executable, "-c", STEPS], env=env, capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1])


@needs_glibc
def test_steps_reuse_freed_memory():
    # Without the setting glibc gives both arrays back every step (~2 * PAGES faults
    # per step); with it, at most the first step's second array faults.
    assert faults_of_steps("1") < 3 * PAGES
    assert faults_of_steps("0") > 20 * PAGES


@needs_glibc
def test_set_on_glibc():
    assert keep_freed_memory() is True


def test_switched_off_by_environment(monkeypatch):
    monkeypatch.setenv("MICROGRAD_PLUS_KEEP_FREED_MEMORY", "0")
    assert keep_freed_memory_by_default() is False


@pytest.mark.skipif(GLIBC, reason="only without glibc")
def test_nothing_without_glibc():
    assert keep_freed_memory() is False
