"""The knowledge-aware iterative retrieval experiment: single-step, conventional iterative
and cache-guided (KAIR) agents, alone or in teams, on the same questions and retriever,
and KAIR's ablations (issue 13): planned iterative retrieval (KAIR's question decomposition
and query planner with no cache and no filter) and KAIR without its evidence filter, all
reading through the same reasoner, so the gain can be split between decomposition, cache
and filter (``retrieval-kair-ablation``: a paraphrased world read by a lexicon that knows 4
of the 5 surface forms per relation).

Claims are decided over run seeds 0..4 (``seed_block_summaries``: the seeds packed in one
batch, each seed's table identical to running it alone, so the verdicts are those of
``looplab claims SCENARIO --seeds 0..4``; ``Claim.check_over_seeds`` with each claim's
``rule``); ``print_claims_over_seeds()`` prints the method x hop table and the multi-seed
claims table.

Rows are questions: ``policy`` = method name, ``round`` = question index (questions ordered
by hop count, so curves over rounds read as "harder to the right"), ``replicate`` = world
(the synthetic world is regenerated per replicate; a user's data set is one replicate).
Each replicate's retriever index is built once and shared by every method (per-question
agent work is inherently sequential text processing, so it is not batched over replicates).
With ``journal`` set, every answered question is appended to that JSONL file at once and a
rerun skips it, so an interrupted run keeps its answers.

Replicate rows (issue 19): ``run_retrieval(cfg, progress, rows)`` runs any replicate range of
a seed or several seeds packed in one batch. World r of seed s is generated from the
generator named by (s, r) alone (``agents.synthetic.make_world``) and the methods and the
deterministic reader draw nothing, so a replicate's rows are identical in any batch. The
journal's settings tag holds the row's own seed, and its key the seed as well when the batch
is packed (``method|seed|replicate|question``; ``method|replicate|question`` otherwise, so a
journal written before still resumes).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from looplab.agents.baselines import Conventional, PlannedIterative, SingleStep
from looplab.agents.corpus import (
    Corpus,
    Question,
    RetrievalInputError,
    load_corpus_jsonl,
    load_hotpotqa,
    load_questions_jsonl,
    require_answers,
)
from looplab.agents.kair import KAIRSettings
from looplab.agents.monitors import episode_metrics, metric_names
from looplab.agents.reasoner import Reasoner
from looplab.agents.retrievers import Retriever, build_retriever
from looplab.agents.synthetic import SyntheticWorldConfig, make_world
from looplab.core.loop import ProgressHook
from looplab.core.params import Params
from looplab.core.streams import Rows
from looplab.experiments import claims as C
from looplab.experiments.config import ConfigError, ScenarioBase
from looplab.experiments.journal import Journal, settings_tag
from looplab.families.base import Family, entry_union, frame_bytes, params_of
from looplab.stats import mean_ci


class _Spec(Params):
    """A section of a retrieval scenario file."""


# name -> method class: the scenario file's ``type`` values, parameters and descriptions;
# top_k and max_steps are set once for all methods, at the scenario level
POLICIES: dict[str, type[Params]] = {
    "single_step": SingleStep,
    "conventional": Conventional,
    "planned": PlannedIterative,
    "kair": KAIRSettings,
}
if TYPE_CHECKING:  # a tagged union built at run time: mypy sees Any
    MethodEntry = Any
else:
    MethodEntry = entry_union(POLICIES, supplied=("top_k", "max_steps"))


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
    known_forms: int = Field(
        2, ge=1, le=5, description="deterministic reader: surface forms per relation in its "
        "lexicon (2 = the base templates; a paraphrase world uses 5)")

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
    policies: dict[str, MethodEntry] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {"single_step": {"type": "single_step"}, "kair": {"type": "kair"}},
        min_length=1, validate_default=True,
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


def _instances(cfg: RetrievalScenario, rows: Rows
               ) -> Iterator[tuple[int, int, Corpus, list[Question]]]:
    """(seed, replicate, corpus, selected questions) for every row of the batch: world r of
    seed s depends on (s, r) only; a fixed data set is the same for every row."""
    if cfg.data.type == "synthetic":
        for seed, r in rows.pairs():
            world = make_world(cfg.data.world, seed, r)
            yield seed, r, world.corpus, select_questions(world.questions, cfg.rounds)
    else:
        corpus, questions = _load_fixed(cfg)
        picked = select_questions(questions, cfg.rounds)
        for seed, r in rows.pairs():
            yield seed, r, corpus, picked


def build_reasoner(spec: ReasonerSpec) -> Reasoner:
    """The reasoner a validated spec names."""
    if spec.type == "deterministic":
        from looplab.agents.reader import DeterministicReader

        return DeterministicReader(known=spec.known_forms)
    from looplab.agents.llm_reasoner import LLMReasoner

    return LLMReasoner.from_spec(
        backend=spec.backend, base_url=spec.base_url, model=spec.model,
        api_key_env=spec.api_key_env, timeout=spec.timeout, max_tokens=spec.max_tokens,
        max_passage_words=spec.max_passage_words, cache=spec.cache,
        max_retries=spec.max_retries,
    )


def build_method(entry: Any, cfg: RetrievalScenario) -> Any:
    """The method a validated scenario entry names, with the scenario's top_k and steps."""
    cls: Any = POLICIES[entry.type]  # every method class has top_k and max_steps
    return cls(**params_of(entry), top_k=cfg.top_k, max_steps=cfg.max_steps)


