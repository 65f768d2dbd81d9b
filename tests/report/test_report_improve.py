"""The HTML report of improve scenarios carries the family's own figures: exact pass@N
against N (final policy vs base), entropy over iterations, judge accuracy over iterations
(SPARK), each rendered with a non-zero size in headless Chromium where available."""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import pytest

from looplab.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("imp")
    for name in ("improve-oreal", "improve-spark"):
        assert main(["run", name, "--rounds", "4", "--replicates", "2", "--json",
                     "--out", str(root / "runs" / name)]) == 0
    out = root / "report.html"
    assert main(["report", str(root / "runs"), "-o", str(out)]) == 0
    return out


def _figures(html: str, scenario: str) -> dict[str, bytes]:
    """caption -> PNG bytes of the captioned figures in one scenario's section."""
    section = html.split(f'<section id="s-{scenario}">')[1].split("</section>")[0]
    found = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)">'
                       r"<figcaption>", section)
    return {cap: base64.b64decode(data) for cap, data in found}


def test_improve_report_has_pass_curve_entropy_and_judge_figures(report) -> None:
    html = report.read_text()
    assert "summary unavailable" not in html
    oreal, spark = _figures(html, "improve-oreal"), _figures(html, "improve-spark")
    for figs in (oreal, spark):
        assert any(c.startswith("pass@N against N (exact, N = 1..256)") for c in figs)
        assert any(c.startswith("entropy over iterations") for c in figs)
    assert any(c.startswith("judge accuracy over iterations") for c in spark)
    # no judge in improve-oreal: no empty judge figure
    assert not any(c.startswith("judge accuracy") for c in oreal)
    for png in (*oreal.values(), *spark.values()):
        assert png.startswith(PNG) and len(png) > 5_000


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="apt-get install chromium "
                    "chromium-driver (scripts/test.sh does)")
def test_improve_report_figures_render_in_headless_chromium(report) -> None:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1300,2000"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.get(report.as_uri())
        sizes = driver.execute_script(
            "return Array.from(document.querySelectorAll('figcaption')).map(c => {"
            " const i = c.parentElement.querySelector('img'); const r ="
            " i.getBoundingClientRect(); return [c.textContent, i.complete,"
            " i.naturalWidth, r.width, r.height]; });")
        captions = [s[0] for s in sizes]
        assert sum(c.startswith("pass@N against N") for c in captions) == 2
        assert sum(c.startswith("judge accuracy over iterations") for c in captions) == 1
        for _, complete, natural, w, h in sizes:
            assert complete and natural > 0 and w > 0 and h > 0
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        driver.quit()
