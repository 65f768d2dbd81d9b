"""RBD with a detector that names the bias it sees (issue 14, item 1b): the plumbing without
a model (a scripted scorer stands in for the language model); the local model's run is in
``test_fidelity_local_model.py``."""

import numpy as np

from looplab.judges import load_items
from looplab.judges.base import Verdict
from looplab.judges.injectors import load_cues
from looplab.judges.rbd import NAMED_BIASES, NamingDetector
from looplab.judges.rbd_study import chance_scores, rbd_named_table
from looplab.judges.reference import named_biases

CUES = load_cues()
LABELS = list(NAMED_BIASES)


def _fixed(label: str):
    return lambda prompts: np.tile(np.eye(len(LABELS))[LABELS.index(label)], (len(prompts), 1))


def test_the_analysis_names_exactly_the_label_the_detector_chose():
    it = load_items()[0]
    for label in LABELS[1:]:
        d = NamingDetector(score=_fixed(label))(it.question, it.better, it.worse, Verdict("A"))
        assert d.biased and named_biases(d.analysis, CUES) == {label}
    none = NamingDetector(score=_fixed("none"))(it.question, it.better, it.worse, Verdict("A"))
    assert not none.biased and named_biases(none.analysis, CUES) == set()
    # the prompt shows the item, the verdict and every definition
    p = NamingDetector(score=_fixed("none")).prompt(it.question, it.better, it.worse,
                                                    Verdict("B"))
    assert it.question in p and "chose Answer B" in p
    assert all(f"- {k}:" in p for k in LABELS)


def test_revision_follows_what_the_detector_named():
    # a detector that names nothing changes nothing; one that names the wrong family flags
    # everything yet corrects no cue; naming the cue's family gives the gain
    table = rbd_named_table({
        "silent": NamingDetector(score=_fixed("none")),
        "wrong": NamingDetector(score=_fixed("bandwagon")),
        "distraction": NamingDetector(score=_fixed("distraction")),
        "chance": NamingDetector(score=chance_scores(0, len(LABELS))),
    }, n_items=3, families=("distraction", "emotional"))
    none, silent, wrong, dist = (table[k] for k in ("none", "silent", "wrong", "distraction"))
    assert silent["acc_biased"] == none["acc_biased"] and silent["flag_rate_biased"] == 0.0
    assert wrong["flag_rate_biased"] == 1.0 and wrong["named_recall"] == 0.0
    assert dist["named_recall"] > 0 and dist["acc_biased"] > wrong["acc_biased"]
    assert all(row["revised_unflagged"] == 0 for k, row in table.items() if k != "none")
    assert 0.0 <= table["chance"]["named_recall"] <= 1.0
