"""Contextual bandits with delayed, batched, logged feedback: the generation loop of the
Adyen paper (``bandit-payments``) and a plain linear bandit (``bandit-linear``).

Every policy runs on the same world instances and the same random contexts and outcomes
(common random numbers). A "generation" is ``retrain.generation_rounds`` rounds: a
batch-retrained policy refits its oracle at every generation boundary on the last
``retrain.window`` rounds of revealed logs; an online policy learns every round and the
generation is only the reporting block. The result table has one row per (policy,
generation, replicate): ``round`` is the generation index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from looplab.core.channels import BanditFeedback
from looplab.core.loop import ProgressHook, row_columns, run
from looplab.core.monitors import (
    ContextRegretMonitor,
    PropensityEntropyMonitor,
    RewardMonitor,
    WindowPositiveRateMonitor,
    sign_changes,
)
from looplab.core.params import Params
from looplab.core.streams import Rows
from looplab.core.types import Monitor
from looplab.experiments import claims as C
from looplab.experiments.config import ScenarioBase
from looplab.families.base import Family, entry_union, frame_bytes, params_of
from looplab.policies.contextual import ContextualPolicy, Retraining
from looplab.policies.contextual_epsilon_greedy import ContextualEpsilonGreedy
from looplab.policies.contextual_greedy import ContextualGreedy
from looplab.policies.linear_thompson import LinearThompson
from looplab.policies.linucb import LinUCB
from looplab.policies.regression_oracles import single_threaded
from looplab.policies.squarecb import SquareCB
from looplab.policies.uniform_erm import UniformERM
from looplab.stats import mean_ci
from looplab.worlds.linear_bandit import LinearBanditConfig, LinearBanditWorld
from looplab.worlds.payments import PaymentsConfig, PaymentsWorld

# name -> arm class: the scenario file's ``type`` values, their parameters and descriptions
POLICIES: dict[str, type[ContextualPolicy]] = {
    "uniform": UniformERM,
    "greedy": ContextualGreedy,
    "epsilon_greedy": ContextualEpsilonGreedy,
    "linucb": LinUCB,
    "lints": LinearThompson,
    "squarecb": SquareCB,
}
if TYPE_CHECKING:  # a tagged union built at run time: mypy sees Any
    PolicyEntry = Any
else:
    PolicyEntry = entry_union(POLICIES, supplied=("retraining", "name"))


class RetrainSpec(Params):
    """When policies learn, and how feedback reaches them."""

    online: bool = False
    generation_rounds: int = Field(4, ge=1, description="rounds per generation")
    window: int = Field(4, ge=1, description="rounds of revealed logs in the training set")
    delay: int = Field(1, ge=0, description="rounds before an outcome is revealed")


class BanditScenario(ScenarioBase):
    """A contextual-bandit scenario: a world, the retraining schedule, the policies."""

    kind: Literal["bandit"] = "bandit"
    world: Annotated[PaymentsConfig | LinearBanditConfig, Field(discriminator="type")] = (
        PaymentsConfig()
    )
    retrain: RetrainSpec = RetrainSpec()
    policies: dict[str, PolicyEntry] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {"uniform": {"type": "uniform"}, "squarecb": {"type": "squarecb"}},
        min_length=1, validate_default=True,
    )
    oscillation_tol: float = Field(0.002, ge=0.0, description="dead-band for sign changes")
    balanced_floor: list[str] = Field(
        default_factory=list,
        description="policies also run on the class-balanced payments world, reported as "
        "'<name>@balanced' (each learner's own retraining-noise floor)",
    )

    @model_validator(mode="after")
    def _check(self) -> BanditScenario:
        g = self.retrain.generation_rounds
        if self.rounds % g or self.rounds < 2 * g:
            raise ValueError(
                f"rounds ({self.rounds}) must be a multiple of retrain.generation_rounds "
                f"({g}) and span at least 2 generations"
            )
        for name in self.balanced_floor:
            if name not in self.policies:
                raise ValueError(f"balanced_floor: {name!r} is not a policy; allowed: "
                                 f"{', '.join(self.policies)}")
            if not isinstance(self.world, PaymentsConfig):
                raise ValueError("balanced_floor needs the payments world (world.type = "
                                 "'payments')")
        for name, entry in self.policies.items():
            if self.retrain.online and entry.oracle.type == "hgb":
                raise ValueError(
                    f"policies.{name}.oracle: the hgb oracle retrains only at generation "
                    "boundaries; set retrain.online = false or use the linear oracle"
                )
            try:  # the policy as it will run: every parameter check, before any work
                build_policy(name, entry, self.retrain)
            except ValidationError as exc:
                err = exc.errors()[0]
                raise ValueError(f"policies.{name}: {err['msg']}") from None
        return self

    @property
    def generations(self) -> int:
        return self.rounds // self.retrain.generation_rounds

    @property
    def first_trained(self) -> int:
        """The first generation that deploys a trained model (0 when learning online)."""
        return 0 if self.retrain.online else 1


def build_world(cfg: BanditScenario) -> PaymentsWorld | LinearBanditWorld:
    """The world object for the scenario's world config."""
    if isinstance(cfg.world, PaymentsConfig):
        return PaymentsWorld(cfg.world)
    return LinearBanditWorld(cfg.world)


