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
  and open (``<page>_solution_closed.png``, ``..._open.png``).

Then ``search.html?q=Adam`` must list results. A full-page screenshot of every
chapter (and the introduction and API pages) is saved. Exit status 1 on any failure.

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
VIEWPORT = {"width": 1280, "height": 900}
CONTENT = "article.bd-article"
# pydata-sphinx-theme logs this on pages whose template sets no colour mode; harmless.
BENIGN_CONSOLE = ("Got invalid theme mode",)
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
        if msg.type == "error" and not msg.text.startswith(BENIGN_CONSOLE):
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
