"""LLM judges: a language model (``looplab.llm.LLMClient``) asked which answer is better.

The decision is read in one of two ways and never guessed:

- ``logprobs``: compare log P("A") and log P("B") as the first token of the reply; the
  verdict is the larger one and ``p_a`` = exp(lA) / (exp(lA) + exp(lB)). Deterministic, and
  far less noisy than sampling. A letter outside the server's top-20 counts as impossible;
  if neither letter is there the verdict is unparseable.
- ``parse``: generate a short reply and read it strictly (``parse_verdict``); anything but
  an explicit letter is unparseable.

``auto`` uses logprobs where the backend offers them and falls back to parsing once when
the server returns no logprobs. The prompt follows the LRM-judge study's pairwise format
(arXiv 2504.09946): question, Answer A, Answer B, "reply with one letter". ``revise`` is
RBD's revision step (arXiv 2505.17100): the prior verdict and a bias analysis are shown,
"for reference - use your own judgment", and the judge answers again.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Literal

from looplab.judges.base import Choice, Verdict, parse_verdict
from looplab.llm import LLMClient, LLMNoLogprobsError

DEFAULT_SYSTEM = (
    "You are a careful, impartial judge. Decide which of two answers to a question is "
    "better: correct, accurate and helpful. Reply with exactly one letter: A or B."
)
TEMPLATE = (
    "Question: {question}\n\nAnswer A: {answer_a}\n\nAnswer B: {answer_b}\n\n"
    "Which answer is better? Reply with one letter, A or B."
)
REVISE_TEMPLATE = (
    "Question: {question}\n\nAnswer A: {answer_a}\n\nAnswer B: {answer_b}\n\n"
    "Prior evaluation: Answer {prior} is better.\n\nBias analysis: {analysis}\n\n"
    "The bias analysis is for reference - use your own judgment to decide whether the prior "
    "evaluation remains valid. Which answer is better? Reply with one letter, A or B."
)


class LLMJudge:
    """A pairwise judge backed by a language model."""

    def __init__(
        self,
        client: LLMClient,
        *,
        mode: Literal["auto", "logprobs", "parse"] = "auto",
        system_prompt: str = DEFAULT_SYSTEM,
        temperature: float = 0.0,
        max_tokens: int = 8,
        name: str | None = None,
    ) -> None:
        if mode not in ("auto", "logprobs", "parse"):
            raise ValueError(f"mode must be one of: auto, logprobs, parse; got {mode!r}")
        self.client = client
        self.mode = mode
        self.system_prompt = system_prompt
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.name = name or client.name
        self.concurrency = client.max_concurrency
        self._use_logprobs = mode != "parse"
        self._lock = threading.Lock()

    def with_system_prompt(self, extra: str) -> LLMJudge:
        """A copy whose system prompt has ``extra`` appended (the debiasing-prompt
        mitigation)."""
        return LLMJudge(self.client, mode=self.mode, temperature=self.temperature,
                        system_prompt=f"{self.system_prompt}\n\n{extra}",
                        max_tokens=self.max_tokens, name=self.name)

    def _decide(self, user: str, sample: int) -> Verdict:
        if self._use_logprobs:
            try:
                lp = self.client.logprobs(user, ["A", "B"], system=self.system_prompt)
            except LLMNoLogprobsError:
                if self.mode == "logprobs":
                    raise
                with self._lock:
                    self._use_logprobs = False  # this server gives no logprobs: parse instead
            else:
                return _from_logprobs(lp.get("A"), lp.get("B"))
        reply = self.client.chat(user, system=self.system_prompt, max_tokens=self.max_tokens,
                                 temperature=self.temperature, seed=sample)
        return Verdict(parse_verdict(reply.text), raw=reply.text)

    def __call__(self, question: str, answer_a: str, answer_b: str, *, sample: int = 0
                 ) -> Verdict:
        return self._decide(TEMPLATE.format(question=question, answer_a=answer_a,
                                            answer_b=answer_b), sample)

    def revise(self, question: str, answer_a: str, answer_b: str, prior: Verdict,
               analysis: str, *, sample: int = 0) -> Verdict:
        """Ask again, showing the prior verdict and a bias analysis (RBD's revision step)."""
        if prior.choice not in ("A", "B"):
            return self(question, answer_a, answer_b, sample=sample)
        user = REVISE_TEMPLATE.format(question=question, answer_a=answer_a, answer_b=answer_b,
                                      prior=prior.choice, analysis=analysis)
        return self._decide(user, sample)


def _from_logprobs(la: float | None, lb: float | None) -> Verdict:
    raw = f"logprob A={la} B={lb}"
    if la is None and lb is None:
        return Verdict(None, raw=raw)
    if la is None:
        return Verdict("B", p_a=0.0, raw=raw)
    if lb is None:
        return Verdict("A", p_a=1.0, raw=raw)
    p_a = 1.0 / (1.0 + math.exp(lb - la))
    choice: Choice = "A" if la > lb else "B" if lb > la else "tie"
    return Verdict(choice, p_a=p_a, raw=raw)


class BatchedLocalJudge:
    """``LLMJudge``'s logprob verdicts on the local SmolLM2 model, scored many at a time.

    The same prompts (``DEFAULT_SYSTEM`` + ``TEMPLATE``, ``REVISE_TEMPLATE`` for RBD's
    revision) and the same rule as ``LLMJudge`` in ``logprobs`` mode: the verdict is the larger
    of log P("A") and log P("B") as the reply's first token. ``LLMJudge`` asks one comparison per
    forward pass; on the shared 2-core CI box a 150-token pass takes seconds, so a study of a
    few hundred comparisons does not fit a test. ``prepare`` scores a list of comparisons (and
    ``prepare_revisions`` a list of revisions) with the batched engine
    (``looplab.llm.batched.LocalLM``), one engine call per *group* of prompts that share the
    question's first line (the rule of a decision item, the question of a pair item): the
    system prompt and that shared prefix are computed once per group (the engine's key-value
    prefix cache) and only the differing tails per row. Later calls are looked up; an
    unprepared call is scored alone. Verdicts are deterministic, so ``sample`` is ignored.
    """

    def __init__(self, lm: Any = None, *, system_prompt: str = DEFAULT_SYSTEM,
                 name: str = "smollm2-135m-instruct(batched)") -> None:
        self._lm = lm
        self.system_prompt = system_prompt
        self.name = name
        self.concurrency = 1
        self._verdicts: dict[str, Verdict] = {}
        self._lock = threading.Lock()

    @property
    def lm(self) -> Any:
        """The batched engine (loads SmolLM2 on first use)."""
        if self._lm is None:
            from looplab.llm.batched import LocalLM

            self._lm = LocalLM.load()
        return self._lm

    def _user(self, question: str, answer_a: str, answer_b: str, prior: Verdict | None = None,
              analysis: str | None = None) -> str:
        if prior is None or prior.choice not in ("A", "B"):
            return TEMPLATE.format(question=question, answer_a=answer_a, answer_b=answer_b)
        return REVISE_TEMPLATE.format(question=question, answer_a=answer_a, answer_b=answer_b,
                                      prior=prior.choice, analysis=analysis)

    def _score(self, users: list[tuple[str, str]]) -> None:
        """Score (group key, user prompt) rows not yet cached, one engine call per group."""
        from looplab.llm.client import as_messages

        lm = self.lm
        a_id, b_id = lm.ids("A"), lm.ids("B")
        if len(a_id) != 1 or len(b_id) != 1:  # pragma: no cover - tokenizer invariant
            raise ValueError("'A' and 'B' must be single tokens for batched verdicts")
        groups: dict[str, list[str]] = {}
        for key, user in users:
            if user not in self._verdicts:
                groups.setdefault(key, [])
                if user not in groups[key]:
                    groups[key].append(user)
        for rows in groups.values():
            seqs = [lm.chat_ids(as_messages(u, self.system_prompt)) for u in rows]
            lp = lm.next_logprobs(seqs)
            with self._lock:
                for r, u in enumerate(rows):
                    self._verdicts[u] = _from_logprobs(float(lp[r, a_id[0]]),
                                                       float(lp[r, b_id[0]]))

    def prepare(self, calls: list[tuple[str, str, str]]) -> None:
        """Score the comparisons ``(question, answer_a, answer_b)`` in batches."""
        self._score([(q.split("\n", 1)[0], self._user(q, a, b)) for q, a, b in calls])

    def prepare_revisions(self, calls: list[tuple[str, str, str, Verdict, str]]) -> None:
        """Score RBD revisions ``(question, answer_a, answer_b, prior, analysis)`` in batches."""
        self._score([(q.split("\n", 1)[0], self._user(q, a, b, p, an))
                     for q, a, b, p, an in calls])

    def __call__(self, question: str, answer_a: str, answer_b: str, *, sample: int = 0
                 ) -> Verdict:
        user = self._user(question, answer_a, answer_b)
        if user not in self._verdicts:
            self._score([("", user)])
        return self._verdicts[user]

    def revise(self, question: str, answer_a: str, answer_b: str, prior: Verdict,
               analysis: str, *, sample: int = 0) -> Verdict:
        """RBD's revision step (``REVISE_TEMPLATE``), like ``LLMJudge.revise``."""
        user = self._user(question, answer_a, answer_b, prior, analysis)
        if user not in self._verdicts:
            self._score([("", user)])
        return self._verdicts[user]
