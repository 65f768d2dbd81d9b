"""The HTML report, opened in a real headless Chromium: every figure renders with a
non-zero size and the page logs no console error. A screenshot is kept as an artifact in
``test-artifacts/`` (or $LOOPLAB_ARTIFACTS)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from looplab.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("rep")
    spec = root / "spec.toml"
    spec.write_text(
        'name = "rep"\nscenarios = ["lending-synthetic"]\nseeds = [0, 1]\n'
        '[set]\nrounds = 120\nreplicates = 2\n"oracle.rounds" = 40\n'
        '[grid]\n"world.epsilon" = [0.05, 0.1]\n'
    )
    assert main(["sweep", str(spec), "--out", str(root / "sweep"), "--workers", "2"]) == 0
    out = root / "report.html"
    assert main(["report", str(root / "sweep"), "-o", str(out)]) == 0
    return out


def test_report_is_self_contained_and_lists_claims_and_runs(report):
    html = report.read_text()
    assert "http://" not in html and "https://" not in html  # nothing fetched to view it
    assert html.count("data:image/png;base64,") == 2  # one figure per grid combination
    assert "world.epsilon = 0.05" in html and "world.epsilon = 0.1" in html
    assert "OFS steady-state reward within 0.003" in html
    assert html.count("<details>") == 4  # one record per run
    assert "git_revision" in html and "numpy" in html


def test_report_with_several_seeds_shows_per_seed_verdicts(report):
    """Two seeds per group: each claim is decided over the seeds by its rule, with every
    seed's verdict listed (two seeds are fewer than a rule needs, so none is 'held')."""
    html = report.read_text()
    assert "seed 0: " in html and "seed 1: " in html
    assert "rule pooled" in html and "rule most_seeds" in html
    assert "held on 0/2" in html or "held on 1/2" in html or "held on 2/2" in html


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="apt-get install chromium "
                    "chromium-driver (scripts/test.sh does)")
def test_report_renders_in_headless_chromium_without_console_errors(report):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1300,2000"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.get(report.as_uri())
        sizes = driver.execute_script(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth,"
            " i.getBoundingClientRect().width, i.getBoundingClientRect().height]);"
        )
        assert len(sizes) == 2
        for complete, natural, w, h in sizes:
            assert complete and natural > 0 and w > 0 and h > 0
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        art = Path(os.environ.get("LOOPLAB_ARTIFACTS", "test-artifacts"))
        art.mkdir(parents=True, exist_ok=True)
        shot = art / "report.png"
        driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
    finally:
        driver.quit()


def test_report_covers_runs_of_different_scenario_families(tmp_path):
    """Runs whose configs and metric columns differ (lending and retrieval) share a report."""
    assert main(["run", "lending-synthetic", "--rounds", "50", "--replicates", "2", "--json",
                 "--set", "oracle.rounds=20", "--out", str(tmp_path / "runs" / "a")]) == 0
    assert main(["run", "retrieval-kair", "--rounds", "4", "--replicates", "2", "--json",
                 "--out", str(tmp_path / "runs" / "b")]) == 0
    out = tmp_path / "mixed.html"
    assert main(["report", str(tmp_path / "runs"), "-o", str(out)]) == 0
    html = out.read_text()
    assert "lending-synthetic" in html and "retrieval-kair" in html
    assert html.count("data:image/png;base64,") == 2
    assert "summary unavailable" not in html
