"""RBD with the trained detector and the Paradox-of-Robustness design on the local model
(SmolLM2-135M-Instruct, logprob verdicts), marker ``model``: the real numbers are printed
(run with -s); the assertions are sanity only, since a 135M model's biases are what they are."""

import pytest

from looplab.judges import LLMJudge, load_items
from looplab.judges.injectors import load_cues
from looplab.judges.paradox import paradox_audit
from looplab.judges.rbd import DetectRevise
from looplab.judges.rbd_study import TRAIN_FAMILIES, _rates, _split
from looplab.judges.trained_detector import TrainedCueDetector
from looplab.llm import LLMClient

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_rbd_trained_detector_on_the_local_model(tmp_path):
    judge = LLMJudge(LLMClient.local(cache=tmp_path / "cache"))
    cues = load_cues()
    train, held = _split(load_items(), 0)
    det = TrainedCueDetector({f: cues[f] for f in TRAIN_FAMILIES}, train)
    fams = ("distraction", "emotional")
    sub = {f: cues[f] for f in fams}
    rows = {}
    for name, j in (("none", judge), ("trained", DetectRevise(judge, det, max_rounds=1)),
                    ("strict", DetectRevise(judge, det.with_threshold(0.7), max_rounds=1))):
        rows[name] = _rates(j, held[:4], sub, fams, 1, 0)
        a, b, c = rows[name]
        print(f"rbd local {name}: acc_clean {a:.3f} acc_biased {b:.3f} consistency {c:.3f}")
    assert all(0.0 <= v <= 1.0 for r in rows.values() for v in r)


def test_paradox_on_the_local_model(tmp_path):
    judge = LLMJudge(LLMClient.local(cache=tmp_path / "cache"))
    r = paradox_audit(judge, samples=1, scenarios=(0, 3, 7), high_only=True)
    print("paradox local", r)
    assert r["verdict"] in ("robust", "sensitive", "not enough data")
    assert -3.2 <= r["cohens_h"] <= 3.2
