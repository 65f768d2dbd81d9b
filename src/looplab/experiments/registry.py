"""The registry of experiment kinds, worlds and built-in scenarios."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from looplab.core.loop import ProgressHook
from looplab.experiments import bandits, lending, recsys, retrieval
from looplab.experiments import reward_models as rm_exp
from looplab.experiments.config import (
    ConfigError,
    ScenarioBase,
    apply_overrides,
    read_toml,
    validate,
)


@dataclass(frozen=True)
class ExperimentKind:
    """How to run, summarize and plot one family of scenarios.

    ``summarize`` returns {arm: {metric: value}}; ``table`` lists (label, metric stem)
    pairs shown in the terminal table, each with ``_mean``/``_ci_low``/``_ci_high``.
    ``panels`` are (metric, label, smooth) curves for the PNG plot.
    """

    model: type[ScenarioBase]
    run: Callable[[Any, ProgressHook | None], pd.DataFrame]
    summarize: Callable[[pd.DataFrame, Any], dict[str, dict[str, float]]]
    progress_total: Callable[[Any], int]
    table: tuple[tuple[str, str], ...]
    panels: tuple[tuple[str, str, bool], ...]
    policies: dict[str, str]
    # the scenario's paper claims checked on a summary: [{"claim", "held", "detail"}]
    claims: Callable[[dict[str, dict[str, float]]], list[dict[str, Any]]] | None = None
    # for kinds that can resume: the config with its checkpoint placed in the run's folder,
    # so an interrupted ``looplab run --out DIR`` keeps finished work and a rerun resumes
    checkpoint: Callable[[Any, Path], Any] | None = None


KINDS: dict[str, ExperimentKind] = {
    "lending": ExperimentKind(
        model=lending.LendingScenario,
        run=lending.run_lending,
        summarize=lambda frame, cfg: lending.summarize_lending(frame, cfg.rounds),
        progress_total=lending.progress_total,
        table=(
            ("mean reward", "reward"),
            ("steady reward", "steady_reward"),
            ("cum. violation", "cum_violation"),
            ("final share B", "final_share_b"),
            ("regret vs oracle", "regret"),
        ),
        panels=(
            ("reward", "reward per round (rolling mean)", True),
            ("cum_violation", "cumulative constraint violation", False),
            ("share_b", "group-B share of applicants", False),
        ),
        policies=lending.POLICY_DESCRIPTIONS,
        claims=lending.check_claims,
    ),
    "retrieval": ExperimentKind(
        model=retrieval.RetrievalScenario,
        run=retrieval.run_retrieval,
        summarize=retrieval.summarize_retrieval,
        progress_total=retrieval.progress_total,
        table=(
            ("EM", "em"),
            ("EM hardest", "em_hardest"),
            ("gold recall", "gold_recall"),
            ("steps", "steps"),
            ("distractor share", "distractor_share"),
            ("calls/agent", "calls_per_agent"),
            ("tokens", "tokens"),
        ),
        panels=(
            ("em", "exact match (questions ordered by hop count)", True),
            ("steps", "steps to termination", True),
            ("distractor_share", "share of retrieved distractors", True),
        ),
        policies=retrieval.POLICY_DESCRIPTIONS,
        claims=retrieval.check_claims,
        checkpoint=retrieval.journal_in,
    ),
    "echo_chamber": ExperimentKind(
        model=recsys.EchoChamberScenario,
        run=recsys.run_echo_chamber,
        summarize=recsys.summarize_echo_chamber,
        progress_total=recsys.progress_total,
        table=(
            ("AIGC share first", "aigc_share_first"),
            ("AIGC share last", "aigc_share_last"),
            ("rel. bias nDCG@5 first", "rel_bias_ndcg5_first"),
            ("rel. bias nDCG@5 last", "rel_bias_ndcg5_last"),
            ("nDCG@5 mixed last", "ndcg5_mixed_last"),
        ),
        panels=(
            ("aigc_click_share", "AIGC share of clicks per stage", False),
            ("rel_bias_ndcg5", "relative source bias, nDCG@5 (%; < 0 = AIGC favoured)", False),
            ("ndcg5_mixed", "nDCG@5 on the mixed list (either copy relevant)", False),
        ),
        policies=recsys.POLICY_DESCRIPTIONS,
        claims=recsys.check_claims,
    ),
    "reward-model": ExperimentKind(
        model=rm_exp.RewardModelScenario,
        run=rm_exp.run_reward_models,
        summarize=rm_exp.summarize_reward_models,
        progress_total=rm_exp.progress_total,
        table=(
            ("accuracy", "accuracy"),
            ("Spearman", "spearman"),
            ("consistency", "consistency"),
            ("AUROC", "auroc"),
            ("true reward", "true_reward"),
            ("proxy-true gap", "gap"),
            ("entropy", "entropy"),
        ),
        panels=(
            ("true_reward", "true reward of the policy (z)", False),
            ("gap", "proxy - true reward (z)", False),
            ("spearman", "reward model Spearman vs truth", False),
        ),
        policies=rm_exp.POLICY_DESCRIPTIONS,
        claims=rm_exp.check_claims,
    ),
    "bandit": ExperimentKind(
        model=bandits.BanditScenario,
        run=bandits.run_bandit,
        summarize=bandits.summarize_bandit,
        progress_total=bandits.progress_total,
        table=(
            ("mean reward", "reward"),
            ("first-gen reward", "first_reward"),
            ("final reward", "final_reward"),
            ("regret", "regret"),
            ("window pos. rate", "final_window_positive_rate"),
            ("entropy", "propensity_entropy"),
            ("oscillation", "oscillation"),
            ("mean |Δ| per gen", "oscillation_amplitude"),
        ),
        panels=(
            ("expected_reward", "expected reward per generation", False),
            ("window_positive_rate", "positive-class rate of the training window", False),
            ("propensity_entropy", "propensity entropy (nats)", False),
        ),
        policies=bandits.POLICY_DESCRIPTIONS,
        claims=bandits.check_claims,
    ),
}

WORLDS: dict[str, str] = {
    "lending": "threshold lending; acceptance rates feed back into the applicant mix "
    "(variants: synthetic, german, compas)",
    "retrieval": "multi-hop QA over a corpus with over-represented popular distractors; "
    "queries built from retrieved text feed back into what is retrieved next "
    "(synthetic world, HotpotQA file, JSONL corpus)",
    "recsys": "recommender retrained on its own clicks over human- and AI-generated copies "
    "of every item (source echo chamber; variants: synthetic, movielens)",
    "preferences": "contexts x candidate responses with a hidden true reward; feedback "
    "from Bradley-Terry annotators (flips, position bias) or selection-biased thumbs-up; "
    "a RAFT policy optimizes the learned reward",
    "payments": "payments routing: categorical + numeric transactions, dynamic action sets, "
    "imbalanced authorization reward from a model linear learners cannot fit; policies "
    "retrain each generation on their own delayed logs",
    "linear": "linear-logistic contextual bandit, r ~ Bernoulli(sigmoid(theta_a . x)) "
    "(the peer-benchmark workload)",
}


def _scenario_dir() -> Any:
    return resources.files("looplab") / "scenarios"


def scenario_names() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(
        p.name.removesuffix(".toml") for p in _scenario_dir().iterdir() if p.name.endswith(".toml")
    )


def load_raw(name_or_path: str) -> dict[str, Any]:
    """The raw dict of a built-in scenario, or of a TOML file given by path."""
    path = Path(name_or_path)
    if name_or_path.endswith(".toml") and path.exists():
        return read_toml(path)
    if name_or_path not in scenario_names():
        raise ConfigError(
            f"unknown scenario {name_or_path!r}; allowed: {', '.join(scenario_names())} "
            "or a path to a .toml file"
        )
    with resources.as_file(_scenario_dir() / f"{name_or_path}.toml") as p:
        return read_toml(Path(p))


def load_scenario(name_or_path: str, overrides: list[str] | None = None) -> ScenarioBase:
    """A validated scenario config, with ``key=value`` overrides applied."""
    raw = apply_overrides(load_raw(name_or_path), overrides or [])
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"invalid kind: {kind!r}; allowed: {', '.join(KINDS)}")
    return validate(KINDS[kind].model, raw)  # type: ignore[return-value]