def build_policy(name: str, entry: Any, retrain: RetrainSpec) -> ContextualPolicy:
    """The policy a validated scenario entry names, on the scenario's retraining schedule."""
    params = params_of(entry)
    params["retraining"] = Retraining(
        online=retrain.online, every=retrain.generation_rounds, window=retrain.window
    )
    params["name"] = name
    return POLICIES[entry.type](**params)


def memory_estimate(cfg: BanditScenario) -> int:
    """Coarse peak bytes: the long table, one round's contexts x actions (x 8 working
    copies) and the training window of revealed logs, per policy (each keeps its own)."""
    w = cfg.world
    if isinstance(w, PaymentsConfig):
        per_round = w.n_transactions * (sum(w.categorical_levels) + w.n_numeric + w.n_actions)
    else:
        per_round = w.n_contexts * w.n_actions * (w.n_features + 1)
    S, P = cfg.replicates, len(cfg.policies)
    return (frame_bytes(cfg.rounds * S * P) + 8 * 8 * S * per_round
            + 8 * 2 * P * S * per_round * (cfg.retrain.window + cfg.retrain.delay + 1))


def progress_total(cfg: BanditScenario) -> int:
    """Progress units (rounds) the experiment will report."""
    return cfg.rounds * (len(cfg.policies) + len(cfg.balanced_floor))


METRICS = ("reward", "expected_reward", "regret", "propensity_entropy", "window_positive_rate")


def run_bandit(cfg: BanditScenario, progress: ProgressHook | None = None,
               rows: Rows | None = None) -> pd.DataFrame:
    """Run every policy on the same replicate instances and seed; one row per (policy,
    generation, replicate) with per-generation means (window positive rate: at the
    generation's last round, i.e. what the next refit trains on)."""
    world = build_world(cfg)
    G, g = cfg.generations, cfg.retrain.generation_rounds
    rows = rows if rows is not None else Rows.of(cfg.seed, cfg.replicates)
    S = len(rows)
    frames = []
    runs: list[tuple[str, Any, Any]] = [(n, e, world) for n, e in cfg.policies.items()]
    if cfg.balanced_floor:
        assert isinstance(cfg.world, PaymentsConfig)
        control = PaymentsWorld(cfg.world.model_copy(update={"balanced": True}))
        runs += [(f"{n}@balanced", cfg.policies[n], control) for n in cfg.balanced_floor]
    for name, spec, world in runs:
        policy = build_policy(name, spec, cfg.retrain)
        monitors: list[Monitor] = [
            RewardMonitor(), ContextRegretMonitor(), PropensityEntropyMonitor(),
            WindowPositiveRateMonitor(cfg.retrain.window),
        ]
        with single_threaded():  # many small batched ops: threads only contend
            res = run(
                world, policy,
                BanditFeedback(signals=("features", "avail"), delay=cfg.retrain.delay),
                monitors, cfg.rounds, S, cfg.seed, rows=rows, progress=progress,
                progress_every=max(1, min(50, g)),
            )
        cols: dict[str, Any] = {
            "policy": name,
            "round": np.repeat(np.arange(G), S).astype(np.int32),
            **row_columns(rows, G),
        }
        for m in METRICS:
            blocks = res.metrics[m].reshape(G, g, S)
            cols[m] = (blocks[:, -1] if m == "window_positive_rate" else blocks.mean(axis=1)
                       ).ravel()
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True)


def per_generation(frame: pd.DataFrame, metric: str) -> np.ndarray:
    """(generations, replicates) array of one metric for one policy's rows."""
    return frame.pivot(index="round", columns="replicate", values=metric).to_numpy()


