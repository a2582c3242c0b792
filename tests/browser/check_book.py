"""Open every page of the built book in headless Chromium and check what a reader sees.

Usage: ``python tests/browser/check_book.py docs/_build/html --screenshots docs/_build/screenshots``

The book is served on 127.0.0.1 by ``http.server`` in a thread, and every request
to any other host is blocked, so the check also proves the book reads offline.
For each page:

- it loads, with no JavaScript error;
- every ``<img>`` in the content has loaded (``naturalWidth > 0``);
- where the page has math, MathJax typeset it (``mjx-container`` elements present)
  and no raw ``\\(``, ``\\[`` or ``$$`` is left in the text outside code;
- no output cell shows a traceback (except cells tagged ``raises-exception``)
  and no stderr output mentions an error (warnings are listed, not failed);
- every internal link answers HTTP 200, and a ``#fragment`` in the content
  names an element of the target page;
- the solution of every exercise (a cell tagged ``hide-input``) is hidden until
  its toggle is clicked, and shown after; a page with an "Exercises" section
  has at least one. The first solution of each page is photographed closed
  and open (``<page>_solution_closed.png``, ``..._open.png``);
- every ``pre`` (code and outputs, folded solutions opened) fits its box at the
  theme's default width: ``scrollWidth <= clientWidth``, no sideways scrolling;
- no table is wider than its box and no cell clips its text, and no table a cell
  displays as Markdown shows as rows of pipes;
- no printed output shows a NumPy scalar's repr (``np.float64(1.09)``);
- every figure's smallest text is legible at the size the page shows it: its
  height in the PNG (which the build records there) times the displayed width
  over the natural width is at least ``LEGIBLE_PX`` CSS pixels;
- text in the content contrasts with its background (WCAG AA, 4.5:1), in the
  light and in the dark colour mode;
- at a phone's width (390 px) a chapter never scrolls sideways as a whole (a
  table or code block may, in its own box).

Then ``search.html?q=Adam`` must list results. A full-page screenshot of every
chapter (and the introduction and API pages) is saved in both colour modes
(``<page>.png`` and ``<page>_dark.png``). Exit status 1 on any failure.

Chromium is Debian's ``/usr/bin/chromium`` (or ``$CHROMIUM``), driven by
Playwright's Python package; Playwright's own browser download is never used.
"""

from __future__ import annotations

import argparse
import functools
import html.parser
import os
import re
import shutil
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
]
# The theme's default width: a laptop screen, the sidebars shown.
VIEWPORT = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # a phone held upright (CSS pixels)
CONTENT = "article.bd-article"
# A figure's smallest text must be shown at least LEGIBLE_PX CSS pixels high. The build
# writes its height in the PNG's own pixels into the PNG (docs/kernel/startup/
# figure_text.py); a picture without it is taken to hold 8 pt text at 100 dpi.
SMALLEST_TEXT_KEY = b"micrograd_plus:smallest-text-px"
UNKNOWN_TEXT_PX = 8 * 100 / 72
LEGIBLE_PX = 10.0
# WCAG 2.1 AA contrast for normal text.
MIN_CONTRAST = 4.5
STDERR_PROBLEM = re.compile(r"Traceback|Error\b|Exception\b")
# Warnings may be the point of a cell (a chapter showing the library warn about a
# mistake), so they are listed in the report but do not fail the check.
STDERR_WARNING = re.compile(r"Warning\b")
SEARCH_TERM = "Adam"
# A long page's full screenshot can take more than Playwright's default 30 s on a busy machine.
TIMEOUT_MS = 180_000
# Chapter 1 never reaches "network idle" in Chromium, though no request is pending: wait
# this long for it, then check the page as it is (it has loaded: "load" has fired).
NETWORK_IDLE_MS = 20_000


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # one line per request would drown the report
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # The browser drops connections it no longer needs (a page closed while
        # a font was loading): not a problem of the book.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def find_chromium(explicit: str | None) -> str:
    for candidate in (explicit, os.environ.get("CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    sys.exit(
        "Chromium not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM"
    )


def pages_of(build: Path) -> list[str]:
    """Every HTML page of the build, as paths relative to it (static assets excluded)."""
    pages = []
    for path in sorted(build.rglob("*.html")):
        rel = path.relative_to(build).as_posix()
        if not rel.startswith(("_static/", "_sources/", "_images/")):
            pages.append(rel)
    return pages


def is_screenshot_page(rel: str) -> bool:
    return rel.startswith("chapters/") or rel in ("index.html", "api.html")


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)