def _n_questions(cfg: RetrievalScenario) -> int:
    if cfg.data.type == "synthetic":
        return min(cfg.rounds, cfg.data.world.questions_per_hop * cfg.data.world.max_hops)
    try:
        return min(cfg.rounds, len(_load_fixed(cfg)[1]))
    except RetrievalInputError as exc:
        raise ConfigError(str(exc)) from None


def memory_estimate(cfg: RetrievalScenario) -> int:
    """Coarse peak bytes: the corpus and its index (~64 MiB, a dense retriever's encoder
    adds ~512 MiB) plus the per-question table (questions x replicates x methods)."""
    base = 64 * 2**20 + (512 * 2**20 if cfg.retriever == "dense" else 0)
    return base + frame_bytes(cfg.rounds * cfg.replicates * len(cfg.policies), 64)


def progress_total(cfg: RetrievalScenario) -> int:
    """Progress units (questions answered, over methods and replicates)."""
    return _n_questions(cfg) * cfg.replicates * len(cfg.policies)


def run_retrieval(cfg: RetrievalScenario, progress: ProgressHook | None = None,
                  rows: Rows | None = None) -> pd.DataFrame:
    """Every method on every question of every replicate of ``rows`` (default: replicates
    0..replicates-1 of ``cfg.seed``; a ``seed`` column when several seeds are packed); the
    long per-question table."""
    rows = rows if rows is not None else Rows.of(cfg.seed, cfg.replicates)
    try:
        return _run(cfg, progress, rows)
    except RetrievalInputError as exc:
        raise ConfigError(str(exc)) from None


def _run(cfg: RetrievalScenario, progress: ProgressHook | None, batch: Rows) -> pd.DataFrame:
    reasoner = build_reasoner(cfg.reasoner)
    shared = cfg.model_dump(mode="json", include={"data", "retriever", "reasoner", "top_k",
                                                   "max_steps"})
    specs = {name: spec.model_dump(mode="json") for name, spec in cfg.policies.items()}
    methods = {name: build_method(spec, cfg) for name, spec in cfg.policies.items()}
    journal = Journal(cfg.journal) if cfg.journal else None
    packed = batch.packed
    rows: list[dict[str, Any]] = []
    try:
        for seed, r, corpus, questions in _instances(cfg, batch):
            retriever: Retriever | None = None  # built only if some question is not journaled
            for name in cfg.policies:
                tag = settings_tag({"method": specs[name], **shared, "seed": seed})
                for i, q in enumerate(questions):
                    key = f"{name}|{seed}|{r}|{q.id}" if packed else f"{name}|{r}|{q.id}"
                    row = journal.get(key, tag) if journal is not None else None
                    if row is not None:
                        row.update({"round": i, "replicate": r})  # the cap may have changed
                    else:
                        if retriever is None:
                            retriever = build_retriever(cfg.retriever, corpus)
                        ep = methods[name].run(q.text, retriever, reasoner)
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
                            journal.put(key, tag, row, trace)
                    rows.append({**row, "seed": seed} if packed else row)
                    if progress is not None:
                        progress(1)
    finally:
        if journal is not None:
            journal.close()
    columns = ["policy", "round", "replicate", "question", "hops",
               *metric_names(cfg.max_steps), "answer", "gold_answer",
               *(["seed"] if packed else [])]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("round", "replicate", "hops"):
        frame[col] = frame[col].astype(np.int32)
    if packed:
        frame["seed"] = frame["seed"].astype(np.int64)
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
SOURCE = "Song 2025, knowledge-aware iterative retrieval"
HOPS = (1, 2, 3, 4)  # the built-in world's hop counts
_TOP = HOPS[-1]


