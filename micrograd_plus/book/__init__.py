"""The book's wing: what the chapters and the test suite use, and a program importing
the library does not need.

- ``exercises``: the chapters' exercises and the checkers that tell a learner what
  they got wrong;
- ``race``: the fair optimizer race of chapter 5, its pictures and the playground;
- ``bad_inputs``: the table of wrong calls and the errors they must raise (chapter 8
  and ``tests/test_bad_input.py``);
- ``fuzz_programs``: random programs compared with PyTorch, to third order (chapter 8
  and the property tests; needs hypothesis);
- ``conformance``: which of PyTorch's names the library has (chapter 10);
- ``recorded_benchmarks``: the newest committed benchmark results, as a table and a
  chart (chapter 9; ``benchmarks/`` measures them).

It ships in the wheel, so a chapter downloaded as a notebook runs wherever the
package is installed. Nothing in the library imports it.
"""