class LinkChecker:
    """HTTP status and element ids of internal URLs, each fetched once."""

    def __init__(self):
        self._status: dict[str, int] = {}
        self._ids: dict[str, set[str]] = {}

    def status(self, url: str) -> int:
        if url not in self._status:
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    self._status[url] = response.status
                    if "html" in response.headers.get("Content-Type", ""):
                        parser = _Ids()
                        parser.feed(response.read().decode("utf-8", "replace"))
                        self._ids[url] = parser.ids
            except urllib.error.HTTPError as err:
                self._status[url] = err.code
        return self._status[url]

    def has_id(self, url: str, fragment: str) -> bool:
        self.status(url)
        return fragment in self._ids.get(url, set())


WAIT_FOR_IMAGES = """
async (sel) => {
  const imgs = Array.from(document.querySelectorAll(sel + ' img'));
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null :
      new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  return imgs.map(i => ({src: i.getAttribute('src'), w: i.naturalWidth, h: i.naturalHeight}));
}
"""

WAIT_FOR_MATHJAX = """
async () => {
  if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return false;
  await MathJax.startup.promise;
  return true;
}
"""

PAGE_FACTS = """
(sel) => {
  const root = document.querySelector(sel) || document.body;
  const clone = root.cloneNode(true);
  clone.querySelectorAll('pre, code, .highlight, mjx-container, script, style')
       .forEach(e => e.remove());
  const inRaises = e => e.closest('.tag_raises-exception') !== null;
  return {
    hasContent: document.querySelector(sel) !== null,
    mathSource: root.querySelectorAll('.math').length,
    mathTypeset: root.querySelectorAll('mjx-container').length,
    mathErrors: root.querySelectorAll('mjx-merror, [data-mjx-error]').length,
    rawMath: (clone.innerText.match(/\\\\\\(|\\\\\\[|\\$\\$/g) || []).length,
    tracebacks: Array.from(root.querySelectorAll('.output.traceback, .output.error'))
                  .filter(e => !inRaises(e)).map(e => e.innerText.slice(0, 300)),
    stderr: Array.from(root.querySelectorAll('.output.stderr'))
                  .filter(e => !inRaises(e)).map(e => e.innerText.slice(0, 300)),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => ({
        href: a.getAttribute('href'), inContent: root.contains(a)})),
  };
}
"""


HIDDEN_CELLS = """
(sel) => {
  const root = document.querySelector(sel) || document.body;
  return {
    hidden: root.querySelectorAll('.cell.tag_hide-input').length,
    exercises: root.querySelector('section#exercises') !== null,
  };
}
"""


