"""COS(M+O)S with a language model as step generator, value model and judge: the harness that
the controlled world in ``looplab.improve.cosmos`` abstracts (same loop, real text).

Paper: Materzok 2025, "COS(M+O)S: Curiosity and RL-Enhanced MCTS for Exploring Story Space
via Language Models" (arXiv 2501.17104): MCTS over plot expansions guided by a step-level
value model that rewards moderate surprisal and penalises incoherence, ORPO on high-value
expansions, iterated; LLM judges rate the results.

Pieces, all through one ``LLMClient`` (the local SmolLM2 or any served model):

* step generator: the client continues the story with one sentence under one of
  ``STEP_STYLES`` (plain, twist, detailed); the *policy* is softmax(phi) over the styles,
  the part trained at this scale (the language model's weights stay fixed, as in
  ``anyprefer_llm``);
* value model: v = exp(-(s - s*)^2 / (2 w^2)) - kappa sigma(-c), with s the step's
  surprisal per word under the plain continuation prompt (-log P(step | story) / words,
  from ``logprobs``) and c the client's coherence log-odds (log P(Yes) - log P(No) for
  "does the next sentence follow?"). The model's surprisal scale is not known in advance,
  so s* and w are the median and standard deviation (at least 0.5) of the surprisals of
  the first round's root expansions (a stated calibration rule: "moderate" = typical for
  this model on these prompts);
* search: MCTS per prompt to ``depth`` steps; the root's ``branching`` children are
  expanded first, then ``simulations`` simulations with progressive widening (a node gets a new
  child, generated under a style drawn from the policy, until it has ``branching``; then
  PUCT picks among them with prior softmax(phi)[style] and c_puct = 0.25 as in the
  controlled world); a simulation's return is the mean value of the steps on its path;
  the delivered story follows the most visited child from the root;
* ORPO on the styles: at every node with two or more children the highest-value child is
  chosen and the lowest rejected; the loss -log P(y_w) - lambda log sigma(log odds(y_w) -
  log odds(y_l)) with P(y) = softmax(phi)[style(y)] (the language-model factor is shared
  by the compared styles' expansions only in expectation, so this is the style-level
  surrogate), lambda = 0.1 (ORPO's setting), a few gradient steps per round;
* judges rate the results: ``judge`` = the client's log-odds that the full story is
  "interesting and coherent"; ``verbose`` = that plus ``verbosity`` x words (a planted
  verbosity bias); ``debiased`` = the verbose rating with the OLS slope on words over the
  round's pool removed (length control). Each judge picks the best full-depth story of
  each prompt's tree; the selection differential of the pick against the tree's
  full-depth stories on words (``looplab.judges.selection``) is reported per judge.

Reported per round (``run``): the policy's style probabilities, the value-model score of
the searched and of single-pass stories, their judge ratings and words, and the
selection differentials on words. A tiny set (2 prompts, depth 2) keeps a CPU run short;
the numbers are reported, not claims.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from looplab.core.seeding import generator
from looplab.judges.selection import differentials

STEP_STYLES = ("Continue the story with one short sentence.",
               "Continue the story with one sentence that adds an unexpected but logical twist.",
               "Continue the story with one long, richly detailed sentence.")
COHERENCE_PROMPT = ("Story so far: {story}\nNext sentence: {step}\n\nDoes the next sentence "
                    "follow sensibly from the story? Reply Yes or No.")
QUALITY_PROMPT = "Story: {story}\n\nIs this an interesting and coherent story? Reply Yes or No."
PROMPTS = ("A lighthouse keeper found a letter addressed to a sailor who died a century ago.",
           "The robot at the village bakery started leaving every loaf half finished.")
_SENT = re.compile(r"^(.+?[.!?])(\s|$)", re.DOTALL)


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (all of it, stripped, if there is no end mark)."""
    t = " ".join(text.strip().split())
    m = _SENT.match(t)
    return m.group(1) if m else t


def words(text: str) -> int:
    """Word count."""
    return len(text.split())


@dataclass
class Node:
    """A story prefix in the search tree."""

    story: str
    depth: int
    style: int = -1
    surprisal: float = math.nan
    coherence: float = math.nan
    value: float = 0.0
    children: list[Node] = field(default_factory=list)
    visits: int = 0
    total: float = 0.0


