"""A Reasoner backed by a language model through ``looplab.llm`` (an OpenAI-compatible
endpoint or the local SmolLM2-135M-Instruct).

Each Reasoner call is one chat request at temperature 0 with a short, plain prompt;
replies are parsed leniently (a small model rarely follows a format exactly) and fall back
to a safe default: the first gap as the query, no facts kept, the question itself as the
only gap. Team member ``i`` is asked for a differently styled query (a question, keywords,
a statement), the language-model counterpart of the deterministic reader's phrasings.
Token counts are the server's when it reports them, whitespace words otherwise. Any client
error (unreachable endpoint, rejected request, missing local model) becomes one
``RetrievalInputError`` line; answers already journaled stay on disk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from looplab.agents.corpus import RetrievalInputError
from looplab.agents.reasoner import Answer, Usage, count_tokens

_STYLES = (
    "Write the query as a short question.",
    "Write the query as a few keywords.",
    "Write the query as a short statement of the fact you are looking for.",
)
_SYSTEM = "You are a careful research assistant. Reply briefly and follow the format asked."
_LINE_NUM = re.compile(r"^\s*\[?(\d+)\]?\s*[:.)\-]\s*(.+)$")


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {x}" for x in items) if items else "- (nothing yet)"


def _clip(text: str, words: int) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def _numbered(reply: str, n: int, knowledge: Sequence[str]) -> list[list[str]]:
    """The facts of reply lines 'N: fact' per passage (1..n), minus those already known."""
    out: list[list[str]] = [[] for _ in range(n)]
    for line in reply.splitlines():
        m = _LINE_NUM.match(line)
        if m and 1 <= int(m.group(1)) <= n:
            fact = m.group(2).strip()
            if fact and fact not in knowledge:
                out[int(m.group(1)) - 1].append(fact)
    return out


class LLMReasoner:
    """Reasoner over an ``looplab.llm.LLMClient`` (see the module docstring)."""

    def __init__(self, client: Any, index: int = 0, max_tokens: int = 64,
                 max_passage_words: int = 120) -> None:
        self.client = client
        self.index = index
        self.max_tokens = max_tokens
        self.max_passage_words = max_passage_words
        self.usage = Usage()

    @classmethod
    def from_spec(
        cls, backend: str = "local", base_url: str | None = None, model: str | None = None,
        api_key_env: str = "OPENAI_API_KEY", timeout: float = 60.0, max_tokens: int = 64,
        max_passage_words: int = 120, cache: bool = True, max_retries: int = 4,
    ) -> LLMReasoner:
        """A reasoner on a new client: ``backend`` 'local' (SmolLM2) or 'openai'."""
        try:
            from looplab.llm import LLMClient
        except ImportError as exc:  # pragma: no cover - the llm extra is missing
            raise RetrievalInputError(
                f"reasoner.type 'llm' needs the llm extra: pip install 'looplab[llm]' ({exc})"
            ) from None
        try:
            if backend == "local":
                client = LLMClient.local(cache=cache)
            else:
                client = LLMClient.openai(base_url or "", model or "", api_key_env=api_key_env,
                                          timeout=timeout, max_retries=max_retries,
                                          cache=cache)
        except ValueError as exc:
            raise RetrievalInputError(f"reasoner: {exc}") from None
        return cls(client, 0, max_tokens, max_passage_words)

    def variant(self, index: int) -> LLMReasoner:
        """Team member ``index``: same client, its own usage, its own query style."""
        return LLMReasoner(self.client, index, self.max_tokens, self.max_passage_words)

    def _ask(self, prompt: str) -> str:
        from looplab.llm import LLMError

        try:
            out = self.client.chat(prompt, system=_SYSTEM, max_tokens=self.max_tokens)
        except LLMError as exc:
            raise RetrievalInputError(f"language model {self._name()}: {exc}") from None
        text = out.text.strip()
        self.usage.add(
            out.prompt_tokens if out.prompt_tokens is not None else count_tokens(prompt),
            out.completion_tokens if out.completion_tokens is not None else count_tokens(text),
        )
        return text

    def _name(self) -> str:
        try:
            return str(self.client.name)
        except Exception:  # broad on purpose: only for the error message
            return "client"

    def gaps(self, question: str, knowledge: Sequence[str]) -> list[str]:
        """Missing pieces as short questions; [] when the model says DONE."""
        reply = self._ask(
            f"Question: {question}\nKnown facts:\n{_bullets(knowledge)}\n"
            "What is still missing to answer the question? Reply DONE if the known facts "
            "answer it; otherwise write each missing piece as a short question on its own line."
        )
        if not reply or reply.upper().startswith("DONE"):
            return [] if knowledge else [question]
        lines = [ln.strip(" -*\t") for ln in reply.splitlines()]
        return [ln for ln in lines if ln][:3] or [question]

    def plan_query(
        self, question: str, knowledge: Sequence[str], gaps: Sequence[str], tried: Sequence[str]
    ) -> str:
        """One search query for the first gap, in this member's style."""
        reply = self._ask(
            f"Question: {question}\nKnown facts:\n{_bullets(knowledge)}\n"
            f"Still missing:\n{_bullets(gaps)}\nQueries already tried:\n{_bullets(tried)}\n"
            f"Write one new search query for the first missing piece. "
            f"{_STYLES[self.index % len(_STYLES)]} Reply with the query only."
        )
        query = reply.splitlines()[0].strip(" \"'") if reply else ""
        return query or (gaps[0] if gaps else question)

    def filter(
        self, question: str, knowledge: Sequence[str], passages: Sequence[str]
    ) -> list[list[str]]:
        """Facts per passage that help answer the question (lines 'N: fact')."""
        shown = "\n".join(
            f"[{i + 1}] {_clip(p, self.max_passage_words)}" for i, p in enumerate(passages)
        )
        reply = self._ask(
            f"Question: {question}\nKnown facts:\n{_bullets(knowledge)}\nPassages:\n{shown}\n"
            "For each passage that helps answer the question and agrees with the known facts, "
            "write one line 'N: fact' with the fact it gives (N = passage number). "
            "Reply NONE if no passage helps."
        )
        return _numbered(reply, len(passages), knowledge)

    def extract(self, passages: Sequence[str]) -> list[list[str]]:
        """Every fact per passage (lines 'N: fact'), with no relevance check."""
        shown = "\n".join(
            f"[{i + 1}] {_clip(p, self.max_passage_words)}" for i, p in enumerate(passages)
        )
        reply = self._ask(
            f"Passages:\n{shown}\nFor each passage, write one line 'N: fact' for each fact "
            "it states (N = passage number). Reply NONE if no passage states a fact."
        )
        return _numbered(reply, len(passages), ())

    def answer(self, question: str, evidence: Sequence[str]) -> Answer:
        """A short answer; 'INSUFFICIENT: guess' marks the evidence as not enough."""
        shown = "\n".join(f"- {_clip(e, self.max_passage_words)}" for e in evidence)
        reply = self._ask(
            f"Evidence:\n{shown or '- (none)'}\nQuestion: {question}\n"
            "Answer with a short phrase using only the evidence. If the evidence is not "
            "enough, reply 'INSUFFICIENT: ' followed by your best guess."
        )
        first = reply.splitlines()[0].strip() if reply else ""
        complete = not first.upper().startswith("INSUFFICIENT")
        text = first.split(":", 1)[1].strip() if not complete and ":" in first else first
        for prefix in ("Answer:", "answer:", "The answer is"):
            if text.startswith(prefix):
                text = text[len(prefix):].strip()
        return Answer(text.rstrip(".") or "unknown", complete and bool(text), reply)
