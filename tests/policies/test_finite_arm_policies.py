"""Finite-arm policies on a stationary constrained bandit with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.core.channels import BanditFeedback
from looplab.core.loop import run
from looplab.core.monitors import RewardMonitor
from looplab.core.types import Action, ActionSpec, Observation, Outcome
from looplab.policies import OFS, UCB, EpsilonGreedy, FixedArm, PrimalDualUCB

# arm means: reward rises with the arm, the residual too; arms 0-2 feasible, 3-4 not
MEAN_R = np.array([0.1, 0.2, 0.3, 0.5, 0.6])
MEAN_G = np.array([-0.2, -0.1, -0.03, 0.05, 0.2])


class ToyWorld:
    name = "toy"

    def action_spec(self):
        return ActionSpec(n_arms=5, n_constraints=1)

    def reset(self, replicates, seed):
        return replicates

    def observe(self, state, rng):
        return Observation({})

    def step(self, state, action, obs, rng):
        r = MEAN_R[action.arm] + 0.02 * rng.standard_normal(state)
        g = MEAN_G[action.arm] + 0.02 * rng.standard_normal(state)
        return state, Outcome(reward=r, truth={"residuals": g[:, None], "arm": action.arm})


class ArmMonitor(RewardMonitor):
    names = ("arm",)

    def __call__(self, obs, action, outcome, feedback):
        return {"arm": action.arm.astype(float)}


def _final_arms(policy, rounds=1500, S=8):
    res = run(ToyWorld(), policy, BanditFeedback(("residuals",)), [ArmMonitor()], rounds, S, 0)
    return res.metrics["arm"][-200:]


def test_ofs_settles_on_the_best_feasible_arm():
    arms = _final_arms(OFS())
    assert (arms == 2).mean() > 0.95


def test_ucb_ignores_constraints_and_takes_the_best_reward():
    assert (_final_arms(UCB()) == 4).mean() > 0.95


def test_primal_dual_moves_off_the_most_violating_arm():
    arms = _final_arms(PrimalDualUCB(horizon=1500), rounds=1500)
    assert (arms == 4).mean() < 0.5


def test_epsilon_greedy_propensities_are_exact():
    pol = EpsilonGreedy(epsilon=0.2)
    st = pol.init(ActionSpec(5, 1), 10_000, np.random.default_rng(0))
    st = st.__class__(
        n=np.ones((10_000, 5)), mean_r=np.tile(MEAN_R, (10_000, 1)), m2_r=st.m2_r,
        mean_g=np.tile(MEAN_G[:, None], (10_000, 1, 1)), m2_g=st.m2_g, t=10,
    )
    act = pol.act(st, Observation({}), np.random.default_rng(1))
    greedy = act.arm == 2
    assert np.allclose(act.propensity[greedy], 0.8 + 0.2 / 5)
    assert np.allclose(act.propensity[~greedy], 0.2 / 5)
    assert abs(greedy.mean() - (0.8 + 0.04)) < 0.02


def test_fixed_arm_rejects_out_of_range():
    with pytest.raises(ValueError, match="arm must be in"):
        FixedArm(arm=7).init(ActionSpec(5), 2, np.random.default_rng(0))


def test_epsilon_outside_unit_interval_rejected():
    with pytest.raises(ValueError, match="epsilon"):
        EpsilonGreedy(epsilon=1.5)


def test_actions_carry_a_propensity_per_replicate():
    a: Action = OFS().act(OFS().init(ActionSpec(5, 1), 3, None), Observation({}), None)
    assert a.arm.shape == a.propensity.shape == (3,)
