"""Judgment loops: audit LLM judges and reward models for bias, and mitigate it.

>>> from looplab.judges import ReferenceJudge, audit, load_items, mitigate
>>> items = load_items()                                  # 40 built-in items
>>> judge = ReferenceJudge(items, position=0.8, verbosity=0.5)
>>> report = audit(judge, items, ["position", "verbosity", "bandwagon"], repeats=2)
>>> report.effects["position"].verdict                    # 'biased' / 'robust' / ...
>>> audit(mitigate(judge, "swap"), items, ["position"]).effects["position"].estimate  # 0.0

Judges: ``LLMJudge`` (any ``looplab.llm.LLMClient``), ``EmbeddingJudge`` (MiniLM),
``ReferenceJudge`` (planted biases), ``from_callable`` (your own function).
"""

from looplab.judges.audit import AuditReport, Effect, audit, count_calls
from looplab.judges.base import (
    UNPARSEABLE,
    PairwiseFromPointwise,
    PairwiseJudge,
    PointwiseJudge,
    Verdict,
    from_callable,
    parse_verdict,
)
from looplab.judges.embedding import EmbeddingJudge
from looplab.judges.injectors import bias_names, load_cues
from looplab.judges.items import PairItem, load_items, parse_items
from looplab.judges.llm_judge import LLMJudge
from looplab.judges.mitigations import (
    MITIGATIONS,
    CueStrip,
    SelfReflect,
    SwapAggregate,
    debias_prompt,
    mitigate,
)
from looplab.judges.rbd import CueDetector, DetectRevise, LLMDetector
from looplab.judges.reference import ReferenceJudge

__all__ = [
    "MITIGATIONS",
    "UNPARSEABLE",
    "AuditReport",
    "CueDetector",
    "CueStrip",
    "DetectRevise",
    "Effect",
    "EmbeddingJudge",
    "LLMDetector",
    "LLMJudge",
    "PairItem",
    "PairwiseFromPointwise",
    "PairwiseJudge",
    "PointwiseJudge",
    "ReferenceJudge",
    "SelfReflect",
    "SwapAggregate",
    "Verdict",
    "audit",
    "bias_names",
    "count_calls",
    "debias_prompt",
    "from_callable",
    "load_cues",
    "load_items",
    "mitigate",
    "parse_items",
    "parse_verdict",
]
