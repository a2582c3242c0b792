"""Benchmarks: micrograd_plus against PyTorch (CPU) and a hand-written NumPy floor.

Run everything with ``nox -s bench`` or ``python -m benchmarks.run``; render the
latest results with ``python -m benchmarks.report``. Nothing here imports NumPy
at module level except the workload modules, which the worker processes import
only after fixing the BLAS thread count.
"""
