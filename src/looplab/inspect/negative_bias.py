"""Negative bias in yes/no questions, split by the model's own knowledge ("A Multifaceted
Analysis of Negative Bias in LLMs through the Lens of Parametric Knowledge", Song et al.,
arXiv 2511.10881).

Paper: in binary questions models answer "no" too often, and mostly where they lack the
knowledge (a "say no when unsure" shortcut); an "I don't know" option and relevant context
reduce it. Items are sorted by the model's parametric knowledge, found with a direct
question first.

Here: capital-city facts. Knowledge: the model *knows* a country's capital when, after
"The capital of {country} is", the true capital is its most likely continuation among all
capitals in the set (log-likelihood of each full name). Yes/no items per country: the true
capital (gold yes) and a distractor capital drawn by seed (gold no), asked in chat with
"Answer Yes or No." Read softly from the logprobs: p_no = P(No) / (P(Yes) + P(No) [+ P(I)]).

    NB = mean p_no over gold-yes items - mean p_yes over gold-no items

(the false-negative rate minus the false-positive rate; > 0 = negative bias), per knowledge
subset and prompt variant: ``plain``, ``idk`` (an "I don't know" option, read from the
first token "I"), ``context`` (the true fact stated first). Claims (5 distractor seeds,
pooled 95% t-interval on the passing side): NB(unknown) - NB(known) >= 0.05 (the shortcut);
NB falls by >= 0.05 on unknown items with the IDK option, and with context.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from looplab.inspect.common import claim_over_seeds

CAPITALS = {
    "France": "Paris", "Italy": "Rome", "Germany": "Berlin", "Spain": "Madrid",
    "Japan": "Tokyo", "China": "Beijing", "Russia": "Moscow", "Egypt": "Cairo",
    "Canada": "Ottawa", "Australia": "Canberra", "Portugal": "Lisbon", "Greece": "Athens",
    "Norway": "Oslo", "Kenya": "Nairobi", "Peru": "Lima", "Turkey": "Ankara",
    "Poland": "Warsaw", "Ireland": "Dublin", "Austria": "Vienna", "Sweden": "Stockholm",
    "Hungary": "Budapest", "Thailand": "Bangkok", "Cuba": "Havana", "Finland": "Helsinki",
    "Denmark": "Copenhagen", "Mongolia": "Ulaanbaatar", "Nepal": "Kathmandu",
    "Ghana": "Accra", "Vietnam": "Hanoi", "Chile": "Santiago",
}
VARIANTS = ("plain", "idk", "context")
MARGIN = 0.05
_ASK = "Answer Yes or No.\nQuestion: Is {city} the capital of {country}?"
_IDK = ("Answer Yes or No. If you do not know, answer I don't know.\n"
        "Question: Is {city} the capital of {country}?")
_CTX = "Context: The capital of {country} is {true}.\n" + _ASK


def knowledge(lm: Any) -> dict[str, bool]:
    """Whether the model's most likely capital for each country is the true one."""
    countries, cities = list(CAPITALS), list(CAPITALS.values())
    prompts = [lm.ids(f"The capital of {c} is") for c in countries for _ in cities]
    conts = [lm.ids(f" {city}") for _ in countries for city in cities]
    lp = np.array(lm.continuation_logprobs(prompts, conts)).reshape(len(countries), -1)
    return {c: bool(np.argmax(lp[i]) == i) for i, c in enumerate(countries)}


def _items(seed: int) -> list[tuple[str, str, int]]:
    """(country, city asked, gold: 1 = yes) with a seeded distractor per country."""
    from looplab.core.seeding import generator

    rng = generator(seed, "negative-bias")
    countries, cities = list(CAPITALS), list(CAPITALS.values())
    out = []
    for i, c in enumerate(countries):
        out.append((c, cities[i], 1))
        j = int(rng.integers(0, len(cities) - 1))
        out.append((c, cities[j + (j >= i)], 0))
    return out


