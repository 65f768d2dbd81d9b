"""The ``judge-loop`` family: judges inside optimisation loops, and the selection-differential
check that tells when the optimiser is exploiting the judge.

Two worlds:

* ``preferences`` — Anyprefer (``looplab.improve.anyprefer``): a target policy with a
  systematic bias toward two judge-irrelevant cues (length, tone) generates candidates; a
  judge arm (``self``: self-rewarding, ``external``: a separate judge with independent
  errors, ``tool``: that judge with tools returning the truth on some features) builds
  preference pairs; iterative DPO on the pairs; prompt rewriting by pair quality. Rows per
  (arm, round, replicate), round 0 = the initial target. Summary stems: every per-round
  monitor at the last round and its change ``d_<metric>`` (last - round 0); the per-update
  metrics (``pair_acc``, ``sel_length``, ``sel_tone``, ``margin``, ``temperature``)
  averaged over the updates.
* ``text-pool`` — best-of-n over text answers of known quality carrying random surface cues
  (``looplab.judges.pools``), chosen by a planted ``reference`` judge arm; the selection
  check (``looplab.judges.selection``) compares the chosen answers with the pool on
  detected text features and position. One row per (arm, replicate): ``quality`` of the
  chosen answers, ``sel_<feature>`` (standardized selection differential, mean over
  questions) and ``exploited`` (1 if any judge-irrelevant feature is flagged at the
  Bonferroni level). Text is not batchable, so this world loops over replicates; each
  replicate is one pool of 40 questions x k answers (a fraction of a second).

* ``story`` — COS(M+O)S (``looplab.improve.cosmos``): MCTS over plan steps guided by a
  value model fitted to the arm's judge, judge-picked ORPO pairs, iterated; the ``single``
  arm is single-pass generation from the untrained policy. Rows per (arm, round,
  replicate); summary stems: every metric at the last round and its change ``d_<metric>``.
* ``rational`` — RationalRewards (``looplab.judges.rational_rewards``): the PARROT critique
  model (arm type ``parrot``) against scalar Bradley-Terry (``scalar-bt``), o.o.d. and
  i.i.d. preference accuracy per training size, the spurious attribute's weight, and the
  true-reward gain of one generate-critique-refine step (``scalar-bt``: a random
  attribute, it gives no rationale). One row per (arm, replicate); both arms come from one
  batched fit.
* ``deception`` — a DeceptionBench-style harness (``looplab.judges.deception``) on a planted
  model whose deception log-odds respond to pressure (arm type ``planted``); one row per
  (arm, replicate) = one planted-model seed, with the deception rate per condition
  (``rate_<condition>``, pooled over perspectives; ``rate_<condition>_<perspective>``) and
  the rise over neutral ``d_<condition>``.

Every summary value is a mean over replicates with its 95% t-interval.

Replicate rows (issue 19): ``run_judge_loops(cfg, progress, rows)`` runs any replicate
range of a seed or several seeds packed in one batch. Every batched world draws from
per-replicate streams (``looplab.core.streams.Stream``, every draw leading with the
replicate axis) and every fit, baseline and test reduces within a replicate, so replicate
i's rows are bit-identical in any batch; the text worlds (text pool, deception) loop over
the batch's (seed, replicate) rows with generators named by that pair.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from looplab.core.loop import ProgressHook, row_columns
from looplab.core.params import Params
from looplab.core.seeding import generator
from looplab.core.streams import Rows, Stream
from looplab.experiments.claims import Claim, diff, value
from looplab.experiments.config import ScenarioBase
from looplab.families.base import Family, entry_unions, frame_bytes, params_of, type_tag
from looplab.improve.anyprefer import (
    JUDGES,
    ROUND_METRICS,
    STEP_METRICS,
    ExternalJudge,
    LoopConfig,
    PreferenceWorld,
    SelfRewardingJudge,
    ToolAssistedJudge,
    run_anyprefer,
)
from looplab.improve.cosmos import METRICS as COSMOS_METRICS
from looplab.improve.cosmos import CosmosArm, SinglePassArm, StoryWorld, run_cosmos
from looplab.judges.rational_rewards import CLAIMS as RATIONAL_CLAIMS
from looplab.judges.rational_rewards import RationalWorld, run_rational
from looplab.stats import mean_ci

POSITION = "position"


class TextPoolWorld(Params):
    """Best-of-n over answers of known quality with random judge-irrelevant cues."""

    k: int = Field(8, ge=2, le=256, description="candidate answers per question")
    p_better: float = Field(0.5, ge=0.0, le=1.0)
    cue_rate: float = Field(0.3, ge=0.0, le=1.0, description="P(each cue on a candidate)")
    items: str | None = Field(None, description="JSONL items file (default: built-in 40)")
    alpha: float = Field(0.05, gt=0.0, lt=1.0, description="family-wise flag level")


class ReferenceArm(Params):
    """A planted pointwise judge (``ReferenceJudge`` utility) choosing best-of-n."""

    skill: float = Field(2.0, description="log-odds per unit of true quality")
    verbosity: float = 0.0
    authority: float = 0.0
    distraction: float = 0.0
    reflection: float = 0.0
    sentiment: float = 0.0
    noise: float = Field(1.0, ge=0.0, description="Gumbel scale of the choice")


class DeceptionWorld(Params):
    """DeceptionBench-style scenarios under neutral, reward, coercive and multi-turn pressure."""

    scenarios: str | None = Field(None, description="JSONL scenario file (default: built-in 8)")
    samples: int = Field(10, ge=1, le=10_000, description="answers per scenario and condition")
    turns: int = Field(3, ge=1, le=100, description="pushback turns of the multi-turn loop")


class ScalarBTArm(Params):
    """A scalar Bradley-Terry reward model (logistic regression on feature differences)."""


class ParrotArm(Params):
    """The PARROT critique model: attribute verdicts, then a score (RationalRewards)."""


class PlantedDeceiver(Params):
    """A planted model: deception log-odds = base + shift[condition] + per_turn x turn."""

    base: float = -2.0
    reward: float = 0.8
    coercive: float = 1.2
    multi_turn: float = 0.8
    per_turn: float = Field(0.6, description="log-odds added per pushback turn")
    other: float = Field(0.0, description="log-odds added for other-perspective scenarios")


POLICIES: dict[str, type[Params]] = {**JUDGES, "reference": ReferenceArm,
                                     "single": SinglePassArm, "cosmos": CosmosArm,
                                     "scalar-bt": ScalarBTArm, "parrot": ParrotArm,
                                     "planted": PlantedDeceiver}
WORLDS: dict[str, type[Params]] = {"preferences": PreferenceWorld, "text-pool": TextPoolWorld,
                                   "story": StoryWorld, "rational": RationalWorld,
                                   "deception": DeceptionWorld}
ArmEntry, WorldEntry = entry_unions(POLICIES, WORLDS)
_type = type_tag


_FOR_WORLD = {"preferences": ("self", "external", "tool"), "text-pool": ("reference",),
              "story": ("single", "cosmos"), "rational": ("scalar-bt", "parrot"),
              "deception": ("planted",)}


class JudgeLoopScenario(ScenarioBase):
    """A judge-in-the-loop scenario: one world, the compared judge arms, loop settings."""

    kind: Literal["judge-loop"] = "judge-loop"
    rounds: int = Field(10, gt=0, le=10_000)
    replicates: int = Field(8, gt=0)
    world: WorldEntry = Field(  # type: ignore[valid-type]
        default_factory=lambda: {"type": "preferences"}, validate_default=True)
    loop: LoopConfig = LoopConfig()
    arms: dict[str, ArmEntry] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {"self": {"type": "self"}, "tool": {"type": "tool"}},
        min_length=1, validate_default=True)

    @model_validator(mode="after")
    def _compatible(self) -> JudgeLoopScenario:
        wt = _type(self.world)
        for name, arm in self.arms.items():
            if _type(arm) not in _FOR_WORLD[wt]:
                raise ValueError(f"arms.{name}: type {_type(arm)!r} does not run on a {wt} "
                                 f"world; allowed: {', '.join(_FOR_WORLD[wt])}")
        return self


def progress_total(cfg: JudgeLoopScenario) -> int:
    """Rounds per arm (preferences, story), replicates per arm (text pool, deception), one
    per arm (rational)."""
    wt = _type(cfg.world)
    per = {"preferences": cfg.rounds, "story": cfg.rounds, "rational": 1}.get(wt,
                                                                            cfg.replicates)
    return per * len(cfg.arms)


def _round_frame(name: str, out: dict[str, np.ndarray], rounds: int, rows: Rows
                 ) -> pd.DataFrame:
    """Rows (round, replicate) of per-round metric arrays (rounds + 1, S)."""
    cols: dict[str, Any] = {"policy": name,
                            "round": np.repeat(np.arange(rounds + 1), len(rows)).astype(np.int32),
                            **row_columns(rows, rounds + 1)}
    cols.update({m: v.ravel() for m, v in out.items()})
    return pd.DataFrame(cols)


def _arm_frame(name: str, cols: dict[str, np.ndarray], rows: Rows) -> pd.DataFrame:
    """One row per replicate (round 0) of per-replicate metric arrays (S,)."""
    return pd.DataFrame({"policy": name, "round": np.zeros(len(rows), np.int32),
                         **row_columns(rows, 1), **cols})


def _rounds(cfg: JudgeLoopScenario, progress: ProgressHook | None, rows: Rows
            ) -> pd.DataFrame:
    """The round-based worlds (preferences: Anyprefer; story: COS(M+O)S), one batched run
    per arm; arms share the world's streams, so they face the same worlds."""
    wt = _type(cfg.world)
    world: Any = WORLDS[wt](**params_of(cfg.world))
    frames = []
    for name, entry in cfg.arms.items():
        arm = POLICIES[_type(entry)](**params_of(entry))
        out = (run_anyprefer(world, arm, cfg.loop, cfg.rounds, rows, progress=progress)
               if wt == "preferences" else
               run_cosmos(world, arm, cfg.rounds, rows, progress=progress))
        frames.append(_round_frame(name, out, cfg.rounds, rows))
    return pd.concat(frames, ignore_index=True)


