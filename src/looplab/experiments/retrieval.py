"""The knowledge-aware iterative retrieval experiment: single-step, conventional iterative
and cache-guided (KAIR) agents, alone or in teams, on the same questions and retriever.

Rows are questions: ``policy`` = method name, ``round`` = question index (questions ordered
by hop count, so curves over rounds read as "harder to the right"), ``replicate`` = world
(the synthetic world is regenerated per replicate; a user's data set is one replicate).
Each replicate's retriever index is built once and shared by every method (per-question
agent work is inherently sequential text processing, so it is not batched over replicates).
With ``journal`` set, every answered question is appended to that JSONL file at once and a
rerun skips it, so an interrupted run keeps its answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from looplab.agents.baselines import run_conventional, run_single_step
from looplab.agents.corpus import (
    Corpus,
    Question,
    RetrievalInputError,
    load_corpus_jsonl,
    load_hotpotqa,
    load_questions_jsonl,
    require_answers,
)
from looplab.agents.episode import Episode
from looplab.agents.kair import KAIRSettings, run_kair
from looplab.agents.monitors import episode_metrics, metric_names
from looplab.agents.reasoner import Reasoner
from looplab.agents.retrievers import Retriever, build_retriever
from looplab.agents.synthetic import SyntheticWorldConfig, make_world
from looplab.core.loop import ProgressHook
from looplab.experiments.config import ConfigError, ScenarioBase
from looplab.experiments.journal import Journal, settings_tag
from looplab.experiments.summary import mean_ci


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SingleStepSpec(_Spec):
    """Retrieve once with the question, then answer."""

    type: Literal["single_step"] = "single_step"


class ConventionalSpec(_Spec):
    """Iterative retrieval, next query = question + last retrieved text or generation."""

    type: Literal["conventional"] = "conventional"
    expand: Literal["passage", "generation"] = "passage"


class KAIRSpec(_Spec):
    """Cache-guided agent or team (Song 2025)."""

    type: Literal["kair"] = "kair"
    agents: int = Field(1, ge=1, le=8)
    sharing: Literal["collaborative", "competitive"] = "collaborative"
    select: Literal["evidence", "vote"] = "evidence"


MethodSpec = Annotated[
    SingleStepSpec | ConventionalSpec | KAIRSpec, Field(discriminator="type")
]

POLICY_DESCRIPTIONS = {
    "single_step": "retrieve top-k once with the question, answer from those passages",
    "conventional": "iterative retrieval; next query = question + last retrieved passage "
    "(expand='passage') or last generation (expand='generation'); all text is evidence",
    "kair": "knowledge-aware iterative retrieval: a fact cache with provenance plans queries, "
    "filters evidence and stops when no gap is left; agents>1 share it "
    "(collaborative) or compete (competitive)",
}


class DataSpec(_Spec):
    """Where questions and passages come from."""

    type: Literal["synthetic", "hotpotqa", "jsonl"] = "synthetic"
    world: SyntheticWorldConfig = SyntheticWorldConfig()
    path: str | None = None  # hotpotqa: the .json/.jsonl file
    corpus: str | None = None  # jsonl: passages {"id", "text", "title"?, "source"?}
    questions: str | None = None  # jsonl: {"id", "question", "answer"?, "gold"?, ...}
    score: bool = True  # False: answer without exact match / F1 (no answers needed)

    @model_validator(mode="after")
    def _paths(self) -> DataSpec:
        if self.type == "hotpotqa" and not self.path:
            raise ValueError("data.path (a HotpotQA-format file) is required for type 'hotpotqa'")
        if self.type == "jsonl" and not (self.corpus and self.questions):
            raise ValueError("data.corpus and data.questions (JSONL files) are required for "
                             "type 'jsonl'")
        return self


class ReasonerSpec(_Spec):
    """Who reads and reasons: the deterministic reader (synthetic world only) or an LLM."""

    type: Literal["deterministic", "llm"] = "deterministic"
    backend: Literal["local", "openai"] = "local"
    base_url: str | None = None
    model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    timeout: float = Field(60.0, gt=0.0)
    max_retries: int = Field(4, ge=0, le=20)
    max_tokens: int = Field(64, ge=1, le=4096)
    max_passage_words: int = Field(120, ge=10)
    cache: bool = True

    @model_validator(mode="after")
    def _endpoint(self) -> ReasonerSpec:
        if self.type == "llm" and self.backend == "openai" and not (self.base_url and self.model):
            raise ValueError("reasoner.base_url and reasoner.model are required for backend "
                             "'openai'")
        return self


class RetrievalScenario(ScenarioBase):
    """A retrieval-agent scenario; ``rounds`` caps the questions per replicate."""

    kind: Literal["retrieval"] = "retrieval"
    data: DataSpec = DataSpec()
    retriever: Literal["bm25", "dense"] = "bm25"
    reasoner: ReasonerSpec = ReasonerSpec()
    top_k: int = Field(5, ge=1, le=50)
    max_steps: int = Field(6, ge=1, le=20)
    policies: dict[str, MethodSpec] = Field(
        default_factory=lambda: {"single_step": SingleStepSpec(), "kair": KAIRSpec()},
        min_length=1,
    )
    journal: str | None = None

    @model_validator(mode="after")
    def _combination(self) -> RetrievalScenario:
        if self.reasoner.type == "deterministic" and self.data.type != "synthetic":
            raise ValueError(
                "reasoner.type 'deterministic' reads only the synthetic world's templated "
                "facts; use reasoner.type = 'llm' for data.type "
                f"'{self.data.type}'"
            )
        if self.data.type != "synthetic" and self.replicates != 1:
            raise ValueError(
                f"replicates must be 1 for data.type '{self.data.type}' (a fixed data set), "
                f"got {self.replicates}"
            )
        return self


def select_questions(questions: list[Question], limit: int) -> list[Question]:
    """At most ``limit`` questions, balanced across hop counts (round-robin), ordered by
    hop count (stable)."""
    groups: dict[int, list[Question]] = {}
    for q in questions:
        groups.setdefault(q.hops, []).append(q)
    lists = [groups[h] for h in sorted(groups)]
    picked: list[Question] = []
    i = 0
    while len(picked) < limit and any(i < len(g) for g in lists):
        picked.extend(g[i] for g in lists if i < len(g))
        i += 1
    picked = picked[:limit]
    rank = {id(q): n for n, q in enumerate(questions)}
    return sorted(picked, key=lambda q: (q.hops, rank[id(q)]))


def _load_fixed(cfg: RetrievalScenario) -> tuple[Corpus, list[Question]]:
    if cfg.data.type == "hotpotqa":
        corpus, questions = load_hotpotqa(Path(cfg.data.path or ""))
        where = f"HotpotQA file {cfg.data.path}"
    else:
        corpus = load_corpus_jsonl(Path(cfg.data.corpus or ""))
        questions = load_questions_jsonl(Path(cfg.data.questions or ""), corpus)
        where = f"questions file {cfg.data.questions}"
    if cfg.data.score:
        require_answers(questions, where)
    return corpus, questions


def _instances(cfg: RetrievalScenario) -> Iterator[tuple[int, Corpus, list[Question]]]:
    """(replicate, corpus, selected questions) for every replicate."""
    if cfg.data.type == "synthetic":
        for r in range(cfg.replicates):
            world = make_world(cfg.data.world, cfg.seed, r)
            yield r, world.corpus, select_questions(world.questions, cfg.rounds)
    else:
        corpus, questions = _load_fixed(cfg)
        yield 0, corpus, select_questions(questions, cfg.rounds)


def build_reasoner(spec: ReasonerSpec) -> Reasoner:
    """The reasoner a validated spec names."""
    if spec.type == "deterministic":
        from looplab.agents.reader import DeterministicReader

        return DeterministicReader()
    from looplab.agents.llm_reasoner import LLMReasoner

    return LLMReasoner.from_spec(
        backend=spec.backend, base_url=spec.base_url, model=spec.model,
        api_key_env=spec.api_key_env, timeout=spec.timeout, max_tokens=spec.max_tokens,
        max_passage_words=spec.max_passage_words, cache=spec.cache,
        max_retries=spec.max_retries,
    )


def run_method(
    spec: Any, question: str, retriever: Retriever, reasoner: Reasoner, top_k: int,
    max_steps: int,
) -> Episode:
    """One method (a validated spec) on one question."""
    if isinstance(spec, SingleStepSpec):
        return run_single_step(question, retriever, reasoner, top_k)
    if isinstance(spec, ConventionalSpec):
        return run_conventional(question, retriever, reasoner, top_k, max_steps, spec.expand)
    if isinstance(spec, KAIRSpec):
        settings = KAIRSettings(top_k, max_steps, spec.agents, spec.sharing, spec.select)
        return run_kair(question, retriever, reasoner, settings)
    raise TypeError(f"unknown method spec {spec!r}")


def _n_questions(cfg: RetrievalScenario) -> int:
    if cfg.data.type == "synthetic":
        return min(cfg.rounds, cfg.data.world.questions_per_hop * cfg.data.world.max_hops)
    try:
        return min(cfg.rounds, len(_load_fixed(cfg)[1]))
    except RetrievalInputError as exc:
        raise ConfigError(str(exc)) from None


def progress_total(cfg: RetrievalScenario) -> int:
    """Progress units (questions answered, over methods and replicates)."""
    return _n_questions(cfg) * cfg.replicates * len(cfg.policies)


def run_retrieval(cfg: RetrievalScenario, progress: ProgressHook | None = None) -> pd.DataFrame:
    """Every method on every question of every replicate; the long per-question table."""
    try:
        return _run(cfg, progress)
    except RetrievalInputError as exc:
        raise ConfigError(str(exc)) from None


def _run(cfg: RetrievalScenario, progress: ProgressHook | None) -> pd.DataFrame:
    reasoner = build_reasoner(cfg.reasoner)
    shared = cfg.model_dump(mode="json", include={"data", "retriever", "reasoner", "top_k",
                                                   "max_steps", "seed"})
    tags = {name: settings_tag({"method": spec.model_dump(mode="json"), **shared})
            for name, spec in cfg.policies.items()}
    journal = Journal(cfg.journal) if cfg.journal else None
    rows: list[dict[str, Any]] = []
    try:
        for r, corpus, questions in _instances(cfg):
            retriever: Retriever | None = None  # built only if some question is not journaled
            for name, spec in cfg.policies.items():
                for i, q in enumerate(questions):
                    key = f"{name}|{r}|{q.id}"
                    row = journal.get(key, tags[name]) if journal is not None else None
                    if row is not None:
                        row.update({"round": i, "replicate": r})  # the cap may have changed
                    else:
                        if retriever is None:
                            retriever = build_retriever(cfg.retriever, corpus)
                        ep = run_method(spec, q.text, retriever, reasoner, cfg.top_k,
                                        cfg.max_steps)
                        row = {
                            "policy": name, "round": i, "replicate": r, "question": q.id,
                            "hops": q.hops,
                            **episode_metrics(ep, q, corpus, cfg.max_steps),
                            "answer": ep.answer.text,
                            "gold_answer": " | ".join(q.answers),
                        }
                        if journal is not None:
                            trace = {"stop": ep.stop, "queries": [x.query for x in ep.records],
                                     "provenance": ep.provenance}
                            journal.put(key, tags[name], row, trace)
                    rows.append(row)
                    if progress is not None:
                        progress(1)
    finally:
        if journal is not None:
            journal.close()
    columns = ["policy", "round", "replicate", "question", "hops",
               *metric_names(cfg.max_steps), "answer", "gold_answer"]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("round", "replicate", "hops"):
        frame[col] = frame[col].astype(np.int32)
    return frame


METRICS = ("em", "f1", "gold_recall", "steps", "distractor_share", "source_entropy", "calls",
           "tokens", "calls_per_agent", "tokens_per_agent")
BY_HOP = ("em", "f1", "gold_recall", "steps")


def _ci(values: np.ndarray) -> tuple[float, float, float]:
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan"), float("nan")
    return mean_ci(v)


def summarize_retrieval(frame: pd.DataFrame, cfg: Any = None) -> dict[str, dict[str, float]]:
    """Per method: mean and 95% interval across replicates of each metric, of each metric
    by hop count (``em_h2`` ...), on the hardest questions (``em_hardest``), and the
    distractor share at each step on the hardest questions (``distractor_share_step3``: the
    drift; only questions still running at that step count)."""
    hardest = int(frame["hops"].max())
    steps = sorted(int(c.removeprefix("distractor_share_step")) for c in frame.columns
                   if c.startswith("distractor_share_step"))
    out: dict[str, dict[str, float]] = {}
    for name, df in frame.groupby("policy", sort=False):
        stats: dict[str, np.ndarray] = {}
        per_rep = df.groupby("replicate")
        for m in METRICS:
            stats[m] = per_rep[m].mean().to_numpy()
        for h in sorted(df["hops"].unique()):
            sub = df[df["hops"] == h].groupby("replicate")
            for m in BY_HOP:
                stats[f"{m}_h{int(h)}"] = sub[m].mean().to_numpy()
        hard = df[df["hops"] == hardest].groupby("replicate")
        stats["em_hardest"] = hard["em"].mean().to_numpy()
        stats["steps_hardest"] = hard["steps"].mean().to_numpy()
        for t in steps:
            stats[f"distractor_share_step{t}"] = hard[f"distractor_share_step{t}"].mean().to_numpy()
        row: dict[str, float] = {}
        for key, vals in stats.items():
            row[f"{key}_mean"], row[f"{key}_ci_low"], row[f"{key}_ci_high"] = _ci(vals)
        out[str(name)] = row
    return out


# Margins of the paper-claim checks, fixed before the first run (tests use the same ones).
MARGIN_VS_SINGLE = 0.02  # KAIR EM >= single-step EM - 0.02 at every hop count
MARGIN_LEAD_STEP = 0.05  # the lead over conventional may dip by <= 0.05 from one hop to the next
MARGIN_LEAD_GROWTH = 0.15  # ... and must grow by >= 0.15 from 1 hop to the hardest
MARGIN_STEPS = 0.5  # KAIR's mean steps grow by >= 0.5 per extra hop
MARGIN_DRIFT_UP = 0.10  # conventional distractor share: step H - step 1 >= +0.10 (H = hops)
MARGIN_DRIFT_FLAT = 0.05  # KAIR distractor share: step H - step 1 <= +0.05
MARGIN_TEAM = 0.05  # two collaborating agents: EM on the hardest questions >= one's + 0.05


def _hops(row: dict[str, float]) -> list[int]:
    return sorted(int(k[len("em_h"):-len("_mean")]) for k in row
                  if k.startswith("em_h") and k.endswith("_mean") and k[4:-5].isdigit())


def check_claims(summary: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """Song's (2025) claims on a summary of the built-in arms (single_step, conventional,
    conventional_gen, kair, kair_2), with the margins above."""
    out: list[dict[str, Any]] = []
    kair, single = summary.get("kair"), summary.get("single_step")
    if kair is None:
        return out
    hops = _hops(kair)
    em = {name: {h: row[f"em_h{h}_mean"] for h in hops} for name, row in summary.items()
          if all(f"em_h{h}_mean" in row for h in hops)}
    if single:
        worst = min(em["kair"][h] - em["single_step"][h] for h in hops)
        out.append({"claim": f"cache-guided EM >= single-step EM - {MARGIN_VS_SINGLE} at every "
                    "hop count", "held": worst >= -MARGIN_VS_SINGLE,
                    "detail": "KAIR - single by hops: " + ", ".join(
                        f"{h}: {em['kair'][h] - em['single_step'][h]:+.3f}" for h in hops)})
    for conv in ("conventional", "conventional_gen"):
        if conv not in em or len(hops) < 2:
            continue
        lead = [em["kair"][h] - em[conv][h] for h in hops]
        held = (all(b >= a - MARGIN_LEAD_STEP for a, b in zip(lead, lead[1:], strict=False))
                and lead[-1] - lead[0] >= MARGIN_LEAD_GROWTH)
        out.append({"claim": f"lead over {conv} grows with hop count (by >= "
                    f"{MARGIN_LEAD_GROWTH}, dips <= {MARGIN_LEAD_STEP})", "held": held,
                    "detail": "lead by hops: " + ", ".join(
                        f"{h}: {v:+.3f}" for h, v in zip(hops, lead, strict=True))})
    if len(hops) >= 2:
        st = [kair[f"steps_h{h}_mean"] for h in hops]
        out.append({"claim": f"cache-guided steps grow by >= {MARGIN_STEPS} per hop",
                    "held": all(b - a >= MARGIN_STEPS for a, b in zip(st, st[1:], strict=False)),
                    "detail": "steps by hops: " + ", ".join(f"{v:.2f}" for v in st)})
    top = hops[-1]
    key = f"distractor_share_step{top}_mean"
    if top >= 2 and key in kair:
        rise = kair[key] - kair["distractor_share_step1_mean"]
        out.append({"claim": f"cache-guided distractor share does not rise over steps 1..{top} "
                    f"(<= +{MARGIN_DRIFT_FLAT})", "held": rise <= MARGIN_DRIFT_FLAT,
                    "detail": f"step 1 -> {top}: {rise:+.3f}"})
        for conv in ("conventional", "conventional_gen"):
            if conv in summary and key in summary[conv]:
                c = summary[conv]
                rise = c[key] - c["distractor_share_step1_mean"]
                out.append({"claim": f"{conv} distractor share rises over steps 1..{top} "
                            f"(>= +{MARGIN_DRIFT_UP})", "held": rise >= MARGIN_DRIFT_UP,
                            "detail": f"step 1 -> {top}: {rise:+.3f}"})
    if "kair_2" in summary:
        gain = summary["kair_2"]["em_hardest_mean"] - kair["em_hardest_mean"]
        out.append({"claim": f"two agents beat one on the hardest questions (>= +{MARGIN_TEAM} "
                    "EM)", "held": gain >= MARGIN_TEAM, "detail": f"EM gain {gain:+.3f}"})
    return out


def journal_in(cfg: RetrievalScenario, out: Path) -> RetrievalScenario:
    """``cfg`` journaling answered questions into the run folder ``out`` (unless the user
    chose a journal), so an interrupted run keeps them and a rerun into ``out`` resumes."""
    if cfg.journal:
        return cfg
    return cfg.model_copy(update={"journal": str(out / "journal.jsonl")})
