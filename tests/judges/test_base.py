"""Judge contracts: strict verdict parsing, wrapping plain functions."""

from __future__ import annotations

import pytest

from looplab.judges import PairwiseFromPointwise, Verdict, from_callable, parse_verdict


@pytest.mark.parametrize("text,expected", [
    ("A", "A"), ("b", "B"), ("(A)", "A"), ("Answer: B", "B"), ("Output (a)", "A"),
    ("[[B]]", "B"), ("The better answer is A.", "A"), ("**B**", "B"), ("Answer B is better.", "B"),
    ("A\nBecause it is correct.", "A"), ("tie", "tie"), ("  \n B ", "B"),
])
def test_parse_verdict_reads_explicit_letters(text, expected):
    assert parse_verdict(text) == expected


@pytest.mark.parametrize("text", [
    "A or B", "I think A is right", "Both are fine", "Answer A is better because it is short",
    "", "The answer is 408.", "Apples", "AB", "B is better, but A is also",
])
def test_parse_verdict_never_guesses_a_letter_from_free_text(text):
    assert parse_verdict(text) is None


def test_from_callable_pairwise_and_pointwise_shapes():
    pair = from_callable(lambda q, a, b: "a")
    assert pair("q", "x", "y").choice == "A"
    assert from_callable(lambda q, a, b: "maybe A")("q", "x", "y").choice is None
    assert from_callable(lambda q, a, b: None)("q", "x", "y") == Verdict(None)
    seen = []

    def sampled(q, a, b, sample=0):
        seen.append(sample)
        return Verdict("B")

    from_callable(sampled)("q", "x", "y", sample=3)
    assert seen == [3]
    point = from_callable(lambda q, answer: len(answer))
    assert point("q", "short", "much longer").choice == "B"
    assert point("q", "same", "size").choice == "tie"
    with pytest.raises(ValueError, match="cannot tell the judge's shape"):
        from_callable(lambda q: 1.0)
    with pytest.raises(TypeError):
        from_callable(3)  # type: ignore[arg-type]


def test_pointwise_nan_score_is_unparseable_and_swap_maps_letters():
    judge = PairwiseFromPointwise(lambda q, a: float("nan") if a == "bad" else 1.0)
    assert judge("q", "bad", "ok").choice is None
    v = Verdict("A", p_a=0.8)
    assert v.swapped() == Verdict("B", p_a=pytest.approx(0.2))
    assert Verdict("tie").swapped().choice == "tie" and not Verdict(None).valid