def _em(arm: str) -> tuple[tuple[str, str], ...]:
    return tuple((arm, f"em_h{h}") for h in HOPS)


def _lead_dips(*em: float) -> float:
    """The largest drop of KAIR's lead over a baseline from one hop count to the next."""
    n = len(HOPS)
    lead = [k - c for k, c in zip(em[:n], em[n:], strict=True)]
    return max(a - b for a, b in itertools.pairwise(lead))


def _lead_growth(*em: float) -> float:
    n = len(HOPS)
    return (em[n - 1] - em[-1]) - (em[0] - em[n])


def _drift(arm: str) -> C.Measure:
    return C.diff(arm, f"distractor_share_step{_TOP}", arm, "distractor_share_step1")


_ABLATION = "retrieval-kair-ablation"
_LLM = "retrieval-kair-llm"  # SmolLM2-135M probe: 4 questions, one step (a probe, not seeds)


CLAIMS = (
    C.Claim(
        "kair-at-least-single-step",
        "cache-guided EM >= single-step EM - 0.02 at every hop count", SOURCE,
        C.custom((*_em("kair"), *_em("single_step")),
                 lambda *e: min(a - b for a, b in zip(e[:4], e[4:], strict=True)),
                 "min over hops of KAIR - single-step EM"),
        ">=", -0.02, rule="most_seeds",
    ),
    *(
        claim
        for conv in ("conventional", "conventional_gen")
        for claim in (
            C.Claim(
                f"kair-lead-over-{conv}-grows",
                f"KAIR's EM lead over {conv} grows by >= 0.15 from 1 hop to {_TOP}", SOURCE,
                C.custom((*_em("kair"), *_em(conv)), _lead_growth,
                         f"lead at {_TOP} hops - lead at 1 hop"),
                ">=", 0.15, rule="pooled",
            ),
            C.Claim(
                f"kair-lead-over-{conv}-no-dip",
                f"KAIR's EM lead over {conv} dips by <= 0.05 from one hop count to the next",
                SOURCE,
                C.custom((*_em("kair"), *_em(conv)), _lead_dips, "largest dip of the lead"),
                "<=", 0.05, rule="most_seeds",
                not_reproduced=(_ABLATION,),
                note=("on the paraphrased world (reader knows 4 of 5 forms) KAIR's EM "
                    "falls with hops (about 0.8 of hops read) while conventional is near 0 "
                    "from 2 hops on, so the lead peaks at 2-3 hops and dips after: largest "
                    "dip per seed (0..4) +0.14, +0.20, +0.14, +0.02, +0.08, pooled +0.116, "
                    "95% CI [+0.031, +0.201], <= 0.05 on 1 of 5 seeds")
                if conv == "conventional" else
                ("on the paraphrased world the lead over conventional_gen dips by <= 0.05 "
                 "on 3 of 5 seeds, below the 4 of 5 the rule needs: largest dip per seed "
                 "(0..4) -0.04, +0.16, +0.08, -0.04, -0.02, pooled +0.028, 95% CI [-0.083, "
                 "+0.139] (it held on 4 of 5 seed blocks of seed 0 before the claims moved "
                 "to seeds 0..4: a fragile claim, not a reproduced one)"),
            ),
        )
    ),
    C.Claim(
        "kair-steps-grow",
        "cache-guided steps grow by >= 0.5 per hop", SOURCE,
        C.custom(tuple(("kair", f"steps_h{h}") for h in HOPS),
                 lambda *st: min(b - a for a, b in itertools.pairwise(st)),
                 "smallest step increase per hop"),
        ">=", 0.5, rule="most_seeds",
        not_reproduced=(_LLM, _ABLATION),
        note="with SmolLM2-135M the probe allows one retrieval step and the model never "
        "says DONE, so every question takes the one step (steps 1, 1, 1, 1 at 1-4 hops); on "
        "the paraphrased world (reader knows 4 of 5 forms) the smallest step increase per "
        "hop is >= 0.5 on 3 of 5 seeds only, below the 4 of 5 the rule needs (per "
        "seed 0..4: 0.44, 0.78, 0.64, 0.62, 0.40; pooled +0.576, 95% CI [+0.383, +0.769]; "
        "4 of 5 seed blocks of seed 0 before the claims moved to seeds 0..4)",
    ),
    C.Claim(
        "kair-no-drift",
        f"cache-guided distractor share does not rise over steps 1..{_TOP} (<= +0.05)", SOURCE,
        _drift("kair"), "<=", 0.05, rule="pooled",
    ),
    C.Claim(
        "conventional-drifts",
        f"conventional distractor share rises over steps 1..{_TOP} (>= +0.10)", SOURCE,
        _drift("conventional"), ">=", 0.10, rule="pooled",
        not_reproduced=("*",),
        note="with the next query = question + last retrieved passage, the distractor share "
        "on 4-hop questions falls from step 1 to step 4 (pooled over seeds 0..4: -0.555, "
        "95% CI [-0.621, -0.489] on retrieval-kair; -0.266 [-0.388, -0.145] on the "
        "paraphrased ablation world; 0 of 5 seeds rise): queries built from the gold hop-1 "
        "page pull in look-alike pages of other entities, not popular sources",
    ),
    C.Claim(
        "conventional_gen-drifts",
        f"conventional_gen distractor share rises over steps 1..{_TOP} (>= +0.10)", SOURCE,
        _drift("conventional_gen"), ">=", 0.10, rule="pooled",
        not_reproduced=("*",),
        note="with the next query = question + last generation, the distractor share on "
        "4-hop questions rises by less than +0.10 (pooled over seeds 0..4: +0.094, 95% CI "
        "[+0.041, +0.147] on retrieval-kair, 3 of 5 seeds >= 0.10; +0.056 [+0.029, +0.083] "
        "on the ablation world, 0 of 5); it starts near its ceiling (0.8) because the first "
        "query is the question",
    ),
    C.Claim(
        "two-agents-beat-one",
        "two agents beat one on the hardest questions (>= +0.05 EM)", SOURCE,
        C.diff("kair_2", "em_hardest", "kair"), ">=", 0.05, rule="pooled",
        not_reproduced=("*",),
        note="one cache-guided agent already answers 0.996 of 4-hop questions with the "
        "full-lexicon reader; with 4 of 5 forms known (ablation world, 0.372) a second agent "
        "reads with the same lexicon, so a passage one cannot read the other cannot either "
        "(+0.000 EM on each of seeds 0..4 on both scenarios)",
    ),
    # Ablations (issue 13): the same planner for every planned method; margins set on a
    # first look at seed block 0 of the ablation scenario, before the multi-seed run
    C.Claim(
        "decomposition-carries-gain",
        f"planned iterative (KAIR's plan, no cache, no filter) beats conventional iterative "
        f"by >= 0.15 EM on {_TOP}-hop questions", SOURCE,
        C.custom((("planned", f"em_h{_TOP}"), ("conventional", f"em_h{_TOP}"),
                  ("conventional_gen", f"em_h{_TOP}")),
                 lambda p, c, g: p - max(c, g), f"planned - best conventional EM, {_TOP} hops"),
        ">=", 0.15, rule="pooled",
    ),
    C.Claim(
        "cache-carries-gain",
        f"the cache (not the decomposition) carries the gain: KAIR - planned iterative EM on "
        f"{_TOP}-hop questions >= 0.05", SOURCE,
        C.diff("kair", f"em_h{_TOP}", "planned"), ">=", 0.05, rule="pooled",
        not_reproduced=("*",),
        note="KAIR and planned iterative issue the same queries and reach the same answers "
        "on every question (4-hop EM 0.372 both, difference +0.000 on each of seeds 0..4 "
        "of the ablation world): distractors never "
        "state a fact on a question's chain, so reading the raw passages follows the chain "
        "as well as reading the cache; the decomposition carries the whole EM gain. With "
        "SmolLM2-135M (retrieval-kair-llm, 4 questions) every method scores EM 0",
    ),
    C.Claim(
        "filter-carries-gain",
        f"the evidence filter adds EM: KAIR - KAIR without the filter on {_TOP}-hop "
        f"questions >= 0.05", SOURCE,
        C.diff("kair", f"em_h{_TOP}", "kair_nofilter"), ">=", 0.05, rule="pooled",
        not_reproduced=("*",),
        note="the unfiltered cache also holds the distractors' facts about popular entities, "
        "which are never on a question's chain, so the plan and the answer are unchanged "
        "(4-hop EM 0.372 both, difference +0.000 on each of seeds 0..4)",
    ),
    C.Claim(
        "cache-cuts-reading",
        "the cache cuts the tokens read: KAIR tokens <= 0.8 x planned iterative's", SOURCE,
        C.ratio("kair", "tokens", "planned"), "<=", 0.8, rule="pooled",
        not_reproduced=(_LLM,),
        note="with SmolLM2-135M and one step KAIR reads 722 tokens per question against "
        "planned iterative's 692 (ratio 1.04): after one step the raw passages are no longer "
        "than the cache's prompt, and KAIR pays an extra filter call (the model extracts "
        "no fact in the 'N: fact' format, so the cache stays empty)",
    ),
)


