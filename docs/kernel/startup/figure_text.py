"""Write each figure's smallest text height into its PNG, for the browser check.

Runs at the start of the kernel that executes the chapters while Sphinx builds the
book (docs/conf.py). A PNG that matplotlib writes then carries the text chunk
``micrograd_plus:smallest-text-px``: the height of the figure's smallest text, in the
image's own pixels. ``tests/browser/check_book.py`` reads it and fails a figure that
the page shrinks so far that this text is no longer legible. The picture is unchanged.
"""

import functools

import matplotlib.text
from matplotlib.backends import backend_agg

SMALLEST_TEXT_KEY = "micrograd_plus:smallest-text-px"
_print_png = backend_agg.FigureCanvasAgg.print_png


# The inline backend saves with bbox_inches="tight", which draws the figure first, so
# its tick labels exist by the time the PNG is written.
def _smallest_text_pt(figure):
    sizes = [
        text.get_fontsize()
        for text in figure.findobj(matplotlib.text.Text)
        if text.get_visible() and text.get_text().strip()
    ]
    return min(sizes, default=None)


# wraps: matplotlib reads the signature to know which keywords print_png takes.
@functools.wraps(_print_png)
def _print_png_recording_text(self, filename_or_obj, *, metadata=None, pil_kwargs=None):
    smallest = _smallest_text_pt(self.figure)
    if smallest is not None:
        px = smallest * self.figure.dpi / 72
        metadata = {**(metadata or {}), SMALLEST_TEXT_KEY: f"{px:.2f}"}
    return _print_png(self, filename_or_obj, metadata=metadata, pil_kwargs=pil_kwargs)


backend_agg.FigureCanvasAgg.print_png = _print_png_recording_text
