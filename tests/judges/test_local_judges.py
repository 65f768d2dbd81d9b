"""Real neural judges end to end (marked ``model``): SmolLM2-135M-Instruct as an LLM judge
and all-MiniLM-L6-v2 as an embedding judge. The reports are checked for shape and sanity,
not for a hoped-for bias size."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.judges import EmbeddingJudge, LLMJudge, audit, load_items, mitigate
from looplab.llm import LLMClient

pytestmark = pytest.mark.model

ITEMS = load_items()[5::15]  # 3 items, arithmetic and factual: 18 forward passes
BIASES = ["position", "bandwagon"]


def _sane(rep, n_items: int) -> None:
    assert set(rep.effects) == set(BIASES)
    for e in rep.effects.values():
        assert -1 <= e.ci_low <= e.estimate <= e.ci_high <= 1
        assert e.verdict in ("biased", "robust", "not enough data")
        assert 0 <= e.p_value <= 1 and e.n_items <= n_items
    assert 0 <= rep.metric("clean", "accuracy") <= 1
    assert len(rep.records) == n_items * 2 * (1 + 2 * (len(BIASES) - 1))


@pytest.mark.slow  # 18 unbatched forward passes: 20 s alone, ~3 min on the shared 2-core box
def test_smollm2_judge_audit_end_to_end(tmp_path):
    judge = LLMJudge(LLMClient.local(cache=tmp_path / "cache"))
    rep = audit(judge, ITEMS, BIASES, seed=0)
    _sane(rep, len(ITEMS))
    assert rep.metric("clean", "invalid_rate") == 0.0  # logprob verdicts always exist
    p = rep.records["p_a"].to_numpy()
    assert np.all((p > 0) & (p < 1))
    assert all(np.isfinite(rep.metric(b, "logit_shift")) for b in BIASES)
    # the logprob judge is deterministic, so swapping and aggregating removes position
    # effects exactly, whatever the model's own bias is
    swapped = audit(mitigate(judge, "swap"), ITEMS, ["position"], seed=0)
    assert swapped.effects["position"].estimate == 0.0


def test_embedding_judge_audit_end_to_end():
    items = load_items()[::5]
    rep = audit(EmbeddingJudge(items), items, ["position", "bandwagon", "authority"],
                repeats=2, seed=0)
    assert len(rep.records) == len(items) * 2 * 2 * (1 + 2 * 2)
    assert rep.metric("clean", "noise_flip_rate") == 0.0  # deterministic scorer
    assert rep.effects["bandwagon"].estimate == 0.0  # it never reads the question's cue
    assert rep.effects["position"].estimate == 0.0  # nor the order
