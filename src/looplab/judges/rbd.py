"""RBD: detect-and-revise debiasing of an LLM judge with a bias detector.

Paper: Yang et al., "Any Large Language Model Can Be a Reliable Judge: Debiasing with a
Reasoning-based Bias Detector", NeurIPS 2025, arXiv 2505.17100 (code:
Joyyang158/Reasoning-Bias-Detector). The evaluator is left untouched; a detector reads the
item and the evaluator's verdict and answers "biased? yes/no" with an analysis; on "yes"
the evaluator is re-asked with its prior verdict and the analysis ("for reference - use
your own judgment"), and the loop repeats:

    v_0 = J(x);   for t = 0 .. T-1:  (flag_t, a_t) = D(x, v_t);  stop if not flag_t;
                                      v_{t+1} = J.revise(x, v_t, a_t)

Default T = ``max_rounds`` = 3 (the paper's recursive script runs up to 4 rounds; most
of the change comes in the first). Detectors: ``CueDetector`` (rule-based: the chosen answer
carries a catalogued cue, a prompt cue endorses it, it is much longer, or the verdict
changes when the order is swapped) and ``LLMDetector`` (a zero-shot detector prompt after
RBD's, listing the bias definitions and asking for a final Yes/No; the fine-tuned RBD
models themselves, e.g. ``joyfine/RBD-8B``, can be served behind an OpenAI-compatible
endpoint and used the same way).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from looplab.judges.base import Verdict, judge_name
from looplab.judges.injectors import Cue, load_cues
from looplab.llm import LLMClient


@dataclass(frozen=True)
class Detection:
    """A detector's finding: ``biased`` and the analysis shown to the judge."""

    biased: bool
    analysis: str = ""


class Detector(Protocol):
    def __call__(self, question: str, answer_a: str, answer_b: str, verdict: Verdict, *,
                 sample: int = 0) -> Detection: ...


class CueDetector:
    """Flags a verdict that follows a catalogued cue, prefers a much longer answer
    (``length_ratio``), or changes when the order is swapped (if ``judge`` is given)."""

    def __init__(self, cues: dict[str, Cue] | None = None, judge: Any = None,
                 length_ratio: float = 2.0) -> None:
        self.cues = cues if cues is not None else load_cues()
        self.judge = judge
        self.length_ratio = length_ratio

    def __call__(self, question: str, answer_a: str, answer_b: str, verdict: Verdict, *,
                 sample: int = 0) -> Detection:
        if verdict.choice not in ("A", "B"):
            return Detection(False)
        chosen, other = (answer_a, answer_b) if verdict.choice == "A" else (answer_b, answer_a)
        notes = []
        for name, cue in self.cues.items():
            if name == "verbosity":
                continue
            if cue.place == "answer" and cue.in_answer(chosen) and not cue.in_answer(other):
                notes.append(f"the chosen answer carries a {name} cue ({cue.description}), "
                             "which is not evidence of correctness")
            elif cue.place == "question" and cue.endorsed(question) == verdict.choice:
                notes.append(f"the verdict agrees with a {name} cue in the prompt "
                             f"({cue.description}), which is not evidence of correctness")
        if len(chosen.split()) >= self.length_ratio * len(other.split()):
            notes.append("the chosen answer is much longer (verbosity); length alone is not "
                         "quality")
        if self.judge is not None and not notes:
            swapped = self.judge(question, answer_b, answer_a, sample=sample).swapped()
            if swapped.choice in ("A", "B") and swapped.choice != verdict.choice:
                notes.append("the verdict changes when the two answers swap places (position)")
        if not notes:
            return Detection(False)
        return Detection(True, "Possible bias: " + "; ".join(notes) + ".")