# Folded solutions are opened for the measurement and closed again afterwards.
LAYOUT_FACTS = """
(sel) => {
  const root = document.querySelector(sel) || document.body;
  const opened = Array.from(root.querySelectorAll('details:not([open])'));
  opened.forEach(d => { d.open = true; });
  const shown = e => e.getClientRects().length > 0;
  const longest = t => t.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '');
  const pres = Array.from(root.querySelectorAll('pre')).filter(shown)
    .filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => ({box: p.clientWidth, needs: p.scrollWidth, line: longest(p.innerText)}));
  // A table wider than the box it sits in is clipped or scrolls sideways.
  const tables = [];
  root.querySelectorAll('table').forEach((t, i) => {
    if (!shown(t)) return;
    const width = t.getBoundingClientRect().width, box = t.parentElement.clientWidth;
    const clipped = Array.from(t.querySelectorAll('th, td'))
      .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText.slice(0, 40));
    if (width > box + 1 || clipped.length)
      tables.push({index: i + 1, width: Math.round(width), column: box, clipped: clipped});
  });
  const figures = Array.from(root.querySelectorAll('.cell_output img, figure img'))
    .filter(shown).map(i => ({src: i.getAttribute('src'), natural: i.naturalWidth,
                              shown: i.getBoundingClientRect().width}));
  // NumPy 2's repr of a float scalar (np.float64(1.09)) where a number was meant; code
  // printed on purpose (`Tensor(...) + np.float32(1)`) has no decimal point in it.
  const repr = /np\\.float\\d+\\(-?(\\d+\\.\\d*(e[-+]?\\d+)?|\\d+e[-+]?\\d+|nan|inf)\\)/;
  const scalars = Array.from(root.querySelectorAll('.cell_output .output.stream, ' +
                                                   '.cell_output .output.text_plain'))
    .map(o => (o.innerText.match(repr) || [])[0])
    .filter(Boolean);
  // A Markdown table a cell displayed but the page shows as text: rows of pipes.
  const pipes = Array.from(root.querySelectorAll('.cell_output p'))
    .map(p => p.innerText.trim()).filter(t => /^\\|.*\\|/.test(t)).map(t => t.slice(0, 60));
  opened.forEach(d => { d.open = false; });
  return {pres, tables, figures, scalars, pipes};
}
"""

# Every visible text node of the content against the background behind it (the
# backgrounds of its ancestors composited, the page's own at the bottom).
CONTRAST_FACTS = """
(sel) => {
  const root = document.querySelector(sel) || document.body;
  const rgba = c => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const v = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  };
  const over = (top, below) => top.slice(0, 3).map((x, k) => x * top[3] + below[k] * (1 - top[3]));
  const behind = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255];
    for (let k = layers.length - 1; k >= 0; k--) colour = over(layers[k], colour);
    return colour;
  };
  const lum = rgb => {
    const f = x => {
      x /= 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(rgb[0]) + 0.7152 * f(rgb[1]) + 0.0722 * f(rgb[2]);
  };
  const low = new Map();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    // MathJax and pictures draw in the text's colour; the search form is the theme's.
    if (!n.textContent.trim() || !el || el.closest('mjx-container, svg, script, style, form'))
      continue;
    if (!el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || parseFloat(style.opacity) === 0) continue;
    const bg = behind(el);
    const fg = over(rgba(style.color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio >= %(min)s) continue;
    const key = el.tagName + '.' + el.className + ' ' + style.color;
    if (!low.has(key)) low.set(key, {where: key, ratio: ratio.toFixed(2),
                                     text: n.textContent.trim().slice(0, 40), count: 0});
    low.get(key).count += 1;
  }
  return {theme: document.documentElement.dataset.theme, low: Array.from(low.values())};
}
"""

DARK_MODE = "localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');"


def smallest_text_px(png: bytes) -> float:
    """The height of a figure's smallest text, from the PNG's text chunk the build wrote."""
    at = 8  # after the signature: chunks of length, type, data, CRC
    while at + 8 <= len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        if kind == b"tEXt" and data.startswith(SMALLEST_TEXT_KEY + b"\0"):
            return float(data[len(SMALLEST_TEXT_KEY) + 1 :])
        if kind == b"IDAT":  # matplotlib writes its text chunks before the image data
            break
        at += 12 + length
    return UNKNOWN_TEXT_PX