def _rational(cfg: JudgeLoopScenario, progress: ProgressHook | None, rows: Rows
              ) -> pd.DataFrame:
    world = RationalWorld(**params_of(cfg.world))
    out = run_rational(world, rows)
    src = {"scalar-bt": ("scalar", "random"), "parrot": ("critique", "critique")}
    frames = []
    for name, arm in cfg.arms.items():
        model, refine = src[_type(arm)]
        cols: dict[str, Any] = {}
        for n in world.n_train:
            cols[f"acc_{n}"] = out[f"acc_{model}_{n}"]
            cols[f"iid_{n}"] = out[f"iid_{model}_{n}"]
        cols["drop"] = out[f"drop_{model}"]
        cols["spurious_weight"] = out[f"spurious_weight_{model}"]
        cols["gain"] = out[f"gain_{refine}"]
        cols["kept"] = out["kept"] if model == "critique" else np.full(len(rows), np.nan)
        frames.append(_arm_frame(name, cols, rows))
        if progress is not None:
            progress(1)
    return pd.concat(frames, ignore_index=True)


def _deception(cfg: JudgeLoopScenario, progress: ProgressHook | None, rows: Rows
               ) -> pd.DataFrame:
    from looplab.judges.deception import (
        CONDITIONS,
        PERSPECTIVES,
        PlantedModel,
        load_scenarios,
        pooled,
        run_harness,
    )

    w = DeceptionWorld(**params_of(cfg.world))
    scenarios = load_scenarios(w.scenarios)
    frames = []
    for name, arm in cfg.arms.items():
        p = params_of(arm)
        # one planted-model seed per replicate, from the replicate's own stream
        seeds = Stream(rows, "policy", name).seeds()
        recs: list[dict[str, float]] = []
        for s in range(len(rows)):  # text harness: one model per replicate
            model = PlantedModel(p["base"], {c: p[c] for c in CONDITIONS if c != "neutral"},
                                 p["per_turn"], p["other"], int(seeds[s]))
            rates = run_harness(model, scenarios, samples=w.samples, turns=w.turns)
            rec: dict[str, float] = {}
            for c in CONDITIONS:
                rec[f"rate_{c}"] = pooled(rates, c).estimate
                for pp in PERSPECTIVES:
                    e = rates.get((c, pp))
                    rec[f"rate_{c}_{pp}"] = e.estimate if e is not None and e.n else np.nan
            for c in CONDITIONS[1:]:
                rec[f"d_{c}"] = rec[f"rate_{c}"] - rec["rate_neutral"]
            recs.append(rec)
            if progress is not None:
                progress(1)
        frames.append(_arm_frame(name, {k: np.array([r[k] for r in recs]) for k in recs[0]},
                                 rows))
    return pd.concat(frames, ignore_index=True)


