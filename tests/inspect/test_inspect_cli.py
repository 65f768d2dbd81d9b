"""``inspect-model`` argument handling (no model needed)."""

from __future__ import annotations

from looplab.inspect.cli import EXPERIMENTS, main


def test_unknown_experiment_is_a_one_line_error(capsys):
    assert main(["steering", "nonsense"]) == 2
    err = capsys.readouterr().err.strip()
    assert "nonsense" in err and all(e in err for e in EXPERIMENTS) and "\n" not in err