def check_layout(page) -> list[str]:
    """Code that fits, tables that fit, figures shown large enough to read."""
    facts = page.evaluate(LAYOUT_FACTS, CONTENT)
    problems = [
        f"code wider than its box ({p['box']} px, needs {p['needs']}): {p['line'][:90]!r}"
        for p in facts["pres"]
    ]
    problems += [
        f"output prints a NumPy scalar's repr: {r} (print the number)" for r in facts["scalars"]
    ]
    problems += [f"a displayed Markdown table shows as text: {t!r}" for t in facts["pipes"]]
    for t in facts["tables"]:
        if t["width"] > t["column"] + 1:
            problems.append(f"table {t['index']} is {t['width']} px wide in a {t['column']} px box")
        if t["clipped"]:
            problems.append(f"table {t['index']} clips the text of {t['clipped']}")
    for fig in facts["figures"]:
        if fig["natural"] <= 0:
            continue  # reported as not loaded
        with urllib.request.urlopen(urljoin(page.url, fig["src"]), timeout=30) as response:
            natural_px = smallest_text_px(response.read())
        shown_px = natural_px * min(1.0, fig["shown"] / fig["natural"])
        if shown_px < LEGIBLE_PX:
            problems.append(
                f"figure {fig['src']} shown {fig['shown']:.0f} px wide of {fig['natural']}: "
                f"its smallest text, {natural_px:.1f} px, shows {shown_px:.1f} px high "
                f"(< {LEGIBLE_PX})"
            )
    return problems


def check_contrast(page, mode: str) -> list[str]:
    """Text that does not stand out from its background (WCAG AA) in this colour mode."""
    facts = page.evaluate(CONTRAST_FACTS % {"min": MIN_CONTRAST}, CONTENT)
    problems = []
    if facts["theme"] != mode:
        problems.append(f"asked for the {mode} mode, the page shows {facts['theme']!r}")
    problems += [
        f"{mode} mode: contrast {low['ratio']} < {MIN_CONTRAST} for {low['count']} text(s) "
        f"in {low['where']}, e.g. {low['text']!r}"
        for low in facts["low"]
    ]
    return problems


def check_solutions(page, rel: str, shots: Path | None) -> tuple[int, list[str]]:
    """Every ``hide-input`` cell's source is hidden until its toggle is clicked."""
    facts = page.evaluate(HIDDEN_CELLS, CONTENT)
    problems = []
    if rel.startswith("chapters/") and facts["exercises"] and not facts["hidden"]:
        problems.append("an Exercises section without a hidden solution")
    cells = page.locator(f"{CONTENT} .cell.tag_hide-input")
    for i in range(facts["hidden"]):
        cell = cells.nth(i)
        source = cell.locator(".cell_input")
        cell.scroll_into_view_if_needed()
        if source.is_visible():
            problems.append(f"hidden cell {i + 1}: its source shows before the toggle is opened")
            continue
        stem = rel.removesuffix(".html").replace("/", "_")
        if shots is not None and i == 0:
            cell.screenshot(path=str(shots / f"{stem}_solution_closed.png"))
        cell.locator("summary").first.click()
        if not source.is_visible():
            problems.append(
                f"hidden cell {i + 1}: its source stays hidden after the toggle is clicked"
            )
            continue
        if shots is not None and i == 0:
            cell.screenshot(path=str(shots / f"{stem}_solution_open.png"))
        cell.locator("summary").first.click()  # closed again, as the reader finds it
    return facts["hidden"], problems


