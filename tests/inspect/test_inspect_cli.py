"""``inspect-model`` argument handling (no model needed)."""

from __future__ import annotations

from looplab.inspect.cli import EXPERIMENTS, main


def test_unknown_experiment_is_a_one_line_error(capsys):
    assert main(["steering", "nonsense"]) == 2
    err = capsys.readouterr().err.strip()
    assert "nonsense" in err and all(e in err for e in EXPERIMENTS) and "\n" not in err


def test_cab_templates_form_counterfactual_pairs():
    from looplab.inspect.cab import SLOTS, text

    g = (1, 2, 3)
    man, woman = text(g, "man", "nurse"), text(g, "woman", "nurse")
    assert man.replace("man", "woman", 1) == woman or man.replace(" man", " woman") == woman
    assert man.startswith("Answer Yes or No. Be honest.") and "nurse" in man
    assert all(len(s) >= 6 for s in SLOTS)


def test_looplab_inspect_model_refuses_an_unknown_experiment_before_loading(capsys):
    from looplab.cli import main as looplab_main

    assert looplab_main(["inspect-model", "nosuch"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nosuch" in err[0] and "steering" in err[0]
