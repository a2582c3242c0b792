"""Open chapters in a real JupyterLab, in headless Chromium, as a reader does.

Usage: ``python tools/jupyterlab_check.py VENV [CHAPTER.md ...] [--chromium PATH]``

``VENV`` is a virtual environment with the ``book`` extra installed (JupyterLab,
jupytext, jupyterlab-myst, ipykernel); playwright runs from the Python running
this script. The chapters are copied to a temporary folder, JupyterLab is started
there with a throw-away configuration, and each chapter is opened with a right
click, *Open With -> Notebook* (jupytext's notebook view of the ``.md`` file).

Each chapter is inspected once its kernel is idle and jupyterlab-myst has rendered
its markdown (before that there is nothing to see: no citations, no modified mark).
For each chapter it reports: the code cells, how many are folded (their input
collapsed) against how many the file asks to fold (``source_hidden: true``:
solutions and checks), the citations, and how many of them jupyterlab-myst shows as
"Citation Not Found", whether JupyterLab marks the tab modified, and which notebook
metadata JupyterLab changed against jupytext's reading of the file. It fails if a
cell that should be folded is not, if a citation is not found, if the tab is
modified for any reason but the one the chapters cannot avoid (see
``KERNEL_WRITES``), or if opening changed a file on disk. Screenshots go to
``docs/_build/jupyterlab/``, scrolled to the first citation.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "docs" / "chapters"
PORT = 8899
SETTINGS = {  # every cell rendered (so all can be counted), no news pop-up
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
}
# When its kernel starts, JupyterLab writes the kernel's language_info (with the Python
# version, down to the patch level) into the notebook's metadata, which marks the tab
# modified. A chapter cannot carry a value that equals every Python's, and jupytext
# leaves language_info out of the saved file, so the file stays as committed.
KERNEL_WRITES = {"language_info"}
INSPECT = """() => {
  const nb = [...document.querySelectorAll('.jp-NotebookPanel')]
    .find(p => !p.classList.contains('lm-mod-hidden'));
  const cells = [...nb.querySelectorAll('.jp-Cell.jp-CodeCell')];
  const folded = cells.filter(c => c.querySelector('.jp-InputPlaceholder'));
  const dirty = [...document.querySelectorAll('.lm-TabBar-tab.jp-mod-dirty.lm-mod-current')]
    .map(t => t.textContent);
  const unresolved = nb.querySelectorAll('.cite-group [title="Citation Not Found"]').length;
  // roles, and the links docs/citations.py writes for them
  const citations = nb.querySelectorAll('.cite-group, a[href*="references.bib"]').length;
  const model = window.jupyterapp.shell.currentWidget.context.model;
  return {code_cells: cells.length, folded: folded.length, dirty, citations,
          unresolved_citations: unresolved, metadata: model.sharedModel.getMetadata()};
}"""
READY = """() => {
  const nb = [...document.querySelectorAll('.jp-NotebookPanel')]
    .find(p => !p.classList.contains('lm-mod-hidden'));
  const md = [...nb.querySelectorAll('.jp-MarkdownCell')];
  const bar = document.querySelector('#jp-main-statusbar') ?? document.body;
  const idle = /\\| Idle/.test(bar.innerText);
  return idle && md.length > 0 && md.every(c => c.classList.contains('jp-mod-rendered'));
}"""


def _start(venv: Path, root: Path, config: Path) -> subprocess.Popen:
    settings = venv / "share" / "jupyter" / "lab" / "settings"
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(config / "rt"))
    env["JUPYTERLAB_SETTINGS_DIR"] = str(config / "user-settings")
    settings.mkdir(parents=True, exist_ok=True)
    overrides = settings / "overrides.json"
    if not overrides.exists():
        overrides.write_text(json.dumps(SETTINGS))
    server = subprocess.Popen(
        [
            str(venv / "bin" / "jupyter"),
            "lab",
            "--no-browser",
            f"--port={PORT}",
            "--ServerApp.token=",
            "--ServerApp.password=",
            "--allow-root",
            f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",  # to read the notebook's model
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(90):
        try:
            urllib.request.urlopen(f"http://localhost:{PORT}/lab")
            return server
        except OSError:
            time.sleep(1)
    server.terminate()
    raise RuntimeError("JupyterLab did not start within 90 s")


def _open_as_notebook(page, name: str) -> None:
    page.goto(f"http://localhost:{PORT}/lab")
    item = page.locator(".jp-DirListing-content").get_by_text(name, exact=True)
    item.wait_for(timeout=60000)
    time.sleep(2)
    item.click(button="right")
    page.locator('.lm-Menu-item:has(.lm-Menu-itemLabel:text-is("Open With"))').first.hover()
    time.sleep(1.5)
    page.locator(".lm-Menu").last.locator(".lm-Menu-item").first.click()  # "Notebook"
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60000, state="attached")
    page.wait_for_function(READY, timeout=180000, polling=1000)
    time.sleep(3)  # the last kernel messages land, the extensions finish rendering


def _metadata_changes(found: dict, path: Path) -> list[str]:
    """The metadata keys JupyterLab changed against jupytext's reading of ``path``."""
    import jupytext

    read = jupytext.read(path).metadata
    shown = found.pop("metadata")
    return sorted(k for k in set(read) | set(shown) if read.get(k) != shown.get(k))


def _verdict(found: dict) -> list[str]:
    """What is wrong with one chapter as JupyterLab shows it."""
    wrong = []
    if found["folded"] != found["should_fold"]:
        wrong.append("cells that should be folded are not")
    if found["unresolved_citations"]:
        wrong.append("citations shown as 'Citation Not Found'")
    if found["dirty"] and not set(found["metadata_changed"]) <= KERNEL_WRITES:
        wrong.append("the tab is modified by more than the kernel's language_info")
    return wrong


def _show_first_citation(page) -> None:
    shown = ".jp-NotebookPanel:not(.lm-mod-hidden)"
    citation = page.locator(f"{shown} .cite-group, {shown} a[href*='references.bib']").first
    if citation.count():
        citation.scroll_into_view_if_needed()
        time.sleep(1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("venv", type=Path)
    parser.add_argument("chapters", nargs="*", default=[p.name for p in CHAPTERS.glob("0*.md")])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    root, config = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    for path in [*CHAPTERS.glob("*.md"), CHAPTERS / "jupytext.toml"]:
        shutil.copy(path, root)
    shots = ROOT / "docs" / "_build" / "jupyterlab"
    shots.mkdir(parents=True, exist_ok=True)
    before = {name: (root / name).read_text() for name in args.chapters}
    server = _start(args.venv, root, config)
    failed = False
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for name in sorted(args.chapters):
                _open_as_notebook(page, name)
                found = page.evaluate(INSPECT)
                found["should_fold"] = before[name].count("source_hidden: true")
                found["metadata_changed"] = _metadata_changes(found, root / name)
                _show_first_citation(page)
                page.screenshot(path=str(shots / f"{Path(name).stem}.png"))
                wrong = _verdict(found)
                print(name, json.dumps(found), "FAIL: " + "; ".join(wrong) if wrong else "ok")
                failed |= bool(wrong)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    changed = [n for n in args.chapters if (root / n).read_text() != before[n]]
    print("files changed on disk by opening:", changed or "none")
    return 1 if failed or changed else 0


if __name__ == "__main__":
    sys.exit(main())
