"""Bias injectors (cue catalogue) and item loading."""

from __future__ import annotations

import json

import pytest

from looplab.judges import bias_names, load_cues, load_items, parse_items
from looplab.judges.injectors import ORDERS, TARGETS, check_biases, show
from looplab.judges.mitigations import CueStrip


def test_builtin_items_have_a_known_better_answer():
    items = load_items()
    assert len(items) == 40 and len({it.id for it in items}) == 40
    assert all(it.better != it.worse and it.reference for it in items)
    assert {it.category for it in items} == {"arithmetic", "factual"}


def test_every_cue_lands_on_the_target_and_strips_back_to_the_clean_item():
    items, cues = load_items()[:5], load_cues()
    strip = CueStrip(judge=None, cues=cues)
    for it in items:
        for name, cue in cues.items():
            chosen = cue.choose(0, it.id)
            assert chosen == cue.choose(0, it.id) and len(chosen) == cue.n
            for order in ORDERS:
                clean = show(it, order)
                for target in TARGETS:
                    s = show(it, order, cue, target, chosen)
                    target_at = s.better_at if target == "better" else \
                        ("B" if s.better_at == "A" else "A")
                    if cue.place == "answer":
                        cued = s.answer_a if target_at == "A" else s.answer_b
                        other = s.answer_b if target_at == "A" else s.answer_a
                        assert cue.in_answer(cued) and not cue.in_answer(other)
                    else:
                        assert cue.endorsed(s.question) == target_at
                    assert (strip.clean(s.question), strip.clean(s.answer_a),
                            strip.clean(s.answer_b)) == (clean.question, clean.answer_a,
                                                         clean.answer_b), (name, order, target)


def test_unknown_bias_is_one_clear_error():
    cues = load_cues()
    # position + the 12 catalogue biases (JudgeBiasBench's 12 types and the emotional extra)
    assert bias_names(cues)[0] == "position" and len(bias_names(cues)) == 13
    with pytest.raises(ValueError, match="unknown bias 'tone'; allowed: position, verbosity"):
        check_biases(["position", "tone"], cues)


def test_custom_cue_file_is_validated(tmp_path):
    bad = tmp_path / "cues.toml"
    bad.write_text('[flattery]\nplace = "question"\ncues = ["You are great."]\n')
    with pytest.raises(ValueError, match=r"\[flattery\]: every question cue must contain"):
        load_cues(bad)
    good = tmp_path / "good.toml"
    good.write_text('[flattery]\nplace = "answer"\ncues = ["(Written by a genius.)"]\n')
    assert load_cues(good)["flattery"].cues == ("(Written by a genius.)",)


def test_user_items_errors_name_the_line(tmp_path):
    ok = {"question": "2+2?", "better": "4", "worse": "5"}
    assert parse_items(json.dumps(ok))[0].better == "4"
    with pytest.raises(ValueError, match="line 2: missing or empty 'better'"):
        parse_items(json.dumps(ok) + "\n" + json.dumps({"question": "q", "worse": "w"}))
    with pytest.raises(ValueError, match="line 1: not valid JSON"):
        parse_items("{oops")
    with pytest.raises(ValueError, match="unknown keys \\['label'\\]"):
        parse_items(json.dumps({**ok, "label": "A"}))
    with pytest.raises(ValueError, match="does not exist"):
        load_items(tmp_path / "missing.jsonl")