def check_page(page, base: str, rel: str, links: LinkChecker, shots: Path | None) -> list[str]:
    """Load one page and return the problems found on it."""
    problems: list[str] = []
    js_errors: list[str] = []
    page.on("pageerror", lambda err: js_errors.append(str(err)))

    def on_console(msg):
        if msg.type == "error":
            js_errors.append(msg.text)

    page.on("console", on_console)
    url = urljoin(base, rel)
    response = page.goto(url, wait_until="load")
    if response is None or response.status != 200:
        return [f"did not load (status {response and response.status})"]
    try:
        page.wait_for_load_state("networkidle", timeout=NETWORK_IDLE_MS)
    except Exception as err:  # playwright's TimeoutError
        if type(err).__name__ != "TimeoutError":
            raise

    images = page.evaluate(WAIT_FOR_IMAGES, CONTENT)
    for img in images:
        if img["w"] <= 0:
            problems.append(f"image not loaded: {img['src']}")

    facts = page.evaluate(PAGE_FACTS, CONTENT)
    if facts["mathSource"]:
        if not page.evaluate(WAIT_FOR_MATHJAX):
            problems.append("page has math but MathJax did not load")
        facts = page.evaluate(PAGE_FACTS, CONTENT)
        if facts["mathTypeset"] < facts["mathSource"]:
            problems.append(
                f"math not typeset: {facts['mathTypeset']} MathJax containers for "
                f"{facts['mathSource']} math elements"
            )
        if facts["mathErrors"]:
            problems.append(f"{facts['mathErrors']} MathJax errors (bad LaTeX)")
    if facts["rawMath"]:
        problems.append(f"{facts['rawMath']} raw math delimiters left in the text")
    problems += [f"traceback in output: {t!r}" for t in facts["tracebacks"]]
    problems += [f"stderr output: {t!r}" for t in facts["stderr"] if STDERR_PROBLEM.search(t)]
    for text in facts["stderr"]:
        if STDERR_WARNING.search(text) and not STDERR_PROBLEM.search(text):
            print(f"  note: {rel} shows a warning: {text.strip().splitlines()[0][:160]}")

    for link in facts["links"]:
        href = link["href"]
        target = urljoin(url, href)
        if urlparse(target).netloc != urlparse(base).netloc:
            continue  # an external link: not followed, the check runs offline
        page_url, fragment = urldefrag(target)
        status = links.status(page_url)
        if status != 200:
            problems.append(f"link {href!r} -> HTTP {status}")
        elif fragment and link["inContent"] and page_url.endswith(".html"):
            if not links.has_id(page_url, fragment):
                problems.append(f"link {href!r}: no element with id {fragment!r}")

    hidden, solution_problems = check_solutions(page, rel, shots)
    problems += solution_problems
    problems += check_layout(page)
    problems += check_contrast(page, "light")
    problems += [f"JavaScript error: {e}" for e in js_errors]
    if shots is not None and is_screenshot_page(rel):
        name = rel.removesuffix(".html").replace("/", "_") + ".png"
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_timeout(500)  # let the theme's sidebar transitions settle
        page.screenshot(path=str(shots / name), full_page=True)
    print(
        f"  {rel:<45} images {len(images):>2}  math {facts['mathTypeset']:>3}/"
        f"{facts['mathSource']:<3} links {len(facts['links']):>3}  hidden {hidden:>2}  "
        + ("ok" if not problems else f"{len(problems)} problem(s)")
    )
    return problems


def check_dark(page, base: str, rel: str, shots: Path | None) -> list[str]:
    """The page in the dark colour mode: readable, and photographed (``<page>_dark.png``)."""
    page.goto(urljoin(base, rel), wait_until="load")
    page.evaluate(WAIT_FOR_IMAGES, CONTENT)
    page.evaluate(WAIT_FOR_MATHJAX)
    problems = check_contrast(page, "dark")
    if shots is not None:
        name = rel.removesuffix(".html").replace("/", "_") + "_dark.png"
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_timeout(500)
        page.screenshot(path=str(shots / name), full_page=True)
    print(f"  {rel:<45} dark mode  " + ("ok" if not problems else f"{len(problems)} problem(s)"))
    return problems


# Elements wider than a phone's screen that sit in no box of their own that scrolls.
TOO_WIDE = """(width) => [...document.querySelectorAll('article.bd-article *')]
  .filter(el => el.getBoundingClientRect().right > width + 1)
  .filter(el => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(up).overflowX)) return false;
    }
    return true;
  })
  .map(el => `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 50)}"`)
  .slice(0, 3)"""


