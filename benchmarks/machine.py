"""Describe the machine a benchmark ran on: CPU, cores, NumPy's BLAS, torch."""

from __future__ import annotations

import os
import platform
import re
import sys


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def machine_name() -> str:
    """A short name for result files, e.g. ``amd-epyc-2c``."""
    model = re.sub(r"\((r|tm)\)|cpu|processor|@.*", "", cpu_model(), flags=re.I)
    words = slug(model).split("-")[:4]
    return "-".join(w for w in words if w) + f"-{os.cpu_count()}c"


def blas_info() -> dict:
    """NumPy's BLAS as NumPy was built with it and as threadpoolctl sees it now."""
    import numpy as np

    info: dict = {}
    try:
        config = np.show_config(mode="dicts")
        deps = config.get("Build Dependencies", {})
        info["build"] = {k: deps[k].get("name") for k in ("blas", "lapack") if k in deps}
        info["build"].update(
            {f"{k}_version": deps[k].get("version") for k in ("blas", "lapack") if k in deps}
        )
        simd = config.get("SIMD Extensions", {})
        info["simd_found"] = simd.get("found")
    except Exception as err:  # noqa: BLE001 - older NumPy: describe what we can
        info["build_error"] = repr(err)
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [
            {
                k: pool.get(k)
                for k in (
                    "user_api",
                    "internal_api",
                    "version",
                    "architecture",
                    "threading_layer",
                    "num_threads",
                    "prefix",
                )
            }
            for pool in threadpool_info()
        ]
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed (pip install threadpoolctl)"
    return info


def describe(torch_module=None) -> dict:
    import numpy as np

    env_vars = (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_CORETYPE",
        "OPENBLAS_L2_SIZE",
    )
    desc = {
        "name": machine_name(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "blas": blas_info(),
        "env": {k: os.environ.get(k) for k in env_vars},
    }
    try:
        import micrograd_plus

        desc["micrograd_plus"] = micrograd_plus.__version__
    except ImportError:  # pragma: no cover
        pass
    if torch_module is not None:
        desc["torch"] = torch_module.__version__
        desc["torch_threads"] = torch_module.get_num_threads()
        desc["torch_parallel"] = torch_module.__config__.parallel_info().splitlines()[:6]
    else:
        desc["torch"] = None
    return desc