def _text_pool(cfg: JudgeLoopScenario, progress: ProgressHook | None, rows: Rows
               ) -> pd.DataFrame:
    from looplab.judges.items import load_items
    from looplab.judges.pools import best_of_n_choice, make_pool, utility
    from looplab.judges.reference import ReferenceJudge
    from looplab.judges.selection import check_selection, text_features

    w = TextPoolWorld(**params_of(cfg.world))
    items = load_items(w.items)
    G = len(items)
    out = []
    for seed, s in rows.pairs():  # text: one pool per replicate, named by (seed, replicate)
        pool = make_pool(items, w.k, generator(seed, "world-instance", str(s)),
                         p_better=w.p_better, cue_rate=w.cue_rate)
        flat = text_features([t for row in pool.texts for t in row])
        feats = {k: v.reshape(G, w.k) for k, v in flat.items()}
        feats[POSITION] = np.tile(np.arange(w.k, dtype=np.float64), (G, 1))
        for name, arm in cfg.arms.items():
            p = params_of(arm)
            noise = p.pop("noise")
            judge = ReferenceJudge(items, seed=seed * 100_003 + s, **p)
            chosen = best_of_n_choice(utility(judge, pool, items),
                                      generator(seed, "policy", name, str(s)), noise)
            chk = check_selection(feats, chosen, alpha=w.alpha)
            row: dict[str, Any] = {"policy": name, "round": 0, "replicate": s,
                                   **({"seed": seed} if rows.packed else {}),
                                   "quality": float(pool.quality[np.arange(G),
                                                                 chosen[:, 0]].mean()),
                                   "exploited": float(chk.exploited)}
            row.update({f"sel_{f}": e.estimate for f, e in chk.estimates.items()})
            out.append(row)
            if progress is not None:
                progress(1)
    return pd.DataFrame(out)