def check_phone(page, base: str, rel: str) -> list[str]:
    """At a phone's width the page itself never scrolls sideways (a table or code may,
    in its own box); a long unbreakable name in the text would make it."""
    page.goto(urljoin(base, rel), wait_until="load")
    page.evaluate(WAIT_FOR_IMAGES, CONTENT)
    width = PHONE["width"]
    wide = page.evaluate("document.documentElement.scrollWidth")
    problems = []
    if wide > width + 1:
        culprits = ", ".join(page.evaluate(TOO_WIDE, width))
        problems.append(f"at {width} px the page is {wide} px wide: {culprits}")
    print(f"  {rel:<45} {width} px     " + ("ok" if not problems else problems[0]))
    return problems


def check_search(page, base: str) -> list[str]:
    page.goto(urljoin(base, f"search.html?q={SEARCH_TERM}"), wait_until="load")
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=30_000)
    except Exception as err:  # playwright's TimeoutError; reported, not raised
        return [f"search for {SEARCH_TERM!r} listed no result ({type(err).__name__})"]
    hits = page.eval_on_selector_all("#search-results ul.search li a", "els => els.length")
    print(f"  search.html?q={SEARCH_TERM:<31} {hits} result link(s)")
    return [] if hits else [f"search for {SEARCH_TERM!r} listed no result"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", type=Path, help="the built HTML, e.g. docs/_build/html")
    parser.add_argument("--screenshots", type=Path, help="folder for one PNG per chapter")
    parser.add_argument("--chromium", help="Chromium binary (default /usr/bin/chromium)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    build = args.build.resolve()
    if not (build / "index.html").is_file():
        sys.exit(f"{build} holds no built book: run `python -m nox -s book` first")
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    server, base = serve(build)
    links = LinkChecker()
    failures: dict[str, list[str]] = {}
    blocked: list[str] = []
    start = time.perf_counter()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=find_chromium(args.chromium), args=CHROMIUM_ARGS, headless=True
            )
            context = browser.new_context(viewport=VIEWPORT)
            context.set_default_timeout(TIMEOUT_MS)

            def offline_only(route):
                if urlparse(route.request.url).netloc == urlparse(base).netloc:
                    return route.continue_()
                blocked.append(route.request.url)
                return route.abort()

            context.route("**/*", offline_only)
            pages = pages_of(build)
            print(f"Checking {len(pages)} pages served from {build} at {base}")
            for rel in pages:
                page = context.new_page()
                problems = check_page(page, base, rel, links, args.screenshots)
                page.close()
                if problems:
                    failures[rel] = problems
            page = context.new_page()
            problems = check_search(page, base)
            if problems:
                failures["search.html"] = problems
            # The reader who picked the dark mode (the theme's toggle keeps it in localStorage).
            dark = browser.new_context(viewport=VIEWPORT, color_scheme="dark")
            dark.set_default_timeout(TIMEOUT_MS)
            dark.add_init_script(DARK_MODE)
            dark.route("**/*", offline_only)
            for rel in filter(is_screenshot_page, pages):
                page = dark.new_page()
                problems = check_dark(page, base, rel, args.screenshots)
                page.close()
                if problems:
                    failures.setdefault(rel, []).extend(problems)
            phone = browser.new_context(viewport=PHONE, is_mobile=True)
            phone.set_default_timeout(TIMEOUT_MS)
            phone.route("**/*", offline_only)
            for rel in filter(is_screenshot_page, pages):
                page = phone.new_page()
                problems = check_phone(page, base, rel)
                page.close()
                if problems:
                    failures.setdefault(rel, []).extend(problems)
            browser.close()
    finally:
        server.shutdown()

    if blocked:
        failures["(offline)"] = [f"page asked for an external resource: {u}" for u in blocked]
    print(f"Checked in {time.perf_counter() - start:.0f} s.")
    if args.screenshots:
        print(f"Screenshots: {args.screenshots.resolve()}")
    if failures:
        print("\nFAILED:")
        for rel, problems in failures.items():
            for problem in problems:
                print(f"  {rel}: {problem}")
        return 1
    print("All pages passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
