"""Pairwise judging items with a known better answer: the built-in set and user JSONL files.

A JSONL line is an object with ``question``, ``better`` (the known better answer) and
``worse``; ``id``, ``category`` and ``reference`` (a short gold answer, used by the
embedding judge) are optional.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class PairItem:
    """A question, a better and a worse answer (the truth the audit scores against)."""

    id: str
    question: str
    better: str
    worse: str
    category: str = ""
    reference: str | None = None


def _item_from(obj: object, where: str) -> PairItem:
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: each item must be a JSON object")
    for key in ("question", "better", "worse"):
        if not isinstance(obj.get(key), str) or not obj[key].strip():
            raise ValueError(
                f"{where}: missing or empty {key!r} (each item needs question, better, worse "
                "- the known better answer and a worse one)"
            )
    for key in ("id", "category", "reference"):
        v = obj.get(key)
        ok = key not in obj or isinstance(v, str) or (
            v is None if key == "reference" else isinstance(v, int) and not isinstance(v, bool))
        if not ok:  # a number as the gold answer would silently never match a text
            raise ValueError(f"{where}: {key!r} must be a string, got "
                             f"{type(obj[key]).__name__} {obj[key]!r}"[:200])
    if obj["better"].strip() == obj["worse"].strip():
        raise ValueError(f"{where}: 'better' and 'worse' are the same text")
    unknown = set(obj) - {"id", "question", "better", "worse", "category", "reference"}
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}; allowed: id, question, "
                         "better, worse, category, reference")
    return PairItem(
        id=str(obj.get("id", where)),
        question=obj["question"].strip(),
        better=obj["better"].strip(),
        worse=obj["worse"].strip(),
        category=str(obj.get("category", "")),
        reference=obj.get("reference"),
    )


def parse_items(text: str, source: str = "items") -> list[PairItem]:
    """Items from JSONL text (blank lines skipped); errors name the line."""
    items: list[PairItem] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{source} line {n}: not valid JSON ({exc.msg})") from exc
        items.append(_item_from(obj, f"{source} line {n}"))
    if not items:
        raise ValueError(f"{source}: no items")
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{source}: item ids must be unique")
    return items


def load_items(path: str | Path | None = None) -> list[PairItem]:
    """Items from a JSONL file, or the built-in set (40 arithmetic and factual questions,
    each with a correct and a subtly wrong answer) when ``path`` is None."""
    if path is None:
        text = resources.files("looplab.judges").joinpath("data/items.jsonl").read_text("utf-8")
        return parse_items(text, "built-in items")
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"--items {p} is a folder; give a JSONL file")
    if not p.is_file():
        raise ValueError(f"items file {p} does not exist")
    try:
        text = p.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"items file {p} is not UTF-8 text (byte {exc.start}); save it as "
                         "UTF-8") from None
    except OSError as exc:
        raise ValueError(f"cannot read items file {p}: {exc.strerror or exc}") from None
    return parse_items(text, str(p))


class ItemIndex:
    """Finds the item a (possibly cue-extended) question belongs to, and which of its two
    answers a (possibly cue-extended) answer text is. Used by judges that know the truth
    (reference judges) or need the item's reference text (the embedding judge)."""

    def __init__(self, items: list[PairItem]) -> None:
        self.items = list(items)
        self._by_question = {it.question: it for it in self.items}
        # longest first, so a question that extends another is matched to itself
        self._prefixes = sorted(self._by_question, key=len, reverse=True)

    def item_for(self, question: str) -> PairItem | None:
        """The item whose question ``question`` is or starts with."""
        hit = self._by_question.get(question)
        if hit is not None:
            return hit
        for q in self._prefixes:
            if question.startswith(q):
                return self._by_question[q]
        return None

    @staticmethod
    def quality(item: PairItem, answer: str) -> float:
        """1 if ``answer`` contains the better answer, 0 if the worse one, 0.5 if neither
        (when one answer contains the other, the longer match wins)."""
        has_b, has_w = item.better in answer, item.worse in answer
        if has_b and has_w:
            return 1.0 if len(item.better) >= len(item.worse) else 0.0
        return 1.0 if has_b else 0.0 if has_w else 0.5