def summarize_bandit(frame: pd.DataFrame, cfg: BanditScenario) -> dict[str, dict[str, float]]:
    """Per policy, means and 95% intervals across replicates of: mean realized reward;
    expected reward in the first trained and in the last generation; per-decision regret;
    the training window's positive rate after generation 0 and at the end, and its growth;
    propensity entropy of the trained generations; and the oscillation of the generation
    reward (sign changes of its differences beyond ``oscillation_tol``, mean |difference|
    and the largest drop), and the mean |difference| of the generation reward's logit
    (``oscillation_logit``: the swing on the scale of the reward model, so that a world at
    base rate 0.9 and the balanced control world, whose probabilities respond ~2.8x more
    to the same logit change, are compared on equal terms)."""
    f0 = cfg.first_trained
    out: dict[str, dict[str, float]] = {}
    for name, df in frame.groupby("policy", sort=False):
        er = per_generation(df, "expected_reward")
        wp = per_generation(df, "window_positive_rate")
        trained = er[f0:]
        diffs = np.diff(trained, axis=0)
        logit = np.log(np.clip(trained, 1e-9, 1 - 1e-9) / np.clip(1 - trained, 1e-9, 1))
        ldiffs = np.diff(logit, axis=0)
        stats = {
            "reward": per_generation(df, "reward").mean(axis=0),
            "expected_reward": er.mean(axis=0),
            "first_reward": er[f0],
            "final_reward": er[-1],
            "regret": per_generation(df, "regret").mean(axis=0),
            "first_window_positive_rate": wp[0],
            "final_window_positive_rate": wp[-1],
            "imbalance_growth": wp[-1] - wp[0],
            "propensity_entropy": per_generation(df, "propensity_entropy")[f0:].mean(axis=0),
            "oscillation": sign_changes(trained, cfg.oscillation_tol).astype(np.float64),
            "oscillation_amplitude": (np.abs(diffs).mean(axis=0) if len(diffs)
                                      else np.zeros(trained.shape[1])),
            "max_drop": (np.maximum(-diffs, 0.0).max(axis=0) if len(diffs)
                         else np.zeros(trained.shape[1])),
            "oscillation_logit": (np.abs(ldiffs).mean(axis=0) if len(ldiffs)
                                  else np.zeros(trained.shape[1])),
        }
        row: dict[str, float] = {}
        for key, vals in stats.items():
            m, lo, hi = mean_ci(vals)
            row[f"{key}_mean"], row[f"{key}_ci_low"], row[f"{key}_ci_high"] = m, lo, hi
        out[str(name)] = row
    return out


# Margins of the Adyen paper's claims (Vangara & Egg 2024), shared by ``check_claims`` and
# the tests (tests/test_paper_adyen.py); fixed before the test seed was run.
SOURCE = "Vangara & Egg 2024, exploration in payments routing at Adyen (arXiv 2412.00569)"
REMEDY_SOURCE = "remedy hypotheses for the self-made training imbalance (looplab)"


def _remedy_damps(remedy: str, reproduced: bool, note: str = "") -> C.Claim:
    return C.Claim(
        f"{remedy}-damps-oscillation",
        f"{remedy} damps the oscillation (|Δ| <= 0.75 x SquareCB's)", REMEDY_SOURCE,
        C.ratio(remedy, "oscillation_amplitude", "squarecb"), "<=", 0.75,
        not_reproduced=() if reproduced else ("*",), note=note, rule="most_seeds",
    )


