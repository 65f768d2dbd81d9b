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

Every summary value is a mean over replicates with its 95% t-interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from looplab.core.loop import ProgressHook
from looplab.core.params import Params
from looplab.core.seeding import generator
from looplab.experiments.claims import Claim, diff, value
from looplab.experiments.config import ScenarioBase
from looplab.families.base import Family, entry_union, frame_bytes, params_of
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


POLICIES: dict[str, type[Params]] = {**JUDGES, "reference": ReferenceArm}
WORLDS: dict[str, type[Params]] = {"preferences": PreferenceWorld, "text-pool": TextPoolWorld}
if TYPE_CHECKING:  # a tagged union built at run time: mypy sees Any
    ArmEntry = Any
else:
    ArmEntry = entry_union(POLICIES)
if TYPE_CHECKING:  # a tagged union built at run time: mypy sees Any
    WorldEntry = Any
else:
    WorldEntry = entry_union(WORLDS)


def _type(entry: Any) -> str:
    """The ``type`` tag of a validated scenario entry (the unions are built at run time)."""
    return str(entry.type)


_FOR_WORLD = {"preferences": ("self", "external", "tool"), "text-pool": ("reference",)}


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
    """Rounds per arm (preferences) or replicates per arm (text pool)."""
    per = cfg.rounds if _type(cfg.world) == "preferences" else cfg.replicates
    return per * len(cfg.arms)


def _preferences(cfg: JudgeLoopScenario, progress: ProgressHook | None) -> pd.DataFrame:
    world = PreferenceWorld(**params_of(cfg.world))
    frames = []
    for name, arm in cfg.arms.items():
        judge = JUDGES[_type(arm)](**params_of(arm))
        out = run_anyprefer(world, judge, cfg.loop, cfg.rounds, cfg.replicates, cfg.seed,
                            progress)
        r, s = np.meshgrid(np.arange(cfg.rounds + 1), np.arange(cfg.replicates),
                           indexing="ij")
        cols: dict[str, Any] = {"policy": name, "round": r.ravel().astype(np.int32),
                                "replicate": s.ravel().astype(np.int32)}
        cols.update({m: v.ravel() for m, v in out.items()})
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True)


def _text_pool(cfg: JudgeLoopScenario, progress: ProgressHook | None) -> pd.DataFrame:
    from looplab.judges.items import load_items
    from looplab.judges.pools import best_of_n_choice, make_pool, utility
    from looplab.judges.reference import ReferenceJudge
    from looplab.judges.selection import check_selection, text_features

    w = TextPoolWorld(**params_of(cfg.world))
    items = load_items(w.items)
    G = len(items)
    rows = []
    for s in range(cfg.replicates):  # text: one pool per replicate
        pool = make_pool(items, w.k, generator(cfg.seed, "world-instance", str(s)),
                         p_better=w.p_better, cue_rate=w.cue_rate)
        flat = text_features([t for row in pool.texts for t in row])
        feats = {k: v.reshape(G, w.k) for k, v in flat.items()}
        feats[POSITION] = np.tile(np.arange(w.k, dtype=np.float64), (G, 1))
        for name, arm in cfg.arms.items():
            p = params_of(arm)
            noise = p.pop("noise")
            judge = ReferenceJudge(items, seed=cfg.seed * 100_003 + s, **p)
            chosen = best_of_n_choice(utility(judge, pool, items),
                                      generator(cfg.seed, "policy", name, str(s)), noise)
            chk = check_selection(feats, chosen, alpha=w.alpha)
            row: dict[str, Any] = {"policy": name, "round": 0, "replicate": s,
                                   "quality": float(pool.quality[np.arange(G),
                                                                 chosen[:, 0]].mean()),
                                   "exploited": float(chk.exploited)}
            row.update({f"sel_{f}": e.estimate for f, e in chk.estimates.items()})
            rows.append(row)
            if progress is not None:
                progress(1)
    return pd.DataFrame(rows)


def run_judge_loops(cfg: JudgeLoopScenario, progress: ProgressHook | None = None
                    ) -> pd.DataFrame:
    """The long table of a judge-loop scenario (see the module docstring)."""
    if _type(cfg.world) == "preferences":
        return _preferences(cfg, progress)
    return _text_pool(cfg, progress)


def summarize_judge_loops(frame: pd.DataFrame, cfg: JudgeLoopScenario
                          ) -> dict[str, dict[str, float]]:
    """Per arm: means and 95% t-intervals across replicates (module docstring)."""
    out: dict[str, dict[str, float]] = {}
    for name, df in frame.groupby("policy", sort=False):
        df = df.sort_values(["round", "replicate"])
        vals: dict[str, np.ndarray] = {}
        if _type(cfg.world) == "preferences":
            first = df[df["round"] == 0]
            last = df[df["round"] == df["round"].max()]
            for m in ROUND_METRICS:
                lv = last[m].to_numpy(np.float64)
                vals[m], vals[f"d_{m}"] = lv, lv - first[m].to_numpy(np.float64)
            steps = df[df["round"] < df["round"].max()]
            for m in STEP_METRICS:
                vals[m] = steps.groupby("replicate")[m].mean().to_numpy(np.float64)
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
)


def memory_estimate(cfg: JudgeLoopScenario) -> int:
    """Coarse peak bytes: per arm, the candidate tables (replicates x prompts x candidates x
    ~32 features, 8 working copies) and the per-round result rows."""
    w = cfg.world
    cells = getattr(w, "prompts", 64) * getattr(w, "candidates", 16) * 32
    return (len(cfg.arms) * 8 * 8 * cfg.replicates * cells
            + frame_bytes(cfg.rounds * cfg.replicates * len(cfg.arms), 32))


FAMILY = Family(
    name="judge-loop",
    memory_estimate=memory_estimate,
    description="judges inside optimisation loops: Anyprefer-style preference synthesis "
    "with self / external / tool-assisted judges, and the selection-differential check",
    scenario=JudgeLoopScenario,
    run=run_judge_loops,
    not_invariant=(
        "The preference-loop worlds draw all replicates as one batch: "
        "its replicates draw from one stream shared by the whole batch, so replicate "
        "i's numbers depend on the batch size (results are still bit-identical for the same "
        "config and seed)"
    ),    summarize=summarize_judge_loops,
    progress_total=progress_total,
    table=(("true reward", "true_reward"), ("d length bias", "d_bias_length"),
           ("d tone bias", "d_bias_tone"), ("length share", "length_share"),
           ("pair accuracy", "pair_acc"), ("sel. diff. length", "sel_length"),
           ("chosen quality", "quality"), ("sel. diff. words", "sel_words"),
           ("flagged", "exploited")),
    panels=(("bias_length", "E_pi[length cue] (SD)", False),
            ("bias_tone", "E_pi[tone cue] (SD)", False),
            ("true_reward", "true reward of the target", False),
            ("sel_length", "selection differential on length (SD)", False)),
    policies=POLICIES,
    worlds={"preferences": PreferenceWorld.__doc__.splitlines()[0],  # type: ignore[union-attr]
            "text-pool": TextPoolWorld.__doc__.splitlines()[0]},  # type: ignore[union-attr]
    claims=CLAIMS,
)

__all__ = ["CLAIMS", "FAMILY", "ExternalJudge", "JudgeLoopScenario", "SelfRewardingJudge",
           "ToolAssistedJudge"]
