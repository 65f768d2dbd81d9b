"""Replicate invariance (issue 19): every world x policy of the contract suites gives
replicate i the same trajectory at S=1, 2 and 7, as a shard and packed with another seed;
every family that declares ``replicate_rows`` gives the same table whether its replicates
run together, as shards or packed; the others say why they cannot."""

from __future__ import annotations

import pytest

from looplab.core.check import ContractError, check_family_rows, check_replicate_invariance
from looplab.experiments.registry import family, kinds, load_scenario
from looplab.policies import FTPL, LOOP, UCRL2, Exp2, GreedyMDP, NaiveOneSided
from looplab.worlds.mdp import MDPConfig, MDPWorld, TransitionFeedback
from looplab.worlds.onesided import OneSidedConfig, OneSidedFeedback, OneSidedWorld
from tests.core.test_contracts import POLICIES

ONESIDED = OneSidedWorld(OneSidedConfig(pool_size=40, arrivals=5))
SEQUENTIAL = {
    **{f"{n}@onesided": (p, ONESIDED, OneSidedFeedback())
       for n, p in {"exp2": Exp2(), "ftpl": FTPL(), "naive": NaiveOneSided()}.items()},
    **{f"{n}@{v}": (p, MDPWorld(MDPConfig(variant=v)), TransitionFeedback())
       for n, p in {"loop": LOOP(), "ucrl2": UCRL2(), "greedy": GreedyMDP()}.items()
       for v in ("riverswim", "random")},
}


@pytest.mark.parametrize("key", [*POLICIES, *SEQUENTIAL])
def test_every_world_and_policy_gives_a_replicate_the_same_trajectory_in_any_batch(key):
    policy, world, channel = {**POLICIES, **SEQUENTIAL}[key]
    check_replicate_invariance(world, policy, channel, rounds=4)


class _Shared:
    """A world that breaks the rule: every replicate reads the first replicate's draw."""

    name = "shared-draw"

    def __init__(self) -> None:
        self.inner = MDPWorld(MDPConfig(variant="random"))

    def __getattr__(self, attr):
        return getattr(self.inner, attr)

    def step(self, state, action, obs, rng):
        state, out = self.inner.step(state, action, obs, rng)
        noise = rng.random((len(out.reward), 1))[:1, 0]  # replicate 0's number for all
        return state, type(out)(reward=out.reward + noise, truth=out.truth)


def test_the_invariance_check_catches_a_draw_shared_across_replicates():
    with pytest.raises(ContractError, match="replicate invariance"):
        check_replicate_invariance(_Shared(), GreedyMDP(), TransitionFeedback(), rounds=2)


