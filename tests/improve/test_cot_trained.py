"""The trained chain-of-thought length study (``looplab.improve.cot_trained``): chain
splitting, the accumulation model, determinism on tiny models (quick), and the paper claims
on the scenario's defaults (slow: two capabilities x 5 independently trained replicates,
each replicate one seed of the claim's pass rule)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from looplab.core.streams import Rows, Stream
from looplab.families.improve import FAMILY
from looplab.improve.cot_trained import (
    CotTrainedModel,
    CotTrainedWorld,
    accumulation_prediction,
    chunk_sizes,
    min_length,
    run_cot_trained,
)
from tests.improve.claims_support import claim_params, load

pytest.importorskip("torch")

TINY_WORLD = CotTrainedWorld(modulus=3, max_step=3, difficulties=[4, 6], test_chains=200)
TINY_ARM = CotTrainedModel(hidden=32, train_steps=150, batch=64, lr=1e-2)


def test_chunks_split_evenly_and_cover_the_task() -> None:
    for D in (1, 7, 16, 24):
        for k in range(1, D + 1):
            s = chunk_sizes(D, k)
            assert len(s) == k and s.sum() == D and s.max() - s.min() <= 1
    assert min_length(24, 8) == 3 and min_length(25, 8) == 4 and min_length(3, 8) == 1


def test_accumulation_prediction_limits() -> None:
    perfect = np.ones((2, 4))
    assert np.allclose(accumulation_prediction(perfect, 8, 4, 0.0, 7), 1.0)
    # every step a slip: the answer is a uniform residue
    assert np.allclose(accumulation_prediction(perfect, 8, 4, 1.0 - 1e-12, 7), 1 / 7)
    # no slips, step accuracies a: the product of the chain's step accuracies, plus the
    # chance of a wrong chain landing right
    a = np.array([[0.9, 0.8, 0.5, 0.5]])
    q = 0.9 * 0.8 * 0.8  # D = 5 in k = 3 steps: sizes 2, 2, 1
    pred = accumulation_prediction(a, 5, 3, 0.0, 7)[0]
    assert q < pred < q + (1 - q) / 6


@cache
def _tiny(seed: int) -> dict[str, np.ndarray]:
    return run_cot_trained(TINY_WORLD, TINY_ARM, Stream(Rows.of(seed, 2), "policy"))


def test_tiny_run_is_deterministic_and_laid_out_by_chain_length() -> None:
    a, b = _tiny(0), run_cot_trained(TINY_WORLD, TINY_ARM, Stream(Rows.of(0, 2), "policy"))
    c = _tiny(1)
    for k in a:
        assert a[k].shape == (7, 2)  # rows k = 0..max difficulty
        assert np.array_equal(a[k], b[k], equal_nan=True)
    assert not np.array_equal(a["acc_D6"], c["acc_D6"], equal_nan=True)
    acc4 = a["acc_D4"]
    assert np.isnan(acc4[0]).all() and np.isnan(acc4[5:]).all()  # no chain, k > D
    assert np.isnan(acc4[1]).all()  # k = 1 would need a step of 4 > max_step
    assert np.isfinite(acc4[2:5]).all() and ((acc4[2:5] >= 0) & (acc4[2:5] <= 1)).all()
    assert np.isin(a["nstar_D6"], np.arange(2, 7)).all()


def test_step_model_learns_one_operation_and_finds_more_operations_harder() -> None:
    """Trained briefly, the step model is near-exact on one operation and worse on three
    (the size-dependent step error the chain-length trade-off rests on)."""
    a = _tiny(0)
    assert (a["step_acc_1"][0] > 0.9).all()
    assert (a["step_acc_3"][0] < a["step_acc_1"][0]).all()
    assert (a["train_loss"][0] < np.log(3)).all()  # below a uniform guess


# ---- paper claims on the scenario defaults (slow) -------------------------------------

SCENARIO = "improve-cot-trained"


@cache
def _replicate_summaries() -> tuple[dict, ...]:
    """One summary per independently trained replicate (the claim's seeds)."""
    cfg = load(SCENARIO)
    frame = FAMILY.run(cfg, None)
    return tuple(FAMILY.summarize(frame[frame["replicate"] == r], cfg)
                 for r in range(cfg.replicates))  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.parametrize("claim", [p for p in claim_params(SCENARIO, "cot_trained.")])
def test_trained_cot_claim(claim) -> None:
    summaries = _replicate_summaries()
    assert len(summaries) >= 5 and all(claim.applies(s) for s in summaries)
    v = claim.check_over_seeds(summaries)
    assert v["held"], (
        f"{claim.id}: {claim.statement}; per-seed {[round(x, 4) for x in v['values']]}, "
        f"mean {v['mean']:.4f} [{v['ci_low']:.4f}, {v['ci_high']:.4f}] needs {claim.op} "
        f"{claim.margin} ({claim.rule}, {v['n_held']}/{v['seeds']} seeds)")