def run_judge_loops(cfg: JudgeLoopScenario, progress: ProgressHook | None = None,
                    rows: Rows | None = None) -> pd.DataFrame:
    """The long table of a judge-loop scenario (see the module docstring) for ``rows``
    (default: replicates 0..replicates-1 of ``cfg.seed``; a ``seed`` column when packed)."""
    rows = rows if rows is not None else Rows.of(cfg.seed, cfg.replicates)
    runner = {"preferences": _rounds, "text-pool": _text_pool, "story": _rounds,
              "rational": _rational, "deception": _deception}[_type(cfg.world)]
    return runner(cfg, progress, rows)


def summarize_judge_loops(frame: pd.DataFrame, cfg: JudgeLoopScenario
                          ) -> dict[str, dict[str, float]]:
    """Per arm: means and 95% t-intervals across replicates (module docstring)."""
    out: dict[str, dict[str, float]] = {}
    for name, df in frame.groupby("policy", sort=False):
        df = df.sort_values(["round", "replicate"])
        vals: dict[str, np.ndarray] = {}
        wt = _type(cfg.world)
        if wt in ("story", "preferences"):
            first = df[df["round"] == 0]
            last = df[df["round"] == df["round"].max()]
            for m in COSMOS_METRICS if wt == "story" else ROUND_METRICS:
                lv = last[m].to_numpy(np.float64)
                vals[m], vals[f"d_{m}"] = lv, lv - first[m].to_numpy(np.float64)
            if wt == "preferences":
                steps = df[df["round"] < df["round"].max()]
                for m in STEP_METRICS:
                    vals[m] = steps.groupby("replicate")[m].mean().to_numpy(np.float64)
        elif wt in ("rational", "deception"):
            for m in df.columns.drop(["policy", "round", "replicate"]):
                vals[m] = df[m].to_numpy(np.float64)
        else:
            for m in (c for c in df.columns
                      if c in ("quality", "exploited") or c.startswith("sel_")):
                vals[m] = df[m].to_numpy(np.float64)
        row: dict[str, float] = {}
        for stem, v in vals.items():
            ok = v[np.isfinite(v)]
            mean, lo, hi = mean_ci(ok) if ok.size else (np.nan, np.nan, np.nan)
            row[f"{stem}_mean"], row[f"{stem}_ci_low"], row[f"{stem}_ci_high"] = mean, lo, hi
        out[str(name)] = row
    return out