class StoryLM:
    """The client as step generator, value model and judge (module docstring), with the
    calibration s*, w set by ``calibrate``."""

    def __init__(self, client: Any, *, max_tokens: int = 24, kappa: float = 1.0) -> None:
        self.client, self.max_tokens, self.kappa = client, max_tokens, kappa
        self.s_star, self.width = 0.0, 1.0
        self.calls = 0

    def step(self, story: str, style: int, seed: int) -> str:
        """One sampled continuation sentence under ``STEP_STYLES[style]``."""
        self.calls += 1
        out = self.client.chat(story, system=STEP_STYLES[style], max_tokens=self.max_tokens,
                               temperature=1.0, seed=seed).text
        return first_sentence(out) or "..."

    def surprisal(self, story: str, step: str) -> float:
        """-log P(step | story) per word under the plain continuation prompt."""
        lp = self.client.logprobs(story, [step], system=STEP_STYLES[0])[step]
        return -float(lp if lp is not None else math.nan) / max(1, words(step))

    def yes_no(self, prompt: str) -> float:
        """log P(Yes) - log P(No) of the client's reply to ``prompt``."""
        lp = self.client.logprobs(prompt, ["Yes", "No"])
        return float(lp["Yes"]) - float(lp["No"])

    def features(self, story: str, step: str) -> tuple[float, float]:
        """(surprisal per word, coherence log-odds) of ``step`` after ``story``."""
        return (self.surprisal(story, step),
                self.yes_no(COHERENCE_PROMPT.format(story=story, step=step)))

    def calibrate(self, surprisals: Sequence[float]) -> None:
        """s* = median, w = max(0.5, sd) of the given surprisals."""
        s = np.asarray([x for x in surprisals if np.isfinite(x)])
        if s.size:
            self.s_star, self.width = float(np.median(s)), max(0.5, float(s.std()))

    def value(self, s: float, c: float) -> float:
        """The value model's step score."""
        return (math.exp(-((s - self.s_star) ** 2) / (2 * self.width**2))
                - self.kappa / (1.0 + math.exp(c)))

    def rating(self, story: str) -> float:
        """The judge's log-odds that ``story`` is interesting and coherent."""
        return self.yes_no(QUALITY_PROMPT.format(story=story))


def _softmax(phi: np.ndarray) -> np.ndarray:
    e = np.exp(phi - phi.max())
    return e / e.sum()


def _expand(lm: StoryLM, node: Node, style: int, seed: int) -> Node:
    step = lm.step(node.story, style, seed)
    s, c = lm.features(node.story, step)
    child = Node(f"{node.story} {step}", node.depth + 1, style, s, c, lm.value(s, c))
    node.children.append(child)
    return child


def _style(pi: np.ndarray, u: float) -> int:
    return min(int(np.searchsorted(np.cumsum(pi), u)), pi.size - 1)


def search(lm: StoryLM, root: Node, phi: np.ndarray, *, depth: int, branching: int,
           simulations: int, u: np.ndarray, seed: int, c_puct: float = 0.25) -> Node:
    """Grow the MCTS tree at ``root`` (module docstring; it may hold expanded children
    already); ``u`` (simulations, depth) uniform draws choose the styles of new children."""
    pi = _softmax(phi)
    for sim in range(simulations):
        node, path = root, [root]
        while node.depth < depth:
            if len(node.children) < branching:
                style = _style(pi, u[sim, node.depth])
                node = _expand(lm, node, style, seed * 100_003 + sim * 31 + node.depth)
                path.append(node)
                break
            n_tot = sum(ch.visits for ch in node.children)
            node = max(node.children, key=lambda ch: (
                (ch.total / ch.visits if ch.visits else ch.value)
                + c_puct * pi[ch.style] * math.sqrt(n_tot + 1) / (1 + ch.visits)))
            path.append(node)
        steps = path[1:]
        ret = float(np.mean([n.value for n in steps])) if steps else 0.0
        for n in path:
            n.visits += 1
            n.total += ret
    return root


def _leaves(node: Node, depth: int) -> list[Node]:
    if node.depth == depth:
        return [node]
    return [leaf for ch in node.children for leaf in _leaves(ch, depth)]


def _pairs(node: Node) -> list[tuple[int, int]]:
    """(chosen style, rejected style) at every node with >= 2 children, by step value."""
    out = []
    if len(node.children) >= 2:
        best = max(node.children, key=lambda c: c.value)
        worst = min(node.children, key=lambda c: c.value)
        out.append((best.style, worst.style))
    for ch in node.children:
        out.extend(_pairs(ch))
    return out


