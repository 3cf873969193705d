"""The built docs site: what a reader gets (``-m docs_site``), and how it renders in Chromium
(``-m browser``; CI runs both on one build: ``-m "docs_site or browser"``). The browser checks
need Debian's /usr/bin/chromium and ``uv run --with playwright`` (never ``playwright install``),
and skip without them. ``LAMBDA_METADATA_SCREENSHOTS=DIR`` keeps the screenshots."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run, run_python

CHROMIUM = Path("/usr/bin/chromium")
WIDTH = 1280
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHROMIUM_ARGS += ["--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    command = ["-m", "mkdocs", "build", "--strict", "--quiet", "-d", out]
    run_python(*command, cwd=ROOT, timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    return out


@pytest.fixture(scope="module")
def mermaid_js(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The ``mermaid.min.js`` that mkdocs-material loads in a reader's browser from a CDN
    (``mermaid@11``), taken here from the npm registry, as this machine reaches no CDN: the
    browser tests serve it in place of the CDN's. ``None`` without npm or the registry."""
    npm = shutil.which("npm")
    out = tmp_path_factory.mktemp("mermaid")
    command = [npm, "pack", "mermaid@11", "--silent", "--pack-destination", out]
    packed = run(*command, timeout=300, ok=False) if npm else None
    if packed is None or packed.returncode != 0 or not packed.stdout.split():
        return None
    with tarfile.open(out / packed.stdout.split()[-1]) as tar:
        source = tar.extractfile("package/dist/mermaid.min.js")
        assert source is not None
        path = out / "mermaid.min.js"
        path.write_bytes(source.read())
    return path


def _pages(site: Path) -> list[str]:
    """Site-relative paths of every page in the sitemap."""
    locations = re.findall(r"<loc>(.*?)</loc>", (site / "sitemap.xml").read_text())
    return [loc.removeprefix(locations[0]) for loc in locations]


@pytest.mark.docs_site
def test_the_site_lists_every_page_links_the_guides_and_holds_no_sources(site: Path) -> None:
    built = [path.relative_to(site).as_posix() for path in site.rglob("*")]
    assert not [name for name in built if name.endswith(".py") or "__pycache__" in name]
    assert not (site / "examples").exists()
    pages = _pages(site)
    assert "" in pages
    assert {"getting-started/", "migration/", "testing/"} <= set(pages)
    assert len(pages) >= 15
    home = (site / "index.html").read_text()
    assert "pip install lambda-metadata" in home
    assert 'href="migration/"' in home
    assert 'id="key-features"' in home
    for section in ("Getting started", "Features", "Testing your code", "Coming from Powertools"):
        assert section in home  # the navigation reads like Powertools'
    getting_started = (site / "getting-started" / "index.html").read_text()
    for extra in ("powertools", "tracer", "ec2", "otel"):
        assert f"<code>{extra}</code>" in getting_started
    migration = (site / "migration" / "index.html").read_text()
    assert "docs.aws.amazon.com/lambda/latest/dg/configuration-metadata-endpoint" in migration