_REWEIGHT_NOTE = (
    "importance weighting and class re-weighting do not damp the oscillation on this world: "
    "amplitude ratio to SquareCB's 1.46 [0.91, 2.01] (ipw, 0 of 5 seeds <= 0.75) and "
    "1.14 [0.88, 1.40] (class balance, 0 of 5 seeds), 5 seeds x 4 replicates"
)
CLAIMS = (
    C.Claim(
        "squarecb-first-generation-beats-uniform",
        "SquareCB's first trained generation beats uniform by >= 0.03", SOURCE,
        C.diff("squarecb", "first_reward", "uniform", "reward"), ">=", 0.03, rule="pooled",
    ),
    C.Claim(
        "squarecb-later-generation-drops",
        "a later SquareCB generation is worse than the one before by >= 0.01", SOURCE,
        C.value("squarecb", "max_drop"), ">=", 0.01, rule="pooled",
    ),
    C.Claim(
        "squarecb-oscillates",
        "SquareCB's mean |Δ| per generation is >= 2 x uniform's (the noise floor)", SOURCE,
        C.ratio("squarecb", "oscillation_amplitude", "uniform"), ">=", 2.0, rule="most_seeds",
    ),
    C.Claim(
        "greedy-window-imbalance-grows",
        "greedy's training window grows more imbalanced (positive rate +0.03 or more)",
        SOURCE, C.value("greedy", "imbalance_growth"), ">=", 0.03, rule="pooled",
    ),
    C.Claim(
        "squarecb-window-imbalance-grows",
        "squarecb's training window grows more imbalanced (positive rate +0.03 or more)",
        SOURCE, C.value("squarecb", "imbalance_growth"), ">=", 0.03, rule="pooled",
    ),
    # isolation (issue 13.4): each learner against its own noise floor on the stationary,
    # class-balanced control world (``balanced_floor``). Ratios of noisy amplitudes ->
    # "most_seeds"; a mean difference of entropies -> "pooled". The swing is stated on both
    # scales: on the logit scale (the reward model's own units) the imbalance triples it;
    # on the probability scale it does not grow, because the same policy change moves a
    # probability near 0.9 ~2.7x less than one near 0.67. Pooled numbers: 5 seeds x 4
    # replicates (``looplab claims bandit-payments-isolated --seeds 0..4 --set
    # replicates=4``).
    *(C.Claim(
        f"imbalance-drives-{p}-swing",
        f"{p}'s generation-to-generation swing (logit) is >= 1.5 x its own swing on the "
        "class-balanced world (the imbalance, not retraining noise, drives it)", SOURCE,
        C.ratio(p, "oscillation_logit", f"{p}@balanced"), ">=", 1.5, rule="most_seeds",
    ) for p in ("squarecb", "greedy", "epsilon_greedy")),
    *(C.Claim(
        f"imbalance-drives-{p}-swing-probability",
        f"{p}'s swing in expected reward (probability scale) is >= 1.5 x its own swing on "
        "the class-balanced world", SOURCE,
        C.ratio(p, "oscillation_amplitude", f"{p}@balanced"), ">=", 1.5, rule="most_seeds",
        not_reproduced=("*",), note=note,
    ) for p, note in (
        ("squarecb", "on the probability scale SquareCB swings about as much on the balanced "
         "world: ratio 1.18 [0.73, 1.64] pooled, >= 1.5 on 2 of 5 seeds (1.52, 0.81, 0.85, "
         "1.15, 1.60)"),
        ("greedy", "on the probability scale greedy swings about as much on the balanced "
         "world: ratio 1.14 [0.81, 1.47], >= 1.5 on 1 of 5 seeds"),
        ("epsilon_greedy", "on the probability scale epsilon-greedy swings about as much at "
         "base rate 0.9 as on the balanced world: ratio 1.02 [0.71, 1.32], 0 of 5 seeds"),
    )),
    C.Claim(
        "squarecb-explores-more-than-greedy",
        "at the paper's settings SquareCB's propensities carry >= 0.05 nats more entropy "
        "than greedy's (its exploration differs from greedy's)", SOURCE,
        C.diff("squarecb", "propensity_entropy", "greedy"), ">=", 0.05, rule="pooled",
    ),
    C.Claim(
        "squarecb-swings-more-than-greedy",
        "SquareCB's swing (logit) is >= 1.5 x greedy's", SOURCE,
        C.ratio("squarecb", "oscillation_logit", "greedy"), ">=", 1.5, rule="most_seeds",
        not_reproduced=("*",),
        note="SquareCB swings as much as greedy, not more: ratio 0.92 [0.62, 1.21] pooled, "
        "0 of 5 seeds >= 1.5; it explores (+0.157 nats of propensity entropy over greedy's "
        "0) yet earns about the same",
    ),
    _remedy_damps("squarecb+older", True),
    # at the margin, so it turns on the draws: 0.549 [0.357, 0.740], 5 of 5 seeds with the
    # rows-v2 streams; 0.724 [0.452, 0.996], 3 of 5 with rows-v1; held with the shared stream
    _remedy_damps("squarecb+uniform5", True),
    _remedy_damps("squarecb+ipw", False, _REWEIGHT_NOTE),
    _remedy_damps("squarecb+balance", False, _REWEIGHT_NOTE),
)


def check_claims(summary: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """The Adyen paper's claims and the remedy hypotheses (``CLAIMS``) on a summary."""
    return C.check_claims(CLAIMS, summary)


FAMILY = Family(
    name="bandit",
    description="contextual bandits with delayed, batched, logged feedback",
    scenario=BanditScenario,
    run=run_bandit,
    replicate_rows=True,
    summarize=summarize_bandit,
    progress_total=progress_total,
    memory_estimate=memory_estimate,
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
    policies=POLICIES,
    worlds={
        "payments": "payments routing: categorical + numeric transactions, dynamic action "
        "sets, imbalanced authorization reward from a model linear learners cannot fit; "
        "policies retrain each generation on their own delayed logs",
        "linear": "linear-logistic contextual bandit, r ~ Bernoulli(sigmoid(theta_a . x)) "
        "(the peer-benchmark workload)",
    },
    claims=CLAIMS,
)