# small versions of one built-in scenario per family that declares replicate rows
# ("kind:what" keys add further cases for a family with several modes)
SMALL = {
    "lending": ("lending-synthetic", ["rounds=40", "oracle.rounds=20",
                                      "world.n_applicants=60", "world.grid_size=5"]),
    "bandit": ("bandit-linear", ["rounds=60", "retrain.generation_rounds=20",
                                 "retrain.window=20"]),
    "echo_chamber": ("echo-chamber-synthetic", ["rounds=1", "world.n_users=60",
                                                "world.n_items=120"]),
    "onesided": ("onesided-panel", ["rounds=40"]),
    "average_reward": ("random-mdp-loop", ["rounds=60"]),
    "replay": ("replay-obd-men", ["rounds=300", "retrain.generation_rounds=100",
                                 "retrain.window=100"]),
    # a small world and small MLPs: the scenario's defaults took ~3 min of CI for this case
    "stitching": ("stitching-two-rooms", [
        "world.width=5", "world.trajectories=20", "world.test_pairs=20",
        *[f"policies.{p}.{k}" for p in ("gcbc", "gcbc_aug") for k in ("hidden=8",
                                                                      "max_iter=20")]]),
    "meta_bo": ("meta-bo-nap", ["world.test_tasks=10", *[
        f"policies.{g}.{k}" for g in ("nap", "nap_rl_only")
        for k in ("updates=2", "batch=4")]]),
    "meta_exploration": ("meta-exploration-bandits", ["world.test_tasks=20", *[
        f"policies.{g}.{k}" for g in ("gru", "gru_no_memory", "gru_no_structure",
                                      "gru_myopic") for k in ("updates=2", "batch=8")]]),
    # every update rule of the candidate worlds in one small scenario
    "improve": ("improve-unlikely", [
        "rounds=3", "pass_curve=4", "worlds.standard.prompts=6",
        "worlds.standard.candidates=12", "arms.spurious.type=grpo",
        "arms.spurious.reward=random", *[f"arms.{a}.type={a}" for a in (
            "reinforce", "entropy_min", "negative_only", "oreal", "dypo", "fixed_mix",
            "star", "bstar", "raft", "spark")]]),
    # the improve family's other world kinds (their arms cannot share a scenario with the
    # candidate worlds'): the combination lock, the closed-form and the trained chain length
    "improve:lock": ("improve-prefixrl", ["rounds=4", "worlds.lock.prompts=4",
                                          "arms.sft_then_rl.sft_rounds=2"]),
    "improve:cot": ("improve-cot-length", ["rounds=4", "arms.cot_curve.trials=100",
                                           "arms.length_vote.questions=16",
                                           "worlds.cot.max_length=12"]),
    "improve:cot-trained": ("improve-cot-trained", [
        "worlds.cot_trained.difficulties=[3, 4]", "worlds.cot_trained.test_chains=10",
        "worlds.cot_trained.max_step=2", *[f"arms.{a}.{k}" for a in ("weak", "strong")
                                          for k in ("hidden=8", "batch=8")],
        "arms.weak.train_steps=10", "arms.strong.train_steps=12"]),
    # judge-loop: one case per world (``kind:world``), each a second or two
    "judge-loop": ("judge-anyprefer", ["rounds=3", "world.prompts=16"]),
    "judge-loop:story": ("judge-cosmos", ["rounds=2", "world.prompts=4", *[
        f"arms.{a}.simulations=4" for a in ("mcts", "verbose", "debiased")]]),
    "judge-loop:rational": ("judge-rationalrewards", ["world.n_test=200"]),
    "judge-loop:text-pool": ("judge-best-of-n", []),
    "judge-loop:deception": ("judge-deception", ["world.samples=2"]),
    "retrieval": ("retrieval-kair-ablation", ["rounds=4", "data.world.questions_per_hop=1"]),
    "preference_gridworld": ("cpl-gridworld", ["world.pairs=100", *[
        f"policies.{p}.steps=50" for p in ("cpl", "reward_rl", "cpl_return",
                                           "reward_rl_return")]]),
    # the RAFT loop (pointwise feedback through the loop's streams) ...
    "reward-model": ("rm-optimization-loop", ["rounds=2", "loop.prompts=8",
                                              "loop.candidates=8"]),
    # ... and both static modes (flat per-replicate blocks of training data); linear
    # reward models keep the pairwise case fast (the MLP fits are seeded per replicate too)
    "reward-model:pairwise": ("rm-noisy-feedback", [
        "data.n_train=100", "data.n_test=200", "data.n_contrast=20", *[
            f"arms.{a}.model=linear" for a in ("bt", "label_smoothing", "strength",
                                               "convexda", "reward_fusion",
                                               "convexda_fusion")]]),
    "reward-model:pointwise": ("rm-observational-feedback", [
        "data.n_train=200", "data.n_test=200", "data.n_contrast=20"]),
}


def test_every_family_declares_whether_its_replicates_can_be_split():
    """Built-in families declare it explicitly (a third-party family that says nothing gets
    the UNDECLARED reason and is treated as not splittable)."""
    from looplab.families.base import UNDECLARED

    for k in kinds():
        fam = family(k)
        assert fam.replicate_rows or (fam.not_invariant != UNDECLARED
                                      and len(fam.not_invariant) > 40), k
        if fam.replicate_rows:
            assert k in SMALL, f"add a small scenario for {k!r} to SMALL"


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(SMALL))
def test_a_family_with_replicate_rows_gives_the_same_table_however_it_is_split(kind):
    name, sets = SMALL[kind]
    cfg = load_scenario(name, sets)
    assert cfg.kind == kind.split(":")[0]
    check_family_rows(family(cfg.kind), cfg)
