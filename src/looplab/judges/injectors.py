"""Bias injectors: put a cue on one answer (or point the prompt at it) and nothing else.

Biases (cue strings live in ``data/cues.toml``, so users can add their own):

- ``position``: the same two answers in the other order (no cue string).
- ``verbosity``: content-free filler sentences appended (meaning-preserving padding).
- ``bandwagon``: "90% of people believe Answer X is better" after the question
  (after RBD, arXiv 2505.17100, and the LRM-judge study, arXiv 2504.09946).
- ``authority``: a fake citation or credential appended to the answer (LRM-judge study).
- ``distraction``: an irrelevant sentence appended to the answer (LRM-judge study).
- ``reflection``: superficial reflection, "Wait, let me think..." before the answer
  (LRM-judge study).
- ``sentiment``: an upbeat tone around the unchanged content (a template stand-in for
  RBD's GPT-4o tone rewrite).
- ``emotional``: an emotional plea for one answer after the question (after the affective
  framing in "The Paradox of Robustness", arXiv 2601.21439).

Each cue is applied once to the better answer and once to the worse one, in both orders, so
the audit can separate following the cue from preferring a position or an answer.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from looplab.core.seeding import generator
from looplab.judges.items import PairItem

Order = Literal["better-first", "worse-first"]
Target = Literal["better", "worse"]
ORDERS: tuple[Order, Order] = ("better-first", "worse-first")
TARGETS: tuple[Target, Target] = ("better", "worse")
POSITION = "position"


@dataclass(frozen=True)
class Cue:
    """One bias's cue strings and where they go (see ``data/cues.toml``)."""

    name: str
    description: str
    place: Literal["answer", "question"]
    cues: tuple[str, ...]
    template: str = "{answer} {cue}"
    n: int = 1

    def choose(self, seed: int, item_id: str) -> tuple[str, ...]:
        """The ``n`` cue strings used for ``item_id`` (fixed by seed and item, so the cue on
        the better answer and on the worse one is the same text)."""
        rng = generator(seed, "cue", self.name, item_id)
        idx = rng.choice(len(self.cues), size=self.n, replace=False)
        return tuple(self.cues[int(i)] for i in idx)

    def on_answer(self, answer: str, chosen: tuple[str, ...]) -> str:
        """``answer`` with the cue added."""
        text = answer
        for cue in chosen:
            if "{answer}" in cue:
                text = cue.replace("{answer}", text)
            else:
                text = self.template.replace("{answer}", text).replace("{cue}", cue)
        return text

    def on_question(self, question: str, letter: str, chosen: tuple[str, ...]) -> str:
        """``question`` followed by the cue pointing at shown answer ``letter``."""
        statements = " ".join(c.replace("{letter}", letter) for c in chosen)
        return f"{question}\n\n{statements}"

    # --------------------------------------------------------- detection and removal
    def _parts(self) -> list[str]:
        if self.place == "question":
            return []
        parts: list[str] = []
        for cue in self.cues:
            pieces = cue.split("{answer}") if "{answer}" in cue else [cue]
            parts.extend(p.strip() for p in pieces if p.strip())
        return sorted(set(parts), key=len, reverse=True)

    def _question_regex(self) -> re.Pattern[str]:
        alts = [re.escape(c).replace(re.escape("{letter}"), "([AB])") for c in self.cues]
        return re.compile("|".join(f"(?:{a})" for a in alts))

    def in_answer(self, text: str) -> bool:
        """True if ``text`` carries one of this bias's answer cues."""
        return any(p in text for p in self._parts())

    def endorsed(self, question: str) -> str | None:
        """The letter a question cue of this bias points at ("A"/"B"), or None."""
        if self.place != "question":
            return None
        m = self._question_regex().search(question)
        if m is None:
            return None
        return next(g for g in m.groups() if g)

    def strip(self, text: str) -> str:
        """``text`` without any of this bias's cue strings."""
        if self.place == "question":
            out = self._question_regex().sub("", text)
        else:
            out = text
            for part in self._parts():
                out = re.sub(r"\s*" + re.escape(part), "", out)
        return re.sub(r"[ \t]+\n", "\n", out).strip()


def load_cues(path: str | Path | None = None) -> dict[str, Cue]:
    """The cue catalogue from a TOML file (default: the built-in ``data/cues.toml``)."""
    if path is None:
        raw = resources.files("looplab.judges").joinpath("data/cues.toml").read_text("utf-8")
        where = "built-in cues.toml"
    else:
        raw, where = Path(path).read_text("utf-8"), str(path)
    data = tomllib.loads(raw)
    out: dict[str, Cue] = {}
    for name, sec in data.items():
        if name == POSITION:
            raise ValueError(f"{where}: 'position' is built in and takes no cue strings")
        place = sec.get("place")
        if place not in ("answer", "question"):
            raise ValueError(f"{where} [{name}]: place must be 'answer' or 'question', "
                             f"got {place!r}")
        cues = tuple(str(c) for c in sec.get("cues", ()))
        n = int(sec.get("n", 1))
        if not cues or not 1 <= n <= len(cues):
            raise ValueError(f"{where} [{name}]: needs cues and 1 <= n <= len(cues)")
        if place == "question" and not all("{letter}" in c for c in cues):
            raise ValueError(f"{where} [{name}]: every question cue must contain {{letter}}")
        out[name] = Cue(name=name, description=str(sec.get("description", "")), place=place,
                        cues=cues, template=str(sec.get("template", "{answer} {cue}")), n=n)
    return out


def bias_names(cues: dict[str, Cue] | None = None) -> tuple[str, ...]:
    """Every bias the audit knows: ``position`` plus the catalogue's sections."""
    return (POSITION, *(cues if cues is not None else load_cues()))


def check_biases(names: list[str] | tuple[str, ...], cues: dict[str, Cue]) -> list[str]:
    """``names`` validated against the catalogue (one clear error for an unknown one)."""
    allowed = bias_names(cues)
    out: list[str] = []
    for name in names:
        if name not in allowed:
            raise ValueError(f"unknown bias {name!r}; allowed: {', '.join(allowed)}")
        if name not in out:
            out.append(name)
    if not out:
        raise ValueError(f"biases must name at least one of: {', '.join(allowed)}")
    return out


@dataclass(frozen=True)
class Shown:
    """One comparison as the judge sees it, and where the better answer is."""

    question: str
    answer_a: str
    answer_b: str
    better_at: Literal["A", "B"]


def show(item: PairItem, order: Order, cue: Cue | None = None, target: Target | None = None,
         chosen: tuple[str, ...] = ()) -> Shown:
    """``item`` in ``order`` with ``cue`` (if any) on the ``target`` answer."""
    better, worse, question = item.better, item.worse, item.question
    if cue is not None:
        if target not in TARGETS:
            raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
        if cue.place == "answer":
            if target == "better":
                better = cue.on_answer(better, chosen)
            else:
                worse = cue.on_answer(worse, chosen)
        else:
            letter = "A" if (target == "better") == (order == "better-first") else "B"
            question = cue.on_question(question, letter, chosen)
    if order == "better-first":
        return Shown(question, better, worse, "A")
    return Shown(question, worse, better, "B")