def check_claims(summary: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """Song's (2025) claims (``CLAIMS``) on a summary."""
    return C.check_claims(CLAIMS, summary)


def seed_blocks(cfg: RetrievalScenario, seeds: int = 5) -> list[pd.DataFrame]:
    """The per-question tables of run seeds ``0..seeds-1`` (``cfg.replicates`` worlds each),
    run as one packed batch (replicate rows): each equals that seed run alone."""
    if seeds == 1:
        return [run_retrieval(cfg.model_copy(update={"seed": 0}))]
    frame = run_retrieval(cfg.model_copy(update={"seed": 0}),
                          rows=Rows.pack(list(range(seeds)), cfg.replicates))
    return [frame[frame["seed"] == s].drop(columns="seed").reset_index(drop=True)
            for s in range(seeds)]


def seed_block_summaries(
    cfg: RetrievalScenario, seeds: int = 5
) -> list[dict[str, dict[str, float]]]:
    """One summary per run seed 0..seeds-1 (``seed_blocks``): the per-seed inputs of
    ``Claim.check_over_seeds``."""
    return [summarize_retrieval(f, cfg) for f in seed_blocks(cfg, seeds)]


def claims_over_seeds(cfg: RetrievalScenario, seeds: int = 5) -> list[dict[str, Any]]:
    """The multi-seed verdict (``Claim.check_over_seeds``) of every claim whose arms the
    scenario runs."""
    summaries = seed_block_summaries(cfg, seeds)
    return [c.check_over_seeds(summaries) for c in CLAIMS
            if all(c.applies(s) for s in summaries)]


def hop_table(blocks: list[pd.DataFrame]) -> pd.DataFrame:
    """Method x hop count: EM, steps, distractor share, calls and tokens per question,
    averaged per world, then over worlds and seeds (the KAIR ablation table)."""
    cols = ["em", "steps", "distractor_share", "calls", "tokens"]
    frame = pd.concat(blocks)
    per_world = frame.groupby(["policy", "hops", "replicate"], sort=False)[cols].mean()
    table = per_world.groupby(level=["policy", "hops"], sort=False).mean().reset_index()
    return table.rename(columns={"policy": "method"})


def print_claims_over_seeds(
    scenarios: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("retrieval-kair", ("replicates=2",)), (_ABLATION, ())),
    seeds: int = 5,
) -> None:
    """Print the method x hop table and the multi-seed claims table of each scenario (the
    numbers ``tests/test_paper_kair.py`` decides on)."""
    from looplab.experiments.registry import load_scenario

    for name, sets in scenarios:
        cfg = load_scenario(name, list(sets))
        blocks = seed_blocks(cfg, seeds)  # type: ignore[arg-type]
        summaries = [summarize_retrieval(f, cfg) for f in blocks]
        print(f"== {name}: seeds 0..{seeds - 1} x {cfg.replicates} worlds x "
              f"{cfg.rounds} questions")
        print(hop_table(blocks).to_string(index=False, float_format="%.3f"))
        for c in CLAIMS:
            if not all(c.applies(s) for s in summaries):
                continue
            v = c.check_over_seeds(summaries)
            print(f"{c.id:40s} {v['rule']:10s} {v['n_held']}/{v['seeds']} seeds  pooled "
                  f"{v['mean']:+.3f} [{v['ci_low']:+.3f}, {v['ci_high']:+.3f}] {c.op} "
                  f"{c.margin:g}  -> {'holds' if v['held'] else 'FAILS'}"
                  f"{'' if c.expected_to_hold(name) else ' (recorded not reproduced)'}")


def journal_in(cfg: RetrievalScenario, out: Path) -> RetrievalScenario:
    """``cfg`` journaling answered questions into the run folder ``out`` (unless the user
    chose a journal), so an interrupted run keeps them and a rerun into ``out`` resumes."""
    if cfg.journal:
        return cfg
    return cfg.model_copy(update={"journal": str(out / "journal.jsonl")})


FAMILY = Family(
    name="retrieval",
    description="iterative retrieval agents whose queries feed back into what they retrieve",
    scenario=RetrievalScenario,
    run=run_retrieval,
    replicate_rows=True,
    summarize=summarize_retrieval,
    progress_total=progress_total,
    memory_estimate=memory_estimate,
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
    policies=POLICIES,
    worlds={
        "retrieval": "multi-hop QA over a corpus with over-represented popular distractors; "
        "queries built from retrieved text feed back into what is retrieved next "
        "(synthetic world, HotpotQA file, JSONL corpus)",
    },
    claims=CLAIMS,
    checkpoint=journal_in,
)
