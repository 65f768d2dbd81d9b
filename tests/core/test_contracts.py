"""The contract checkers (``looplab.core.check``) over every built-in world, policy,
channel and monitor at tiny sizes, and the checkers' own ability to fail."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from looplab.core.channels import BanditFeedback
from looplab.core.check import (
    ContractError,
    UniformActions,
    check_channel,
    check_monitor,
    check_policy,
    check_world,
)
from looplab.core.monitors import (
    ConstraintMonitor,
    ContextRegretMonitor,
    PropensityEntropyMonitor,
    RegretMonitor,
    RewardMonitor,
    WindowPositiveRateMonitor,
)
from looplab.core.types import Action, Observation, Outcome
from looplab.ope import LogRecorder
from looplab.policies.contextual import Retraining
from looplab.policies.contextual_epsilon_greedy import ContextualEpsilonGreedy
from looplab.policies.contextual_greedy import ContextualGreedy
from looplab.policies.greedy import EpsilonGreedy, FixedArm
from looplab.policies.linear_thompson import LinearThompson
from looplab.policies.linucb import LinUCB
from looplab.policies.ofs import OFS
from looplab.policies.pooled_dot import PooledDotRecommender, RecommenderConfig
from looplab.policies.primal_dual import PrimalDualUCB
from looplab.policies.regression_oracles import BoostedOracle, RidgeOracle
from looplab.policies.squarecb import SquareCB
from looplab.policies.ucb import UCB
from looplab.policies.uniform_erm import UniformERM
from looplab.remedies.source_debias import SourceDebias
from looplab.worlds.lending import GroupShareMonitor, LendingConfig, LendingWorld
from looplab.worlds.linear_bandit import LinearBanditConfig, LinearBanditWorld
from looplab.worlds.payments import PaymentsConfig, PaymentsWorld
from looplab.worlds.recsys import (
    LOG_SIGNALS,
    RecsysConfig,
    RecsysWorld,
    SourceRankingMonitor,
    SourceShareMonitor,
)

# -- tiny instances of every built-in component -------------------------------------------
LENDING = LendingWorld(LendingConfig(n_applicants=40, grid_size=5))
LENDING_SR = LendingWorld(LendingConfig(n_applicants=40, grid_size=5, service_floor=0.3))
PAYMENTS = PaymentsWorld(PaymentsConfig(
    n_transactions=6, n_actions=3, categorical_levels=[2, 3], n_numeric=1
))
LINEAR = LinearBanditWorld(LinearBanditConfig(n_actions=4, n_features=3, n_contexts=2))
RECSYS_CFG = RecsysConfig(n_users=12, n_items=60, dim=4, positives_per_user=5, candidates=3,
                          history_length=3)
RECSYS = RecsysWorld(RECSYS_CFG)
RECOMMENDER = PooledDotRecommender(RecommenderConfig(epochs=1, batch_size=8))

LEND_FB = BanditFeedback(signals=("residuals",))
CB_FB = BanditFeedback(signals=("features", "avail"))
REC_FB = BanditFeedback(signals=LOG_SIGNALS)

WORLDS = {
    "lending": (LENDING, None),
    "lending-service-floor": (LENDING_SR, None),
    "payments": (PAYMENTS, None),
    "linear": (LINEAR, None),
    "recsys": (RECSYS, RECOMMENDER),  # actions are scores: driven by its recommender
}

GENERATIONS = Retraining(online=False, every=2, window=2)
CONTEXTUAL = {
    "uniform_erm": UniformERM(),
    "greedy": ContextualGreedy(),
    "epsilon_greedy": ContextualEpsilonGreedy(),
    "linucb": LinUCB(),
    "lints": LinearThompson(),
    "squarecb": SquareCB(oracle=RidgeOracle()),
    "squarecb-generations": SquareCB(retraining=GENERATIONS),
    "greedy-generations": ContextualGreedy(retraining=GENERATIONS),
    "squarecb-boosted": SquareCB(oracle=BoostedOracle(max_iter=3), retraining=GENERATIONS),
}
POLICIES = {
    **{f"{n}@lending": (p, LENDING_SR, LEND_FB) for n, p in {
        "ofs": OFS(), "ucb": UCB(), "primal_dual": PrimalDualUCB(horizon=10),
        "epsilon_greedy": EpsilonGreedy(), "fixed": FixedArm(arm=2),
    }.items()},
    **{f"{n}@payments": (p, PAYMENTS, CB_FB) for n, p in CONTEXTUAL.items()},
    **{f"{n}@linear": (p, LINEAR, CB_FB) for n, p in CONTEXTUAL.items()
       if "boosted" not in n},
    "recommender@recsys": (RECOMMENDER, RECSYS, REC_FB),
    "recommender-debiased@recsys": (
        PooledDotRecommender(RecommenderConfig(epochs=1, batch_size=8), SourceDebias()),
        RECSYS, REC_FB,
    ),
}
CHANNELS = {
    "bandit@lending": (LEND_FB, LENDING, None),
    "delayed@lending": (BanditFeedback(signals=("residuals",), delay=2), LENDING, None),
    "bandit@payments": (CB_FB, PAYMENTS, None),
    "delayed@payments": (BanditFeedback(signals=("features", "avail"), delay=1), PAYMENTS,
                         None),
    "delayed@recsys": (BanditFeedback(signals=LOG_SIGNALS, delay=1), RECSYS, RECOMMENDER),
}
MONITORS = {
    "reward@lending": (RewardMonitor(), LENDING, None),
    "regret@lending": (RegretMonitor(np.array([0.1, 0.2, 0.3])), LENDING, None),
    "constraint@lending": (ConstraintMonitor(LENDING_SR.residual_names), LENDING_SR, None),
    "group_share@lending": (GroupShareMonitor(), LENDING, None),
    "reward@payments": (RewardMonitor(), PAYMENTS, None),
    "context_regret@payments": (ContextRegretMonitor(), PAYMENTS, None),
    "context_regret@linear": (ContextRegretMonitor(), LINEAR, None),
    "entropy@payments": (PropensityEntropyMonitor(), PAYMENTS, None),
    "window_rate@payments": (WindowPositiveRateMonitor(2), PAYMENTS, None),
    "source_share@recsys": (SourceShareMonitor(), RECSYS, RECOMMENDER),
    "source_ranking@recsys": (SourceRankingMonitor(RECSYS_CFG.candidates), RECSYS,
                              RECOMMENDER),
    "log_recorder@payments": pytest.param(
        (LogRecorder(), PAYMENTS, None),
        marks=pytest.mark.xfail(
            strict=True, raises=ContractError,
            reason="ope.LogRecorder reads truth 'expected' without declaring needs "
            "(fix in ope/log.py: needs = ('expected',) if ground_truth else ())",
        ),
    ),
}


@pytest.mark.parametrize("key", WORLDS)
def test_world_meets_the_contracts(key):
    world, driver = WORLDS[key]
    check_world(world, driver)


@pytest.mark.parametrize("key", POLICIES)
def test_policy_meets_the_contracts(key):
    policy, world, channel = POLICIES[key]
    check_policy(policy, world, channel)


@pytest.mark.parametrize("key", CHANNELS)
def test_channel_meets_the_contracts(key):
    channel, world, driver = CHANNELS[key]
    check_channel(channel, world, driver)


@pytest.mark.parametrize(
    "case", [pytest.param(v, id=k) if not hasattr(v, "marks") else
             pytest.param(*v.values, marks=v.marks, id=k) for k, v in MONITORS.items()]
)
def test_monitor_meets_the_contracts(case):
    monitor, world, driver = case
    channel = REC_FB if world is RECSYS else None
    check_monitor(monitor, world, driver, channel)


# -- the checkers fail on broken components -----------------------------------------------
class _InPlaceUCB(UCB):
    """UCB whose update writes into the state it was given."""

    def update(self, st, fb):
        st.n[:, 0] += 1
        return st


@dataclass(frozen=True)
class _ZeroPropensity(UniformActions):
    def act(self, pstate, obs, rng):
        a = super().act(pstate, obs, rng)
        return Action(a.arm, np.zeros_like(a.propensity))


@dataclass(frozen=True)
class _SharedArm(UniformActions):
    def act(self, pstate, obs, rng):
        return Action(np.asarray(0), np.asarray(1.0))


class _LeakyWorld(LendingWorld):
    """Puts a hidden truth key (the true share of group B) into the observation."""

    def observe(self, state, rng):
        obs = super().observe(state, rng)
        return Observation({**obs.data, "share_b": state.pi})


class _UnseededWorld(LendingWorld):
    def observe(self, state, rng):
        obs = super().observe(state, rng)
        return Observation({**obs.data, "noise": np.random.default_rng().random(3)})


class _SneakyMonitor(RewardMonitor):
    """Reads a truth key it does not declare."""

    def __call__(self, obs, action, outcome, feedback):
        return {"reward": outcome.truth["dp_gap"]}


class _NeedyMonitor(RewardMonitor):
    needs = ("counterfactual",)


class _ScalarMonitor(RewardMonitor):
    def __call__(self, obs, action, outcome, feedback):
        return {"reward": np.float64(0.0)}


class _InPlaceChannel(BanditFeedback):
    def transmit(self, cstate, action, outcome, rng):
        outcome.reward[:] = 0.0
        return super().transmit(cstate, action, outcome, rng)


@pytest.mark.parametrize(
    "call, method, prop",
    [
        (lambda: check_policy(_InPlaceUCB(), LENDING, LEND_FB), "update", "mutate"),
        (lambda: check_policy(_ZeroPropensity(), LENDING), "act", "(0, 1]"),
        (lambda: check_policy(_SharedArm(), LENDING), "act", "replicate axis"),
        (lambda: check_world(_LeakyWorld()), "observe", "hidden truth"),
        (lambda: check_world(_UnseededWorld()), "observe/step", "seeded replay"),
        (lambda: check_monitor(_SneakyMonitor(), LENDING), "__call__", "needs"),
        (lambda: check_monitor(_NeedyMonitor(), LENDING), "needs", "produced"),
        (lambda: check_monitor(_ScalarMonitor(), LENDING), "__call__", "per replicate"),
        (lambda: check_channel(_InPlaceChannel(), LENDING), "transmit", "mutate"),
        (lambda: check_channel(BanditFeedback(signals=("nope",)), LENDING), "transmit",
         "produced"),
    ],
)
def test_checkers_name_the_method_and_property_they_catch(call, method, prop):
    with pytest.raises(ContractError) as err:
        call()
    assert err.value.method == method
    assert prop in err.value.prop


def test_an_outcome_truth_mapping_is_compared_by_value():
    a = Outcome(np.zeros(3), {"x": np.arange(3)})
    b = Outcome(np.zeros(3), {"x": np.arange(3)})
    from looplab.core.check import difference

    assert difference(a, b) is None
    b.truth["x"][1] = 7
    assert "x" in difference(a, b)
