"""``docs/claims_results.csv`` (written by ``scripts/claims_results.py``, read by the docs
build) against the registry: every row names an existing claim of its family on a built-in
scenario of that family, still with the op, margin and rule it was measured against, and its
numbers and verdict follow from its per-seed values by the claim's pass rule (so a renamed
claim, a changed margin or a hand-edited number is caught); every claim of every family's
``CLAIMS`` has a row or is shown on the pages as not yet measured. Quick: nothing is run."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from looplab.experiments.claims import claim_by_id, value
from looplab.experiments.registry import family, kinds, load_raw, scenario_names

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "docs" / "claims_results.csv"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, mod)
    spec.loader.exec_module(mod)
    return sys.modules[name]


docs = _load("looplab_docs", ROOT / "docs" / "_ext" / "looplab_docs.py")
script = _load("claims_results_script", ROOT / "scripts" / "claims_results.py")


@pytest.fixture(scope="module")
def results():
    return docs.claims_results(CSV)


def _kind_scenarios() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in scenario_names():
        out.setdefault(load_raw(name).get("kind", ""), []).append(name)
    return out


def test_rows_name_existing_claims_and_are_not_stale(results):
    scen = _kind_scenarios()
    for (scenario, cid), row in results.rows.items():
        kind = row["family"]
        assert kind in kinds(), f"{scenario}/{cid}: unknown family {kind!r}"
        assert scenario in scen.get(kind, []), f"{cid}: {scenario!r} is not a {kind} scenario"
        try:
            claim = claim_by_id(family(kind).claims, cid)
        except KeyError:
            pytest.fail(f"docs/claims_results.csv names claim {cid!r} of {kind}, which its "
                        f"CLAIMS table no longer has: rerun scripts/claims_results.py "
                        f"--only {scenario}")
        assert not docs.stale_reason(claim, row), (
            f"{scenario}/{cid} was measured against another claim "
            f"({docs.stale_reason(claim, row)}): rerun scripts/claims_results.py --only "
            f"{scenario}")


def test_numbers_and_verdicts_follow_from_the_per_seed_values(results):
    for (scenario, cid), row in results.rows.items():
        claim = claim_by_id(family(row["family"]).claims, cid)
        vals = np.array([float(v) for v in row["values"].split(";")])
        assert vals.size == int(row["seeds"]) >= claim.min_seeds, (scenario, cid)
        assert sum(claim.holds(float(v)) for v in vals) == int(row["n_held"]), (scenario, cid)
        # Claim.check_over_seeds itself, on the stored values (the same claim reading them)
        probe = dataclasses.replace(claim, measure=value("x", "v"), arms=())
        v = probe.check_over_seeds([{"x": {"v_mean": float(x)}} for x in vals])
        for key in ("mean", "ci_low", "ci_high"):
            got = float(row[key])
            assert (math.isnan(got) and math.isnan(v[key])) or math.isclose(
                got, v[key], rel_tol=1e-9, abs_tol=1e-12), (scenario, cid, key)
        held = v["held"]
        assert row["verdict"] == script.verdict_of(held, claim.expected_to_hold(scenario)), (
            scenario, cid, row["verdict"])
        assert row["recorded"] == ("reproduced" if claim.expected_to_hold(scenario)
                                   else "not reproduced")


def test_every_measured_scenario_records_its_provenance(results):
    for scenario in {s for s, _ in results.rows}:
        meta = results.measured_scenarios.get(scenario)
        assert meta, f"{scenario}: no entry in docs/claims_results.json"
        assert meta["git_revision"] and meta["stream_scheme"] and meta["generated"]
        assert len(meta["seeds"]) >= 5


def test_every_claim_has_a_row_or_shows_as_not_yet_measured(results):
    scen = _kind_scenarios()
    for kind in kinds():
        for claim in family(kind).claims:
            rows = docs.claim_rows(kind, claim, scen.get(kind, []), results)
            measured = results.for_claim(kind, claim.id)
            assert [r for _, r in rows if r is not None] == [measured[s] for s in
                                                             sorted(measured)]
            block = docs.claim_block(kind, claim, scen.get(kind, []), results)
            if not measured:
                assert docs.NOT_MEASURED in block, (kind, claim.id)
            for s, row in measured.items():
                cells = docs.result_cells(claim, row)
                assert f"``{s}``" in block and cells[1] in block, (kind, claim.id, s)


def test_without_a_csv_every_claim_is_not_yet_measured(tmp_path):
    empty = docs.claims_results(tmp_path / "absent.csv")
    kind = kinds()[0]
    claim = family(kind).claims[0]
    block = docs.claim_block(kind, claim, ["some-scenario"], empty)
    assert docs.NOT_MEASURED in block and "some-scenario" in block


def test_only_regenerates_its_scenarios_keeps_the_others_and_drop_removes(tmp_path, monkeypatch):
    csv = tmp_path / "claims.csv"

    def fake(name, overrides, seeds, workers, keep):
        return [{c: "" for c in script.COLUMNS} | {"family": "f", "scenario": name,
                                                   "claim": f"c-{name}", "verdict": "held"}]

    monkeypatch.setattr(script, "measure", fake)
    names = scenario_names()[:2]
    assert script.main(["--csv", str(csv), "--only", *names]) == 0
    assert script.main(["--csv", str(csv), "--only", names[0]]) == 0
    got = docs.claims_results(csv)
    assert sorted(got.rows) == sorted((n, f"c-{n}") for n in names)
    meta = json.loads(csv.with_suffix(".json").read_text())
    assert sorted(meta["scenarios"]) == sorted(names)
    assert meta["scenarios"][names[0]]["stream_scheme"]
    assert script.main(["--csv", str(csv), "--drop", names[1]]) == 0
    assert sorted(docs.claims_results(csv).rows) == [(names[0], f"c-{names[0]}")]
    assert sorted(json.loads(csv.with_suffix(".json").read_text())["scenarios"]) == [names[0]]