def answers(lm: Any, seed: int, memo: dict[tuple[int, ...], Any] | None = None
            ) -> list[dict[str, Any]]:
    """Soft yes / no / IDK probabilities for every item and prompt variant (``memo`` keeps
    rows across seeds: the gold-yes questions are the same for every seed)."""
    items = _items(seed)
    yes, no, idk = (lm.ids(t)[0] for t in ("Yes", "No", "I"))
    texts = {"plain": _ASK, "idk": _IDK, "context": _CTX}
    seqs, keys = [], []
    for v in VARIANTS:
        for country, city, gold in items:
            msg = texts[v].format(city=city, country=country, true=CAPITALS[country])
            seqs.append(lm.chat_ids([{"role": "user", "content": msg}]))
            keys.append((v, country, city, gold))
    memo = {} if memo is None else memo
    todo = list(dict.fromkeys(tuple(q) for q in seqs if tuple(q) not in memo))
    if todo:
        for q, row in zip(todo, lm.next_logprobs([list(q) for q in todo]).numpy(), strict=True):
            memo[q] = row
    lp = [memo[tuple(q)] for q in seqs]
    rows = []
    for (v, country, city, gold), row in zip(keys, lp, strict=True):
        toks = [yes, no, idk] if v == "idk" else [yes, no]
        p = np.exp(row[toks] - row[toks].max())
        p /= p.sum()
        rows.append({"variant": v, "country": country, "city": city, "gold": gold,
                     "p_yes": float(p[0]), "p_no": float(p[1]),
                     "p_idk": float(p[2]) if v == "idk" else 0.0})
    return rows


def nb(rows: list[dict[str, Any]]) -> float:
    """Negative bias: mean p_no on gold-yes items - mean p_yes on gold-no items."""
    pos = [r["p_no"] for r in rows if r["gold"] == 1]
    neg = [r["p_yes"] for r in rows if r["gold"] == 0]
    if not pos or not neg:
        return float("nan")
    return float(np.mean(pos) - np.mean(neg))


def run(lm: Any, seeds: tuple[int, ...] = (0, 1, 2, 3, 4)) -> dict[str, Any]:
    """NB per seed, knowledge subset and variant, with the claim verdicts."""
    known = knowledge(lm)
    table: list[dict[str, Any]] = []
    memo: dict[tuple[int, ...], Any] = {}
    for s in seeds:
        rows = answers(lm, s, memo)
        for v in VARIANTS:
            for subset, flag in (("known", True), ("unknown", False), ("all", None)):
                sel = [r for r in rows if r["variant"] == v
                       and (flag is None or known[r["country"]] == flag)]
                table.append({"seed": s, "variant": v, "subset": subset, "n": len(sel),
                              "nb": nb(sel),
                              "no_rate": float(np.mean([r["p_no"] for r in sel]))
                              if sel else float("nan")})

    def get(s: int, v: str, sub: str) -> float:
        return next(float(r["nb"]) for r in table
                    if (r["seed"], r["variant"], r["subset"]) == (s, v, sub))

    src = "arXiv 2511.10881"
    claims = [
        claim_over_seeds("negbias-shortcut", f"NB(unknown) - NB(known) >= {MARGIN}", src,
                         "nb_gap", [get(s, "plain", "unknown") - get(s, "plain", "known")
                                    for s in seeds], ">=", MARGIN),
        claim_over_seeds("negbias-idk", f"the IDK option lowers NB on unknown items by >= "
                         f"{MARGIN}", src, "idk_drop",
                         [get(s, "plain", "unknown") - get(s, "idk", "unknown") for s in seeds],
                         ">=", MARGIN),
        claim_over_seeds("negbias-context", f"context lowers NB on unknown items by >= "
                         f"{MARGIN}", src, "ctx_drop",
                         [get(s, "plain", "unknown") - get(s, "context", "unknown")
                          for s in seeds], ">=", MARGIN),
    ]
    return {"known": known, "n_known": int(sum(known.values())), "table": table,
            "claims": claims}
