"""The documentation site: built with ``scripts/docs.sh`` (Sphinx ``-W``, gallery run at
build time), its generated pages cover the registry, every internal link resolves, and the
index, a paper page and a gallery page render in headless Chromium with their figures and
no console error. A screenshot of the paper page goes to ``test-artifacts/docs-paper.png``
(or $LOOPLAB_ARTIFACTS).

``scripts/test.sh`` builds the site once and points ``LOOPLAB_DOCS_HTML`` at it; without
that variable the test builds it into a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
PAPER_PAGE = "papers/ofs.html"
GALLERY_PAGE = "auto_examples/plot_lending_ofs.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    given = os.environ.get("LOOPLAB_DOCS_HTML")
    if given and (Path(given) / "index.html").is_file():
        return Path(given)
    for mod in ("sphinx", "furo", "myst_parser", "sphinx_gallery", "sphinx_copybutton",
                "sphinx_autodoc_typehints"):
        pytest.importorskip(mod, reason="pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("docs") / "html"
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "docs.sh"), str(out)],
                          env={**os.environ, "PYTHON": sys.executable},
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


class _Links(HTMLParser):
    """Every href/src of a page, and every id/name it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.anchors: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.anchors.add(a[key])  # type: ignore[arg-type]
        for key in ("href", "src"):
            if a.get(key) and tag in ("a", "link", "img", "script"):
                self.links.append(a[key])  # type: ignore[arg-type]


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return p


def test_generated_pages_cover_the_registry_and_the_paper_list(site):
    from looplab.experiments.registry import family, kinds

    families = (site / "families" / "index.html").read_text()
    for kind in kinds():
        assert f'id="{kind.lower().replace("_", "-")}"' in families or kind in families
    papers = tomllib.loads((ROOT / "docs" / "papers.toml").read_text())["paper"]
    coverage = (site / "papers" / "index.html").read_text()
    pages = {p["id"]: (site / "papers" / f"{p['id']}.html") for p in papers}
    for p in papers:
        assert pages[p["id"]].is_file(), p["id"]
        assert f"{p['id']}.html" in coverage
    # every claim of every family is shown, on its paper's page or on the coverage page
    text = coverage + "".join(f.read_text() for f in pages.values())
    for kind in kinds():
        for claim in family(kind).claims:
            assert claim.id in text, (kind, claim.id)
    ofs = pages["ofs"].read_text()
    assert "not reproduced" in ofs and "most_seeds" in ofs
    assert "looplab run lending-synthetic" in ofs
    assert "over seeds" in coverage


def test_paper_pages_show_the_measured_claims(site):
    """Each row of docs/claims_results.csv is on its paper's page: seeds held, the verdict
    and the scenario's provenance (stream scheme)."""
    import csv
    import json

    path = ROOT / "docs" / "claims_results.csv"
    if not path.is_file():
        pytest.skip("no docs/claims_results.csv (scripts/claims_results.py writes it)")
    meta = json.loads(path.with_suffix(".json").read_text())["scenarios"]
    with path.open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["paper"]]
    for r in rows:
        for paper in r["paper"].split(";"):
            page = (site / "papers" / f"{paper}.html").read_text()
            assert r["claim"] in page and f"{r['n_held']}/{r['seeds']}" in page, (paper, r)
            assert meta[r["scenario"]]["stream_scheme"] in page, paper


def test_internal_links_resolve(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    anchors = {p.resolve(): _parse(p).anchors for p in pages}
    broken = []
    for page in pages:
        for link in _parse(page).links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("//", "mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path \
                else page.resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {link}")
            elif (parts.fragment and target.suffix == ".html"
                  and unquote(parts.fragment) not in anchors.get(target, set())):
                broken.append(f"{page.relative_to(site)} -> {link} (no anchor)")
    assert broken == [], "\n".join(broken[:40])


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="apt-get install chromium "
                    "chromium-driver (scripts/test.sh does)")
def test_pages_render_in_headless_chromium_without_console_errors(site):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1300,1800",
                 "--allow-file-access-from-files"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        for page, min_figures in (("index.html", 0), (PAPER_PAGE, 1), (GALLERY_PAGE, 1)):
            driver.get((site / page).as_uri())
            driver.execute_script("return document.readyState")
            imgs = driver.execute_script(
                "return Array.from(document.images).map(i => [i.currentSrc, i.complete,"
                " i.naturalWidth, i.getBoundingClientRect().width]);")
            figures = [i for i in imgs if "/_images/" in i[0]]
            assert len(figures) >= min_figures, (page, imgs)
            for src, complete, natural, width in imgs:
                assert complete and natural > 0 and width > 0, (page, src)
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert errors == [], (page, errors)
            assert driver.title and "looplab" in driver.title
            if page == PAPER_PAGE:
                art = Path(os.environ.get("LOOPLAB_ARTIFACTS", "test-artifacts"))
                art.mkdir(parents=True, exist_ok=True)
                shot = art / "docs-paper.png"
                driver.set_window_size(1300, 5200)  # down to the figure and the claims
                driver.save_screenshot(str(shot))
                assert shot.stat().st_size > 10_000
    finally:
        driver.quit()