def orpo_styles(phi: np.ndarray, pairs: Sequence[tuple[int, int]], *, lam: float = 0.1,
                lr: float = 0.5, steps: int = 5) -> np.ndarray:
    """ORPO steps on the style logits with P(y) = softmax(phi)[style(y)]."""
    if not pairs:
        return phi
    w, lo = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    eye = np.eye(phi.size)
    phi = phi.copy()
    for _ in range(steps):
        p = _softmax(phi)
        pw, pl = np.minimum(p[w], 1 - 1e-9), np.minimum(p[lo], 1 - 1e-9)
        z = (np.log(pw) - np.log1p(-pw)) - (np.log(pl) - np.log1p(-pl))
        sig_neg = 1.0 / (1.0 + np.exp(z))
        gw = -1.0 - lam * sig_neg / (1 - pw)
        gl = lam * sig_neg / (1 - pl)
        grad = gw[:, None] * (eye[w] - p) + gl[:, None] * (eye[lo] - p)
        phi -= lr * grad.mean(0)
    return phi


def _best_path(root: Node) -> list[Node]:
    path, node = [], root
    while node.children:
        node = max(node.children, key=lambda c: c.visits)
        path.append(node)
    return path


def run(client: Any, prompts: Sequence[str] = PROMPTS, *, rounds: int = 2, depth: int = 2,
        branching: int = 2, simulations: int = 4, verbosity: float = 0.1, seed: int = 0,
        max_tokens: int = 24) -> list[dict[str, Any]]:
    """The loop on ``prompts``; one dict per round (module docstring)."""
    if simulations < 1 or depth < 1 or branching < 1:
        raise ValueError("simulations, depth and branching must be >= 1")
    lm = StoryLM(client, max_tokens=max_tokens)
    rng = generator(seed, "policy")
    phi = np.zeros(len(STEP_STYLES))
    rows: list[dict[str, Any]] = []
    for t in range(rounds):
        pi = _softmax(phi)
        u = rng.random((1, len(prompts), simulations + 1, depth))[0]
        roots = [Node(p, 0) for p in prompts]
        # the root's children first (progressive widening would expand them first anyway),
        # so every round's simulations go below them and the judges see a pool
        for g, root in enumerate(roots):
            for j in range(branching):
                _expand(lm, root, _style(pi, u[g, j, 0]), seed * 1000 + t * 10 + g * 7 + j
                        + 900)
        if t == 0:  # calibrate s*, w on the first root expansions, then score them
            lm.calibrate([ch.surprisal for r in roots for ch in r.children])
            for ch in (c for r in roots for c in r.children):
                ch.value = lm.value(ch.surprisal, ch.coherence)
        trees = [search(lm, root, phi, depth=depth, branching=branching,
                        simulations=simulations, u=u[g, :simulations],
                        seed=seed * 1000 + t * 10 + g)
                 for g, root in enumerate(roots)]
        # single-pass stories: each step's style drawn from the policy, no search
        singles = []
        for g, p in enumerate(prompts):
            node = Node(p, 0)
            vals = []
            for d in range(depth):
                style = _style(pi, u[g, simulations, d])
                node = _expand(lm, node, style, seed * 1000 + t * 10 + g + 500_000 + d)
                vals.append(node.value)
            singles.append((node.story, float(np.mean(vals))))
        best = [_best_path(tr) for tr in trees]
        row: dict[str, Any] = {"round": t, "styles": [round(float(x), 3) for x in pi],
                               "search_value": float(np.mean([np.mean([n.value for n in b])
                                                              for b in best if b])),
                               "single_value": float(np.mean([v for _, v in singles]))}
        out_search = [b[-1].story for b in best if b]
        row["search_rating"] = float(np.mean([lm.rating(s) for s in out_search]))
        row["single_rating"] = float(np.mean([lm.rating(s) for s, _ in singles]))
        row["search_words"] = float(np.mean([words(s) for s in out_search]))
        row["single_words"] = float(np.mean([words(s) for s, _ in singles]))
        # each judge picks among each tree's full-depth stories
        pools = [_leaves(tr, depth) for tr in trees]
        k = min(len(pl) for pl in pools)
        if k >= 2:
            texts = [[leaf.story for leaf in pl[:k]] for pl in pools]
            base = np.array([[lm.rating(s) for s in row_] for row_ in texts])
            wds = np.array([[float(words(s)) for s in row_] for row_ in texts])
            xc = wds - wds.mean()
            verbose = base + verbosity * wds
            slope = float((xc * verbose).sum() / max((xc**2).sum(), 1e-12))
            judged = {"judge": base, "verbose": verbose, "debiased": verbose - slope * xc}
            for name, sc in judged.items():
                pick = sc.argmax(-1)
                with np.errstate(invalid="ignore"):
                    sel = differentials(wds[..., None], pick[:, None])[:, 0]
                row[f"sel_words_{name}"] = float(np.nanmean(sel)) if np.isfinite(
                    sel).any() else float("nan")
        row["llm_calls"] = lm.calls
        rows.append(row)
        phi = orpo_styles(phi, [pr for tr in trees for pr in _pairs(tr)])
    return rows

