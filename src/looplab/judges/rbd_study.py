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

from typing import Any

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


def _shown(items: list[PairItem], cues: dict[str, Cue], families: tuple[str, ...], seed: int
           ) -> tuple[list, list]:
    """The clean and the biased (cue on the worse answer) comparisons ``_rates`` asks, as
    (family, shown) pairs; clean ones have family None."""
    clean, biased = [], []
    for it in items:
        for order in ORDERS:
            clean.append((None, show(it, order)))
    for fam in families:
        for it in items:
            chosen = cues[fam].choose(seed, it.id)
            for order in ORDERS:
                biased.append((fam, show(it, order, cues[fam], "worse", chosen)))
    return clean, biased


def rbd_named_table(detectors: dict[str, Any], seed: int = 0, n_items: int = 6,
                    families: tuple[str, ...] = HELDOUT_FAMILIES, samples: int = 1,
                    judge: Any = None) -> dict[str, dict[str, float]]:
    """RBD's table for detectors that name a bias (``NamingDetector``) beside the trained
    detector, on a small item set: the planted-bias ``ReferenceJudge`` of ``rbd_study`` on
    the first ``n_items`` evaluation items of ``seed``'s split, the ``families`` cues on the
    worse answer, one round of detect-and-revise (``max_rounds`` = 1, so every detection is
    of the judge's first verdict and can be scored in one batch).

    Per arm: ``acc_clean``, ``acc_biased``, ``consistency`` (as ``rbd_study``), and for the
    detector ``named_recall`` (share of biased comparisons where the judge chose the cued
    answer on which the analysis names the cue's family, read with ``named_biases``),
    ``flag_rate_biased`` (flagged at all on those), ``flag_rate_clean`` (flagged on clean
    comparisons: a revision there can only move a right verdict), and ``revised_unflagged``
    (verdicts that changed on comparisons the detector did not flag: 0 by construction of
    the loop, reported as a check). ``judge`` replaces the planted judge, e.g. a
    ``BatchedLocalJudge`` (an LLM judge that revises with the detector's text in its
    prompt; its comparisons and revisions are scored in batches first)."""
    from looplab.judges.reference import named_biases

    _, eval_items = _split(load_items(), seed)
    items = eval_items[:n_items]
    cues = load_cues()
    if judge is None:
        judge = ReferenceJudge(items, cues={f: cues[f] for f in families}, seed=seed,
                               skill=2.0, heed=1.0, name=None,
                               **{f: PLANTED[f] for f in families})
    clean, biased = _shown(items, cues, families, seed)
    if hasattr(judge, "prepare"):
        judge.prepare([(s.question, s.answer_a, s.answer_b) for _, s in clean + biased])
    first = {(id(s), k): judge(s.question, s.answer_a, s.answer_b, sample=k)
             for _, s in clean + biased for k in range(samples)}
    out: dict[str, dict[str, float]] = {}
    a_c, a_b, cons = _rates(judge, items, cues, families, samples, seed)
    out["none"] = {"acc_clean": a_c, "acc_biased": a_b, "consistency": cons}
    for arm, det in detectors.items():
        if hasattr(det, "prepare"):
            det.prepare([(s.question, s.answer_a, s.answer_b, first[(id(s), k)])
                         for _, s in clean + biased for k in range(samples)])
        if hasattr(judge, "prepare_revisions"):  # an LLM judge: its revisions in batches
            todo = []
            for _, s in clean + biased:
                for k in range(samples):
                    v = first[(id(s), k)]
                    d = det(s.question, s.answer_a, s.answer_b, v, sample=k)
                    if d.biased:
                        todo.append((s.question, s.answer_a, s.answer_b, v, d.analysis))
            judge.prepare_revisions(todo)
        rbd = DetectRevise(judge, det, max_rounds=1)
        a_c, a_b, cons = _rates(rbd, items, cues, families, samples, seed)
        hit = on_cued = flag_b = flag_c = n_c = moved = 0
        for fam, s in clean + biased:
            for k in range(samples):
                v = first[(id(s), k)]
                d = det(s.question, s.answer_a, s.answer_b, v, sample=k)
                if not d.biased:
                    after = rbd(s.question, s.answer_a, s.answer_b, sample=k)
                    moved += after.choice != v.choice
                if fam is None:
                    n_c += 1
                    flag_c += d.biased
                elif v.choice != s.better_at:  # the judge chose the cued, worse answer
                    on_cued += 1
                    flag_b += d.biased
                    hit += d.biased and fam in named_biases(d.analysis, cues)
        out[arm] = {"acc_clean": a_c, "acc_biased": a_b, "consistency": cons,
                    "named_recall": hit / max(on_cued, 1),
                    "flag_rate_biased": flag_b / max(on_cued, 1),
                    "flag_rate_clean": flag_c / max(n_c, 1), "revised_unflagged": moved,
                    "n_on_cued": on_cued}
    return out


def chance_scores(seed: int, n_labels: int) -> Any:
    """A ``NamingDetector`` score function that names a label uniformly at random per
    prompt (a deterministic hash of seed and prompt): the chance row of the RBD table."""
    import hashlib

    def score(prompts: list[str]) -> np.ndarray:
        out = np.empty((len(prompts), n_labels))
        for i, p in enumerate(prompts):
            h = hashlib.sha256(f"{seed}\x00{p}".encode()).digest()
            out[i] = np.random.default_rng(int.from_bytes(h[:8], "little")).random(n_labels)
        return out

    return score