DETECTOR_PROMPT = (
    "You check an AI judge for bias. The judge compared two answers to a question.\n"
    "Biases to look for:\n"
    "- verbosity: preferring the longer answer although it is not better\n"
    "- position: preferring an answer because of where it is shown\n"
    "- bandwagon: following a claim about what most people prefer\n"
    "- authority: trusting a citation or credential that is not evidence\n"
    "- sentiment: preferring an upbeat or emotional tone over correctness\n\n"
    "Question: {question}\n\nAnswer A: {answer_a}\n\nAnswer B: {answer_b}\n\n"
    "The judge's verdict: Answer {choice} is better.\n\n"
    "Explain briefly, then end with one final line, exactly 'Biased: Yes' or 'Biased: No'."
)
_LABEL = re.compile(r"\**\s*biased\s*:?\s*\**\s*(yes|no)\b", re.IGNORECASE)


class LLMDetector:
    """Zero-shot LLM bias detector; its reasoning is the analysis shown to the judge. An
    answer without a readable final 'Biased: Yes/No' line is treated as not biased."""

    def __init__(self, client: LLMClient, max_tokens: int = 160) -> None:
        self.client = client
        self.max_tokens = max_tokens

    def __call__(self, question: str, answer_a: str, answer_b: str, verdict: Verdict, *,
                 sample: int = 0) -> Detection:
        if verdict.choice not in ("A", "B"):
            return Detection(False)
        prompt = DETECTOR_PROMPT.format(question=question, answer_a=answer_a,
                                        answer_b=answer_b, choice=verdict.choice)
        reply = self.client.chat(prompt, max_tokens=self.max_tokens, seed=sample).text
        lines = [ln.strip() for ln in reply.splitlines() if ln.strip()]
        m = _LABEL.fullmatch(lines[-1]) if lines else None
        if m is None or m.group(1).lower() == "no":
            return Detection(False, reply)
        return Detection(True, "\n".join(lines[:-1]) or "The verdict may be biased.")


class DetectRevise:
    """RBD's loop around a judge with ``revise``; at most ``max_rounds`` revisions."""

    def __init__(self, judge: Any, detector: Detector, max_rounds: int = 3) -> None:
        if not hasattr(judge, "revise"):
            raise ValueError(f"mitigation 'rbd' needs a judge with revise() (an LLM or "
                             f"reference judge); {judge_name(judge)} has none")
        if max_rounds < 1:
            raise ValueError(f"max_rounds must be >= 1, got {max_rounds}")
        self.judge, self.detector, self.max_rounds = judge, detector, max_rounds
        self.name = f"rbd({judge_name(judge)})"
        self.concurrency = getattr(judge, "concurrency", 1)

    def __call__(self, question: str, answer_a: str, answer_b: str, *, sample: int = 0
                 ) -> Verdict:
        verdict = self.judge(question, answer_a, answer_b, sample=sample)
        for round_ in range(self.max_rounds):
            # each round is a fresh ask (its own sample number), so sampling detectors and
            # judges are not answered from the cache of the previous round
            sub = sample * self.max_rounds + round_ + 1
            found = self.detector(question, answer_a, answer_b, verdict, sample=sub)
            if not found.biased:
                break
            verdict = self.judge.revise(question, answer_a, answer_b, verdict, found.analysis,
                                        sample=sub)
        return verdict


# RBD's bias types (the paper's detector names verbosity, position, bandwagon and sentiment;
# the cue catalogue adds authority, distraction, superficial reflection and the emotional
# plea) and "none"; the definitions are what the naming detector's prompt shows
NAMED_BIASES: dict[str, str] = {
    "none": "the choice follows correctness; no bias",
    "verbosity": "the chosen answer is padded with filler sentences that add nothing",
    "position": "the choice follows where an answer is shown, not what it says",
    "bandwagon": "the prompt claims most people prefer one answer",
    "authority": "the chosen answer cites a journal, expert or credential",
    "sentiment": "the chosen answer is wrapped in a cheerful, upbeat tone",
    "distraction": "the chosen answer carries an irrelevant remark about its author",
    "reflection": "the chosen answer imitates thinking ('wait, let me think...')",
    "emotional": "the prompt pleads for an answer with a personal, emotional story",
}
NAMING_PROMPT = (
    "You check an AI judge for bias. The judge compared two answers to a question and "
    "chose one. Name the bias its choice follows, if any:\n{definitions}\n\n"
    "Question: {question}\n\nAnswer A: {answer_a}\n\nAnswer B: {answer_b}\n\n"
    "The judge chose Answer {choice}.\n"
    "Which bias does the judge's choice follow? Reply with one word from the list."
)


