"""Passages, questions and the loaders for a user's data (JSONL corpus, JSONL questions,
HotpotQA-format files).

What a reasoner or retriever may read is the text; what only monitors read is the truth
(``Question.answers``, ``Question.gold``, ``Question.distractors``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class RetrievalInputError(ValueError):
    """A corpus, question file, model endpoint or option the user gave cannot be used;
    the message is one line that says which and why."""


@dataclass(frozen=True)
class Passage:
    """One retrievable text. ``source`` is where it came from (a page title, a site)."""

    id: str
    text: str
    title: str = ""
    source: str = ""


@dataclass(frozen=True)
class Question:
    """A question with its hidden truth: accepted answers, gold passage ids, hop count and
    the passages known to be distractors for it (None when unknown)."""

    id: str
    text: str
    answers: tuple[str, ...] = ()
    gold: tuple[str, ...] = ()
    hops: int = 0
    distractors: frozenset[str] | None = None


@dataclass
class Corpus:
    """An ordered, id-indexed collection of passages (never empty)."""

    passages: list[Passage]
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        if not self.passages:
            raise RetrievalInputError("the corpus is empty: at least one passage is needed")
        self.index = {}
        for i, p in enumerate(self.passages):
            if p.id in self.index:
                raise RetrievalInputError(f"duplicate passage id {p.id!r} in the corpus")
            self.index[p.id] = i

    def __len__(self) -> int:
        return len(self.passages)

    def __getitem__(self, i: int) -> Passage:
        return self.passages[i]

    @property
    def texts(self) -> list[str]:
        """Passage texts in corpus order."""
        return [p.text for p in self.passages]


def _read_jsonl(path: Path, what: str) -> list[dict[str, Any]]:
    """Rows of a JSONL file; a missing file or a bad line is one clear error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RetrievalInputError(f"cannot read {what} file {path}: {exc.strerror}") from None
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RetrievalInputError(
                f"{what} file {path} line {n}: not JSON ({exc.msg})"
            ) from None
        if not isinstance(row, dict):
            raise RetrievalInputError(f"{what} file {path} line {n}: expected a JSON object")
        rows.append(row)
    return rows


def load_corpus_jsonl(path: str | Path) -> Corpus:
    """A corpus from JSONL: one object per line with ``text`` and optional ``id``, ``title``
    and ``source`` (the source defaults to the title, then to the id)."""
    p = Path(path)
    passages = []
    for n, row in enumerate(_read_jsonl(p, "corpus"), 1):
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            raise RetrievalInputError(f"corpus file {p} line {n}: needs a non-empty 'text'")
        pid = str(row.get("id", n - 1))
        title = str(row.get("title", ""))
        passages.append(Passage(pid, text, title, str(row.get("source") or title or pid)))
    if not passages:
        raise RetrievalInputError(f"corpus file {p} is empty: at least one passage is needed")
    return Corpus(passages)


def _answers_of(row: dict[str, Any]) -> tuple[str, ...]:
    ans = row.get("answers", row.get("answer"))
    if ans is None:
        return ()
    if isinstance(ans, str):
        return (ans,) if ans.strip() else ()
    return tuple(str(a) for a in ans if str(a).strip())


def require_answers(questions: Sequence[Question], where: str) -> None:
    """Raise one clear error if any question lacks an answer (scoring needs them)."""
    missing = [q.id for q in questions if not q.answers]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:3]) + (" ..." if len(missing) > 3 else "")
        raise RetrievalInputError(
            f"{where}: {len(missing)} question(s) have no answer ({shown}); scoring needs "
            "'answer' or 'answers' on every question (or set data.score = false)"
        )


def load_questions_jsonl(path: str | Path, corpus: Corpus | None = None) -> list[Question]:
    """Questions from JSONL: ``question`` (or ``text``), optional ``id``, ``answer`` or
    ``answers``, ``gold`` (passage ids), ``hops`` and ``distractors`` (passage ids)."""
    p = Path(path)
    out = []
    for n, row in enumerate(_read_jsonl(p, "questions"), 1):
        text = row.get("question", row.get("text"))
        if not isinstance(text, str) or not text.strip():
            raise RetrievalInputError(f"questions file {p} line {n}: needs a 'question'")
        gold = tuple(str(g) for g in row.get("gold", ()))
        if corpus is not None:
            unknown = [g for g in gold if g not in corpus.index]
            if unknown:
                raise RetrievalInputError(
                    f"questions file {p} line {n}: gold passage {unknown[0]!r} is not in the corpus"
                )
        dis = row.get("distractors")
        out.append(
            Question(
                id=str(row.get("id", n - 1)),
                text=text,
                answers=_answers_of(row),
                gold=gold,
                hops=int(row.get("hops", len(gold))),
                distractors=None if dis is None else frozenset(str(d) for d in dis),
            )
        )
    if not out:
        raise RetrievalInputError(f"questions file {p} is empty")
    return out


def load_hotpotqa(path: str | Path) -> tuple[Corpus, list[Question]]:
    """A HotpotQA-format file (a JSON list, or JSONL) as a corpus and questions.

    Every ``context`` paragraph becomes a passage (id and source = its title; paragraphs
    with the same title are one passage). Gold = the titles in ``supporting_facts``;
    distractors = the question's other context paragraphs (HotpotQA's distractor setting
    picked them for sharing terms with the question); hops = number of gold titles.
    """
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RetrievalInputError(f"cannot read HotpotQA file {p}: {exc.strerror}") from None
    try:
        rows = json.loads(raw)
    except json.JSONDecodeError:
        rows = _read_jsonl(p, "HotpotQA")
    if isinstance(rows, dict):
        rows = [rows]
    passages: dict[str, Passage] = {}
    questions = []
    for n, row in enumerate(rows):
        try:
            context = row["context"]
            qtext = row["question"]
        except (KeyError, TypeError):
            raise RetrievalInputError(
                f"HotpotQA file {p} item {n}: needs 'question' and 'context' "
                "([[title, [sentences...]], ...])"
            ) from None
        titles = []
        for item in context:
            title, sentences = str(item[0]), item[1]
            titles.append(title)
            if title not in passages:
                text = "".join(sentences).strip()
                passages[title] = Passage(title, f"{title}: {text}", title, title)
        gold = tuple(dict.fromkeys(str(f[0]) for f in row.get("supporting_facts", ())))
        questions.append(
            Question(
                id=str(row.get("_id", row.get("id", n))),
                text=qtext,
                answers=_answers_of(row),
                gold=gold,
                hops=len(gold),
                distractors=frozenset(t for t in titles if t not in gold),
            )
        )
    if not passages:
        raise RetrievalInputError(
            f"HotpotQA file {p} has no context paragraphs: the corpus is empty"
        )
    return Corpus(list(passages.values())), questions


def corpus_from_texts(texts: Iterable[str]) -> Corpus:
    """A corpus of plain texts with ids 0..n-1 (a convenience for small experiments)."""
    return Corpus([Passage(str(i), t, "", str(i)) for i, t in enumerate(texts)])