ANYPREFER = "Anyprefer (2025), self-rewarding bias"
COSMOS = "COS(M+O)S (Materzok 2025), judge-in-optimiser check"
COSMOS_SEARCH = "COS(M+O)S (Materzok 2025, arXiv 2501.17104), MCTS + value model + ORPO"
DECEPTION = "DeceptionBench (Huang et al. 2025, arXiv 2510.15501), L3 vs L1"
# COS(M+O)S margins were fixed on seed 0 (5 blocks of 4 replicates, scenario judge-cosmos,
# the old batch-shared draws). Since issue 19 (replicate rows, stream scheme rows-v2) every
# claim here is decided on run seeds 0..4 x 4 replicates: the runs of ``looplab claims
# SCENARIO --seeds 0..4 --set replicates=4`` (tests/judge_loops/test_family.py).
CLAIMS = (
    Claim("anyprefer-self-amplifies", "the self-rewarding loop amplifies the target's length "
          "bias: E_pi[length] rises by >= 0.1 SD over the rounds", ANYPREFER,
          value("self", "d_bias_length"), ">=", 0.1),
    Claim("anyprefer-tool-does-not-amplify", "with the tool-assisted judge E_pi[length] does "
          "not rise (change <= 0)", ANYPREFER, value("tool", "d_bias_length"), "<=", 0.0),
    Claim("anyprefer-self-vs-tool", "the self-rewarding loop's length bias ends >= 0.3 SD "
          "above the tool-assisted loop's (pooled over seeds)", ANYPREFER,
          diff("self", "d_bias_length", "tool"), ">=", 0.3, rule="pooled"),
    Claim("anyprefer-seldiff-flags-self", "the selection differential of the self-rewarding "
          "judge's chosen answers on length is >= 0.05 SD", COSMOS,
          value("self", "sel_length"), ">=", 0.05),
    Claim("seldiff-catches-verbosity", "best-of-n under a planted verbosity judge selects "
          "longer answers: selection differential on word count >= 0.3 SD", COSMOS,
          value("verbose", "sel_words"), ">=", 0.3),
    Claim("seldiff-unbiased-control", "an unbiased judge is flagged (any irrelevant feature, "
          "Bonferroni 5%) in <= 25% of replicates", COSMOS,
          value("unbiased", "exploited"), "<=", 0.25),
    Claim("cosmos-search-beats-single-pass", "MCTS with the value model (unbiased judge, "
          "ORPO-iterated) delivers stories whose true quality beats single-pass generation "
          "from the base policy by >= 0.2", COSMOS_SEARCH, diff("mcts", "quality", "single"),
          ">=", 0.2),
    Claim("cosmos-orpo-improves-policy", "ORPO on the judge's picks raises the single-pass "
          "true quality of the policy itself by >= 0.1 over the rounds", COSMOS_SEARCH,
          value("mcts", "d_policy_quality"), ">=", 0.1),
    Claim("cosmos-verbose-seldiff", "with a verbosity-biased judge the search's selection "
          "differential on step length is >= 0.5 SD", COSMOS_SEARCH,
          value("verbose", "sel_length_search"), ">=", 0.5),
    Claim("cosmos-verbose-flagged", "the check flags the verbosity-biased search (one-sided "
          "5%, t over prompts) in >= 80% of replicates", COSMOS_SEARCH,
          value("verbose", "exploited_search"), ">=", 0.8),
    Claim("cosmos-verbose-policy-drift", "ORPO on the verbosity-biased judge's picks moves "
          "the policy's expected step length up by >= 0.3 SD", COSMOS_SEARCH,
          value("verbose", "d_policy_length"), ">=", 0.3),
    Claim("cosmos-debiased-seldiff", "the length-controlled judge's search differential on "
          "length stays <= 0.3 SD (the world-to-world spread of an unbiased judge's)",
          COSMOS_SEARCH, value("debiased", "sel_length_search"), "<=", 0.3),
    Claim("cosmos-debiased-no-drift", "with the length-controlled judge the policy's step "
          "length does not drift up (change <= 0.1 SD)", COSMOS_SEARCH,
          value("debiased", "d_policy_length"), "<=", 0.1),
    Claim("cosmos-debiased-recovers-quality", "length control raises the delivered stories' "
          "true quality by >= 0.05 over the verbosity-biased judge", COSMOS_SEARCH,
          diff("debiased", "quality", "verbose"), ">=", 0.05),
    *RATIONAL_CLAIMS,
    Claim("deception-multi-turn-amplifies", "the multi-turn loop raises a planted model's "
          "deception rate by >= 0.2 over the neutral condition", DECEPTION,
          value("planted", "d_multi_turn"), ">=", 0.2),
    Claim("deception-control-flat", "an unpressured planted model shows no multi-turn rise "
          "(change <= 0.1)", DECEPTION, value("flat", "d_multi_turn"), "<=", 0.1),
)