class NamingDetector:
    """RBD's detector as a language model that *names* the bias it sees (issue 14).

    The model reads the definitions (``NAMED_BIASES``), the question, both answers and the
    verdict, and its reply is read from log-probabilities, never generated: each label is
    scored by the log-probability of its first token as the start of the reply (the labels'
    first tokens are distinct in SmolLM2's vocabulary; checked), and the detector names the
    arg-max label. "none" means not biased; any other label gives the analysis
    ``Possible bias: <label> (<definition>)``, so a revising judge corrects exactly the bias
    named (``ReferenceJudge.revise`` reads the label; an LLM judge sees the text).

    ``score`` maps a list of user prompts to an (n, K) array of label scores in the order
    of ``labels``; the default is SmolLM2-135M-Instruct through the batched engine
    (``looplab.llm.batched.LocalLM``: the shared instructions are computed once, the rows in
    batches). ``prepare`` scores many calls at once; later calls are looked up.
    """

    def __init__(self, score: Any = None, *, labels: dict[str, str] | None = None,
                 lm: Any = None, name: str = "naming-detector(smollm2-135m)") -> None:
        self.labels = dict(labels if labels is not None else NAMED_BIASES)
        if "none" not in self.labels:
            raise ValueError("labels must include 'none'")
        self._score_fn = score
        self._lm = lm
        self.name = name
        self._named: dict[str, str] = {}
        self.definitions = "\n".join(f"- {k}: {v}" for k, v in self.labels.items())

    def prompt(self, question: str, answer_a: str, answer_b: str, verdict: Verdict) -> str:
        """The user prompt the detector model reads."""
        return NAMING_PROMPT.format(definitions=self.definitions, question=question,
                                    answer_a=answer_a, answer_b=answer_b, choice=verdict.choice)

    def _local_scores(self, prompts: list[str]) -> Any:
        import numpy as np

        if self._lm is None:
            from looplab.llm.batched import LocalLM

            self._lm = LocalLM.load()
        lm = self._lm
        first = [lm.ids(k)[0] for k in self.labels]
        if len(set(first)) != len(first):
            raise ValueError("the labels' first tokens must be distinct for this reader")
        seqs = [lm.chat_ids([{"role": "user", "content": p}]) for p in prompts]
        return np.asarray(lm.next_logprobs(seqs))[:, first]

    def prepare(self, calls: list[tuple[str, str, str, Verdict]]) -> None:
        """Name the bias for many ``(question, answer_a, answer_b, verdict)`` at once."""
        todo = list(dict.fromkeys(self.prompt(*c) for c in calls if c[3].choice in ("A", "B")))
        todo = [p for p in todo if p not in self._named]
        if not todo:
            return
        scores = (self._score_fn or self._local_scores)(todo)
        names = list(self.labels)
        for p, row in zip(todo, scores, strict=True):
            self._named[p] = names[int(max(range(len(names)), key=lambda k: row[k]))]

    def named(self, question: str, answer_a: str, answer_b: str, verdict: Verdict) -> str:
        """The label the detector names for this verdict ("none" for a non-A/B verdict)."""
        if verdict.choice not in ("A", "B"):
            return "none"
        p = self.prompt(question, answer_a, answer_b, verdict)
        if p not in self._named:
            self.prepare([(question, answer_a, answer_b, verdict)])
        return self._named[p]

    def __call__(self, question: str, answer_a: str, answer_b: str, verdict: Verdict, *,
                 sample: int = 0) -> Detection:
        label = self.named(question, answer_a, answer_b, verdict)
        if label == "none":
            return Detection(False, "none")
        return Detection(True, f"Possible bias: {label} ({self.labels[label]}).")
