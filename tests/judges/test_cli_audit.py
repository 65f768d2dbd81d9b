"""``looplab audit-judge``: results through the store, JSON output, one-line errors."""

from __future__ import annotations

import json

from looplab.cli import main
from looplab.experiments.store import is_complete, open_results, read_manifest
from tests.llm.openai_server import FakeOpenAI


def test_audit_judge_reference_with_mitigation_writes_a_run(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["audit-judge", "--judge", "reference:position=1.5,authority=1.0",
                 "--biases", "position,authority", "--mitigation", "swap", "--max-items", "20",
                 "--repeats", "2", "--seed", "3", "--out", str(out), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"baseline", "swap", "out"}
    assert data["swap"]["effects"]["position"]["estimate"] == 0.0
    assert data["baseline"]["effects"]["position"]["verdict"] in ("biased", "robust",
                                                                  "not enough data")
    assert is_complete(out) and (out / "verdicts.parquet").exists()
    man = read_manifest(out)
    assert man["kind"] == "judge-audit" and man["record"]["config"]["mitigation"] == "swap"
    con = open_results(out)
    rows = con.execute("SELECT policy, bias, estimate FROM runs WHERE metric = 'effect' "
                       "ORDER BY policy, bias").fetchall()
    assert [r[:2] for r in rows] == [("baseline", "authority"), ("baseline", "position"),
                                     ("swap", "authority"), ("swap", "position")]


def test_audit_judge_openai_endpoint_end_to_end(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LOOPLAB_CACHE_DIR", str(tmp_path / "cache"))
    with FakeOpenAI(reply=lambda body: "A", top=lambda body: None) as srv:
        code = main(["audit-judge", "--judge", "openai", "--base-url", srv.base_url,
                     "--model", "test-model", "--biases", "position", "--max-items", "6",
                     "--out", str(tmp_path / "o"), "--json"])
    assert code == 0
    eff = json.loads(capsys.readouterr().out)["baseline"]["effects"]["position"]
    assert eff["estimate"] == 1.0 and eff["verdict"] == "biased"  # "always A" is primacy


def test_audit_judge_bad_input_is_one_line_exit_2(tmp_path, capsys):
    bad = [
        (["--judge", "oracle"], "--judge must be one of"),
        (["--judge", "reference", "--biases", "position,length"], "unknown bias 'length'"),
        (["--judge", "reference", "--mitigation", "pray"], "unknown mitigation 'pray'"),
        (["--judge", "openai"], "--judge openai needs --base-url"),
        (["--judge", "openai", "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
          "--max-items", "1", "--biases", "position"], "cannot reach"),
        (["--judge", "reference", "--items", str(tmp_path / "none.jsonl")], "does not exist"),
    ]
    (tmp_path / "noans.jsonl").write_text('{"question": "q", "better": "x"}\n')
    bad.append((["--judge", "reference", "--items", str(tmp_path / "noans.jsonl")],
                "missing or empty 'worse'"))
    for args, msg in bad:
        code = main(["audit-judge", *args, "--out", str(tmp_path / "x")])
        err = capsys.readouterr().err.strip()
        assert code == 2 and msg in err and len(err.splitlines()) == 1, (args, err)


def test_audit_judge_rejected_model_is_one_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LOOPLAB_CACHE_DIR", str(tmp_path / "cache"))
    with FakeOpenAI() as srv:
        code = main(["audit-judge", "--judge", "openai", "--base-url", srv.base_url,
                     "--model", "gpt-nope", "--biases", "position", "--max-items", "2",
                     "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "HTTP 404" in err and "gpt-nope" in err