def memory_estimate(cfg: JudgeLoopScenario) -> int:
    """Coarse peak bytes: per arm, the candidate tables (replicates x prompts x candidates x
    ~32 features, 8 working copies), the search trees of the story world (replicates x
    prompts x candidates x nodes x step types, 4 arrays), the rational world's test pairs,
    and the per-round result rows."""
    w: Any = cfg.world
    cells = getattr(w, "prompts", 64) * getattr(w, "candidates", 16) * 32
    if _type(w) == "story":
        sims = max((getattr(a, "simulations", 1) for a in cfg.arms.values()), default=1)
        cand = max((getattr(a, "candidates", 1) for a in cfg.arms.values()), default=1)
        cells = w.prompts * cand * (sims + 1) * w.steps * 4 // 8 + w.steps**2 * 16
    elif _type(w) == "rational":
        cells = (w.n_test * 4 + max(w.n_train)) * (len(w.weights) + 1) * 8 // 8
    return (len(cfg.arms) * 8 * 8 * cfg.replicates * cells
            + frame_bytes(cfg.rounds * cfg.replicates * len(cfg.arms), 32))


FAMILY = Family(
    name="judge-loop",
    memory_estimate=memory_estimate,
    description="judges inside optimisation loops: Anyprefer-style preference synthesis "
    "with self / external / tool-assisted judges, COS(M+O)S value-model search with ORPO, "
    "RationalRewards critique reward models, a DeceptionBench-style pressure harness, and "
    "the selection-differential check",
    scenario=JudgeLoopScenario,
    run=run_judge_loops,
    replicate_rows=True,
    summarize=summarize_judge_loops,
    progress_total=progress_total,
    table=(("true reward", "true_reward"), ("d length bias", "d_bias_length"),
           ("d tone bias", "d_bias_tone"), ("length share", "length_share"),
           ("pair accuracy", "pair_acc"), ("sel. diff. length", "sel_length"),
           ("chosen quality", "quality"), ("sel. diff. words", "sel_words"),
           ("flagged", "exploited"), ("policy quality", "policy_quality"),
           ("d policy length", "d_policy_length"), ("judge rating", "judge_rating"),
           ("search sel. diff. length", "sel_length_search"),
           ("search flagged", "exploited_search"), ("o.o.d. acc. (64)", "acc_64"),
           ("o.o.d. drop", "drop"), ("refine gain", "gain"),
           ("deception neutral", "rate_neutral"), ("deception multi-turn", "rate_multi_turn"),
           ("d multi-turn", "d_multi_turn")),
    panels=(("bias_length", "E_pi[length cue] (SD)", False),
            ("bias_tone", "E_pi[tone cue] (SD)", False),
            ("true_reward", "true reward of the target", False),
            ("sel_length", "selection differential on length (SD)", False),
            ("policy_quality", "single-pass true quality of the policy", False),
            ("policy_length", "E_pi[step length] (SD)", False),
            ("sel_length_search", "search selection differential on length (SD)", False)),
    policies=POLICIES,
    worlds={k: (v.__doc__ or k).splitlines()[0] for k, v in WORLDS.items()},
    claims=CLAIMS,
)

__all__ = ["CLAIMS", "FAMILY", "CosmosArm", "DeceptionWorld", "ExternalJudge",
           "JudgeLoopScenario", "ParrotArm", "PlantedDeceiver", "ScalarBTArm",
           "SelfRewardingJudge", "SinglePassArm", "StoryWorld", "ToolAssistedJudge"]
