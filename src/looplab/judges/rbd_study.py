"""RBD's claim measured with a trained detector on cue families it never saw (issue 14).

RBD (Yang et al., NeurIPS 2025, arXiv 2505.17100): detect-and-revise raises a judge's
accuracy on biased items and its consistency (correct on the clean *and* the biased copy).
Here the detector is ``TrainedCueDetector`` fit on the *training* cue families (authority,
sentiment, bandwagon) and on half of the built-in items; the evaluation uses the other
half of the items with (a) the held-out families (distraction, reflection, emotional,
verbosity) in the catalogue's wording, (b) the held-out families paraphrased
(``data/cues_paraphrased.toml``), (c) the training families paraphrased. The judge is a
planted-bias ``ReferenceJudge`` whose revision corrects only the biases the analysis names.

Arms: ``none`` (no mitigation), ``trained`` (threshold 0.5), ``strict`` (the same model at
threshold 0.9: lower recall), ``oracle`` (the catalogue-matching ``CueDetector`` on the
evaluation wording: the upper reference). Per arm and condition: accuracy on clean and on
biased copies (cue on the worse answer, both orders, ``samples`` draws each), RBD's
consistency, and the detector's segment recall on the condition's cues.
"""

from __future__ import annotations

import numpy as np

from looplab.judges.injectors import ORDERS, Cue, load_cues, show
from looplab.judges.items import PairItem, load_items
from looplab.judges.rbd import CueDetector, DetectRevise
from looplab.judges.reference import ReferenceJudge
from looplab.judges.trained_detector import TrainedCueDetector, segment_recall

TRAIN_FAMILIES = ("authority", "sentiment", "bandwagon")
HELDOUT_FAMILIES = ("distraction", "reflection", "emotional", "verbosity")
# planted bias sizes (logits; verbosity per doubling of length): strong enough that the
# unmitigated judge (skill 2) prefers the cued worse answer about half the time
PLANTED = {"authority": 2.0, "sentiment": 2.0, "bandwagon": 2.0, "distraction": 2.0,
           "reflection": 2.0, "emotional": 2.0, "verbosity": 1.0}
# the same model at three thresholds: decreasing recall (the "lower recall, smaller gain"
# check reads trained vs strict)
THRESHOLDS = {"trained": 0.5, "strict": 0.7, "stricter": 0.9}


def _paraphrased() -> dict[str, Cue]:
    from importlib import resources

    path = resources.files("looplab.judges").joinpath("data/cues_paraphrased.toml")
    return load_cues(str(path))


def _split(items: list[PairItem], seed: int) -> tuple[list[PairItem], list[PairItem]]:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14, 5)))
    idx = rng.permutation(len(items))
    half = len(items) // 2
    return [items[i] for i in idx[:half]], [items[i] for i in idx[half:]]


def _rates(judge, items: list[PairItem], cues: dict[str, Cue], families: tuple[str, ...],
           samples: int, seed: int) -> tuple[float, float, float]:
    """(accuracy clean, accuracy biased, consistency) of ``judge`` over items x families x
    orders x samples, cue on the worse answer."""
    clean, biased, both = [], [], []
    for fam in families:
        cue = cues[fam]
        for it in items:
            chosen = cue.choose(seed, it.id)
            for order in ORDERS:
                c = show(it, order)
                b = show(it, order, cue, "worse", chosen)
                for s in range(samples):
                    ok_c = judge(c.question, c.answer_a, c.answer_b, sample=s).choice == c.better_at
                    ok_b = judge(b.question, b.answer_a, b.answer_b, sample=s).choice == b.better_at
                    clean.append(ok_c)
                    biased.append(ok_b)
                    both.append(ok_c and ok_b)
    return float(np.mean(clean)), float(np.mean(biased)), float(np.mean(both))


def rbd_study(seed: int, samples: int = 4, max_rounds: int = 3) -> dict[str, dict[str, float]]:
    """One seed's summary: ``{"<arm>|<condition>": {"acc_clean_mean", "acc_biased_mean",
    "consistency_mean", "recall_mean"}}`` (see module docstring)."""
    items = load_items()
    train_items, eval_items = _split(items, seed)
    orig, para = load_cues(), _paraphrased()
    conditions = {
        "heldout": ({f: orig[f] for f in HELDOUT_FAMILIES}, HELDOUT_FAMILIES),
        "heldout-para": ({f: para[f] for f in HELDOUT_FAMILIES}, HELDOUT_FAMILIES),
        "train-para": ({f: para[f] for f in TRAIN_FAMILIES}, TRAIN_FAMILIES),
    }
    base_det = TrainedCueDetector({f: orig[f] for f in TRAIN_FAMILIES}, train_items)
    out: dict[str, dict[str, float]] = {}
    for cond, (cues, fams) in conditions.items():
        judge = ReferenceJudge(eval_items, cues=cues, seed=seed, skill=2.0, heed=1.0,
                               name=None, **{f: PLANTED[f] for f in fams})
        arms: dict[str, tuple[ReferenceJudge | DetectRevise, float]] = {
            "none": (judge, float("nan"))}
        for arm, t in THRESHOLDS.items():
            det = base_det.with_threshold(t)
            rec = float(np.mean([segment_recall(det, cues[f]) for f in fams]))
            arms[arm] = (DetectRevise(judge, det, max_rounds=max_rounds), rec)
        arms["oracle"] = (DetectRevise(judge, CueDetector(cues=cues), max_rounds=max_rounds), 1.0)
        for arm, (j, rec) in arms.items():
            a_c, a_b, cons = _rates(j, eval_items, cues, fams, samples, seed)
            out[f"{arm}|{cond}"] = {"acc_clean_mean": a_c, "acc_biased_mean": a_b,
                                    "consistency_mean": cons, "recall_mean": rec}
    return out


def per_family_recall(seed: int = 0) -> dict[str, dict[str, float]]:
    """Segment recall of the trained detectors on every family, both wordings, and their
    false-positive rate on the evaluation items' clean segments."""
    from looplab.judges.trained_detector import false_positive_rate

    items = load_items()
    train_items, eval_items = _split(items, seed)
    orig, para = load_cues(), _paraphrased()
    out: dict[str, dict[str, float]] = {}
    for arm, t in THRESHOLDS.items():
        det = TrainedCueDetector({f: orig[f] for f in TRAIN_FAMILIES}, train_items, threshold=t)
        row = {f"{f}{'' if w == 'orig' else '-para'}": segment_recall(det, cat[f])
               for w, cat in (("orig", orig), ("para", para)) for f in PLANTED}
        row["clean-fpr"] = false_positive_rate(det, eval_items)
        out[arm] = row
    return out
