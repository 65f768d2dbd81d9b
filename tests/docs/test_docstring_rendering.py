"""The docs' docstring fallback: a docstring that is clean reStructuredText is kept, one
that would raise a warning (and break the ``-W`` build) is shown verbatim as a literal
block, formulas and all."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("docutils")

_spec = importlib.util.spec_from_file_location(
    "looplab_docs", Path(__file__).resolve().parents[2] / "docs" / "_ext" / "looplab_docs.py")
assert _spec and _spec.loader
looplab_docs = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("looplab_docs", looplab_docs)  # its dataclasses look it up
_spec.loader.exec_module(looplab_docs)


def test_clean_rst_is_kept():
    text = "One line.\n\nA ``literal`` and a list:\n\n- a\n- b"
    assert looplab_docs.rst_problems(text) == []
    assert looplab_docs.safe_rst(text) == text


@pytest.mark.parametrize("text", [
    "Rule: r = *w_k + 1 over arms",                 # emphasis start without an end
    "Uses gap_ and no target for it",                # unknown link target
    "Title\n=====\n\nA section title in a docstring",  # autodoc cannot nest sections
    "Defaults:\n    a = 1\n  b = 2",                  # unexpected unindent
])
def test_a_docstring_that_would_warn_becomes_a_literal_block(text):
    assert looplab_docs.rst_problems(text)
    out = looplab_docs.safe_rst(text)
    assert out.startswith("::\n\n")
    assert all(line.strip() in out for line in text.splitlines())
    assert looplab_docs.rst_problems(out) == []


def test_the_autodoc_hook_rewrites_in_place():
    lines = ["r = *w_k + 1", "k = argmax"]
    looplab_docs.process_docstring(None, "module", "m", None, None, lines)
    assert lines[0] == "::" and "    r = *w_k + 1" in lines
    clean = ["A ``literal``."]
    looplab_docs.process_docstring(None, "module", "m", None, None, clean)
    assert clean == ["A ``literal``."]


def test_indented_formulas_become_a_literal_block_and_the_prose_stays_prose():
    text = ("Rule, per replicate (see ``arm_stats``):\n"
            "    UCB(k) = r_hat(k) + rad(k)\n"
            "    k_t = argmax_k UCB(k)\n"
            "Defaults: delta = 0.05.\n\n"
            "- a list item\n  continued under its bullet")
    out = looplab_docs.safe_rst(text)
    assert not out.startswith("::")  # only the formula block is literal
    assert "(see ``arm_stats``)::\n\n    UCB(k) = r_hat(k) + rad(k)\n" in out
    assert "argmax_k UCB(k)\n\nDefaults" in out
    assert "- a list item\n  continued under its bullet" in out
    assert looplab_docs.rst_problems(out) == []
