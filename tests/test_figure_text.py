"""The book's kernel records each figure's smallest text in its PNG; the browser check reads it.

docs/kernel/startup/figure_text.py patches matplotlib's PNG writer, so it runs in a
subprocess here: the patch stays out of the other tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import io, runpy, sys
import matplotlib
matplotlib.use("Agg")
runpy.run_path(sys.argv[1])
import matplotlib.pyplot as plt
sys.path.insert(0, sys.argv[2])
from check_book import smallest_text_px

def saved(fig, **kw):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", **kw)
    return smallest_text_px(buffer.getvalue())

fig, ax = plt.subplots()
ax.plot([0, 1], label="a")
ax.legend(fontsize=7)
print(saved(fig), saved(fig, dpi=200))
fig, ax = plt.subplots()
ax.plot([0, 1])
print(saved(fig))
"""


def test_the_smallest_text_is_recorded_in_pixels_of_the_png():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, ROOT / "docs/kernel/startup/figure_text.py",
         ROOT / "tests/browser"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    legend_100, legend_200, ticks = map(float, out)
    assert legend_100 == pytest.approx(7 * 100 / 72, abs=0.01)  # 7 pt at 100 dpi
    assert legend_200 == pytest.approx(7 * 200 / 72, abs=0.01)
    assert ticks == pytest.approx(10 * 100 / 72, abs=0.01)  # matplotlib's default 10 pt


def test_a_png_without_the_record_is_taken_as_8_pt_at_100_dpi():
    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    try:
        from check_book import UNKNOWN_TEXT_PX, smallest_text_px
    finally:
        sys.path.pop(0)
    png = b"\x89PNG\r\n\x1a\n" + (0).to_bytes(4, "big") + b"IDAT" + b"\0" * 4
    assert smallest_text_px(png) == UNKNOWN_TEXT_PX == pytest.approx(8 * 100 / 72)