@pytest.mark.docs_site
def test_the_api_page_shows_values_types_and_fixtures(site: Path) -> None:
    api = (site / "api" / "index.html").read_text()
    signatures = " ".join(
        re.sub(r"<[^>]+>", "", block)
        for block in re.findall(r'<div class="doc-signature.*?</div>', api, flags=re.S)
    )
    assert "timeout: float = 1.0" in signatures  # not "= DEFAULT_TIMEOUT"
    assert "timeout: float = 2.0" in signatures  # the SnapStart hook's and EC2's
    assert not re.search(r"= _?[A-Z][A-Z0-9_]{3,}\b", signatures)  # no constant by name
    assert "-&gt; Any" not in signatures  # inject_az: its options typed, not Any
    assert "wrapped: _Handler | None = None" in signatures
    for fixture in ("lambda_metadata_endpoint", "no_lambda_metadata", "lambda_metadata_clock"):
        assert f'id="lambda_metadata.testing.pytest_plugin.{fixture}"' in api


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def browser(site: Path, tmp_path: Path, mermaid_js: Path | None) -> Iterator[tuple[Any, str, Path]]:
    """Chromium on the served site, Mermaid served in place of the CDN's: the browser, the
    site's address and where screenshots go."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = Path(os.environ.get("LAMBDA_METADATA_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": WIDTH, "height": 900},
        )
        if mermaid_js is not None:
            context.route(
                "**/mermaid.min.js",
                lambda route: route.fulfill(path=str(mermaid_js), content_type="text/javascript"),
            )
        try:
            yield context, f"http://127.0.0.1:{server.server_address[1]}/", shots
        finally:
            context.close()
            server.shutdown()
            server.server_close()


MEASURE = """() => {
  const over = (box) => box.scrollWidth > box.clientWidth + 1;
  const cut = [...document.querySelectorAll('pre > code')]
    .filter((code) => over(code) || over(code.parentElement))
    .map((code) => code.textContent.split('\\n').reduce((a, b) => (a.length >= b.length ? a : b)));
  const broken = [];
  const cells = document.querySelectorAll('.md-typeset table th, .md-typeset table td code');
  for (const cell of cells) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(word[0]);
      }
    }
  }
  return {cut, broken, pageWidth: document.documentElement.scrollWidth};
}"""


@pytest.mark.browser
@pytest.mark.timeout(300)  # every page and its screenshot: 30 s on a quiet machine
def test_pages_render_without_cut_code_or_broken_names(
    site: Path, browser: tuple[Any, str, Path]
) -> None:
    context, base, shots = browser
    page = context.new_page()
    problems: dict[str, object] = {}
    for path in _pages(site):
        page.goto(base + path, wait_until="load", timeout=30_000)
        found = page.evaluate(MEASURE)
        name = path.strip("/").replace("/", "-") or "index"
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        if found["cut"] or found["broken"] or found["pageWidth"] > WIDTH:
            problems[path or "/"] = found
    assert problems == {}


# mkdocs-material draws a diagram into a closed shadow root; opened here so the test can read it.
OPEN_SHADOW_ROOTS = """{
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (options) {
    return attach.call(this, {...options, mode: 'open'});
  };
}"""

DIAGRAM = """() => {
  const svg = document.querySelector('div.mermaid')?.shadowRoot?.querySelector('svg');
  if (!svg) return null;
  const {width, height} = svg.getBoundingClientRect();
  return {
    text: svg.textContent,
    width,
    height,
    nodes: svg.querySelectorAll('.node').length,
    edges: svg.querySelectorAll('.edgePaths path, path.flowchart-link').length,
    left_as_code: document.querySelectorAll('pre.mermaid').length,
    content: document.querySelector('.md-content').getBoundingClientRect().width,
  };
}"""


@pytest.mark.browser
def test_the_home_page_diagram_renders_as_a_picture(
    browser: tuple[Any, str, Path], mermaid_js: Path | None
) -> None:
    if mermaid_js is None:
        pytest.skip("no Mermaid from the npm registry (npm pack mermaid@11)")
    context, base, shots = browser
    context.add_init_script(OPEN_SHADOW_ROOTS)
    page = context.new_page()
    page.goto(base, wait_until="load", timeout=30_000)
    page.wait_for_function(DIAGRAM, timeout=30_000)
    found = page.evaluate(DIAGRAM)
    page.locator("div.mermaid").screenshot(path=str(shots / "index-diagram.png"))
    assert found["left_as_code"] == 0  # the source block was replaced by the picture
    source = (ROOT / "docs" / "index.md").read_text().split("```mermaid\n")[1].split("```")[0]
    labels = re.findall(r'\["(.+?)"\]|\[\("(.+?)"\)\]', source)
    assert (found["nodes"], found["edges"]) == (len(labels), source.count("->")) == (10, 9)
    for label in "<br/>".join(a or b for a, b in labels).split("<br/>"):
        assert label in found["text"]
    assert 300 < found["width"] <= found["content"]
    assert found["height"] > 100
