"""RBD and the Paradox of Robustness on the local model (SmolLM2-135M-Instruct, verdicts
read from log-probabilities through the batched engine), marker ``model``. These are
reported-only studies: the numbers are printed (run with -s) and recorded in the judge
claims module's ``LOCAL_MODEL`` note; the assertions are the pipelines' invariants, since a
135M model's detections and decisions are what they are (at chance, as measured)."""

import pytest

from looplab.judges.injectors import load_cues
from looplab.judges.reference import named_biases

pytestmark = [pytest.mark.model, pytest.mark.slow]


@pytest.fixture
def one_thread():
    """One torch thread: on the shared 2-core box two threads contend with the other jobs
    and a forward pass gets several times slower."""
    torch = pytest.importorskip("torch")
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_rbd_naming_detector_on_the_local_model(one_thread):
    from looplab.judges import load_items
    from looplab.judges.rbd import NAMED_BIASES, NamingDetector
    from looplab.judges.rbd_study import TRAIN_FAMILIES, _split, chance_scores, rbd_named_table
    from looplab.judges.trained_detector import TrainedCueDetector

    cues = load_cues()
    train, _ = _split(load_items(), 0)
    trained = TrainedCueDetector({f: cues[f] for f in TRAIN_FAMILIES}, train)
    local = NamingDetector()
    table = rbd_named_table({"trained": trained, "smollm2": local,
                             "chance": NamingDetector(score=chance_scores(0, len(NAMED_BIASES)))},
                            n_items=3)
    for arm, row in table.items():
        print("rbd local", arm, {k: round(v, 3) for k, v in row.items()})
    row = table["smollm2"]
    # invariants: the model named a label for every scored comparison, each flagged analysis
    # names exactly that label, and revision touched only flagged comparisons
    assert local._named and set(local._named.values()) <= set(NAMED_BIASES)
    for label in set(local._named.values()) - {"none"}:
        d = f"Possible bias: {label} ({NAMED_BIASES[label]})."
        assert named_biases(d, cues) == {label}
    assert row["revised_unflagged"] == 0 and row["n_on_cued"] > 0
    assert all(0.0 <= row[k] <= 1.0 for k in ("acc_clean", "acc_biased", "consistency",
                                                "named_recall", "flag_rate_clean"))


def test_paradox_on_the_local_model(one_thread):
    from looplab.judges.llm_judge import BatchedLocalJudge, LLMJudge
    from looplab.judges.paradox import OrderAveraged, design, paradox_audit
    from looplab.llm import LLMClient

    scenarios = (0, 3, 4, 7, 8)  # 2 approve-correct, 3 deny-correct; 3 domains
    judge = BatchedLocalJudge()
    judge.prepare([(p.question, p.answer_a, p.answer_b)
                   for p in design(scenarios, high_only=True)])
    plain = paradox_audit(judge, samples=1, scenarios=scenarios, high_only=True)
    averaged = paradox_audit(OrderAveraged(judge), samples=1, scenarios=scenarios,
                             high_only=True, one_order=True)
    for name, r in (("plain", plain), ("order-averaged", averaged)):
        print("paradox local", name, {k: round(v, 3) if isinstance(v, float) else v
                                      for k, v in r.items()})
    for r in (plain, averaged):
        assert r["verdict"] in ("robust", "sensitive", "not enough data")
        assert -3.2 <= r["cohens_h"] <= 3.2 and 0.0 <= r["flip_rate"] <= 1.0
        assert r["diff_lo95"] <= r["diff_lo90"] <= r["diff"] <= r["diff_hi90"] <= r["diff_hi95"]
    # every decision was answered from the prepared batch (no unbatched pass after it), and
    # a batched verdict is LLMJudge's verdict (same prompt, same rule) to float rounding
    first = design(scenarios, True)[0]
    call = (first.question, first.answer_a, first.answer_b)
    passes = judge.lm.forward_passes
    batched = judge(*call)
    assert judge.lm.forward_passes == passes
    single = LLMJudge(LLMClient.local(cache=False))(*call)
    assert single.choice == batched.choice
    assert single.p_a == pytest.approx(batched.p_a, abs=1e-4)
