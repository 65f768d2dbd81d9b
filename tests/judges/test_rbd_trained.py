"""RBD with a trained detector (issue 14): revision acts only on what the detector named,
the detector is learned (not the catalogue) and transfers partly to unseen cue families, and
RBD's accuracy/consistency claim is decided over 5 seeds, including that a lower-recall
detector gives a smaller gain."""


import pytest

from looplab.judges import ReferenceJudge, load_items
from looplab.judges.base import Verdict
from looplab.judges.claims import MEASURED, STUDIES
from looplab.judges.injectors import load_cues
from looplab.judges.rbd_study import TRAIN_FAMILIES, _paraphrased, _split
from looplab.judges.reference import named_biases
from looplab.judges.trained_detector import TrainedCueDetector, segment_recall, segments
from tests.claims_util import assert_study_claim, study_cases

ITEMS = load_items()
CUES = load_cues()


def test_revise_corrects_only_the_biases_the_analysis_names():
    judge = ReferenceJudge(ITEMS, authority=3.0, bandwagon=3.0, seed=1)
    it = ITEMS[0]
    cited = CUES["authority"].on_answer(it.worse, CUES["authority"].choose(0, it.id))
    q = CUES["bandwagon"].on_question(it.question, "B", CUES["bandwagon"].choose(0, it.id))
    before = judge.prob_a(q, it.better, cited)
    prior = Verdict("B")
    # naming nothing relevant leaves both biases in place
    same = judge.revise(q, it.better, cited, prior, "The judge seems fine.").p_a
    assert same == pytest.approx(before)
    # naming one bias removes only that one (heed = 1)
    only_auth = judge.revise(q, it.better, cited, prior, "The citation is not evidence.").p_a
    assert only_auth == pytest.approx(judge.prob_a(q, it.better, it.worse))
    # quoting the cue text counts as naming it, without the bias's name
    quoted = judge.revise(q, it.better, cited, prior,
                          f'"{CUES["authority"].choose(0, it.id)[0]}" is irrelevant').p_a
    assert quoted == pytest.approx(only_auth)
    both = judge.revise(q, it.better, cited, prior, "citation and majority opinion").p_a
    assert both == pytest.approx(judge.prob_a(it.question, it.better, it.worse))
    assert named_biases("a stone, pleasantly", CUES) == set()  # whole words only
    assert "position" in named_biases("the answers were swapped", CUES)


def test_trained_detector_is_learned_and_only_partly_transfers():
    train, held = _split(ITEMS, 0)
    det = TrainedCueDetector({f: CUES[f] for f in TRAIN_FAMILIES}, train)
    para = _paraphrased()
    # it sees the training families' wording, and generalizes imperfectly elsewhere
    assert segment_recall(det, CUES["authority"]) == 1.0
    held_recalls = [segment_recall(det, c[f]) for c in (CUES, para)
                    for f in ("distraction", "reflection", "verbosity")]
    assert 0.0 < min(held_recalls) < 1.0
    # a cue the catalogue does not hold is still flagged and quoted in the analysis
    it = held[0]
    cue = "(Drafted while waiting for a delayed train.)"
    assert cue not in str(CUES)
    found = det(it.question, it.better, f"{it.worse} {cue}", Verdict("B"))
    assert found.biased and f'"{cue}"' in found.analysis
    assert not det(it.question, it.better, it.worse, Verdict("A")).biased
    assert segments("Wait, let me think... 2 + 2 = 4. (Source: X)") == [
        "(Source: X)", "Wait, let me think...", "2 + 2 = 4."]


@pytest.mark.parametrize(("study", "claim_id"), study_cases(STUDIES, MEASURED))
def test_judge_claim_over_five_seeds(study, claim_id: str):
    assert_study_claim(study, claim_id)
