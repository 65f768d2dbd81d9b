"""Generate the pages of the looplab docs that list families, papers, claims and modules.

Everything here is read at build time from the code: the registry (``kinds()``,
``family(kind)``), each family's ``CLAIMS`` table, the scenario files and the module
docstrings, plus ``docs/papers.toml`` (which seed paper is reconstructed where). A family
merged later appears on the next build with no edit to the docs.

Docstrings are plain text with formulas; one that does not parse as clean reStructuredText
is shown as a literal block (``safe_rst``), so a new docstring can never break ``-W``.
"""

from __future__ import annotations

import io
import math
import os
import pkgutil
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent  # docs/
GENERATED_DIRS = ("papers", "api", "families")


# ---------------------------------------------------------------------------- docstrings
def rst_problems(text: str) -> list[str]:
    """Warnings docutils raises on ``text`` as a docstring body (section titles count:
    autodoc cannot nest them)."""
    from docutils import nodes
    from docutils.core import publish_doctree

    stream = io.StringIO()
    try:
        tree = publish_doctree(text, settings_overrides={
            "report_level": 2, "halt_level": 5, "warning_stream": stream,
            "file_insertion_enabled": False, "raw_enabled": False})
    except Exception as exc:  # pragma: no cover - docutils raised instead of reporting
        return [repr(exc)]
    problems = [line for line in stream.getvalue().splitlines() if line.strip()]
    if any(isinstance(n, nodes.section | nodes.transition | nodes.title)
           for n in tree.findall()):
        problems.append("section title or transition in a docstring")
    return problems


_BULLET = re.compile(r"^\s*([-*+]|\d+[.)]|#\.)\s")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def formulas_as_literal(lines: list[str]) -> list[str]:
    """Plain-text formulas are written as lines indented under a sentence (``Rule:`` then
    ``    x = ...``); reStructuredText would reflow them as a quotation. Introduce each such
    block with ``::`` (and the blank line rST needs) so it keeps its alignment. List-item
    continuations (indented under a bullet) and blocks already after ``::`` are left alone.
    """
    out: list[str] = []
    prev = ""  # previous non-blank line of the output
    in_literal_at: int | None = None  # indent of the line that opened a literal block
    for line in lines:
        if not line.strip():
            out.append(line)
            continue
        ind = _indent(line)
        if in_literal_at is not None and ind > in_literal_at:
            out.append(line)
            continue
        if in_literal_at is not None and out and out[-1].strip():
            out.append("")  # a literal block ends with a blank line
        in_literal_at = None
        if (prev and ind >= _indent(prev) + 4 and not _BULLET.match(prev)
                and not prev.rstrip().endswith("::") and not prev.lstrip().startswith(">>>")):
            i = max(k for k, ln in enumerate(out) if ln.strip())
            out[i] = out[i].rstrip() + (":" if out[i].rstrip().endswith(":") else " ::")
            out.insert(i + 1, "")
            in_literal_at = _indent(prev)
            out.append(line)
            continue
        if line.rstrip().endswith("::"):
            in_literal_at = ind
        out.append(line)
        prev = line
    return out


def as_literal(lines: list[str]) -> list[str]:
    """``lines`` as a literal block (kept verbatim, formulas and all)."""
    body = [("    " + ln) if ln.strip() else "" for ln in lines]
    return ["::", "", *body, ""]


def safe_rst(text: str) -> str:
    """``text`` if it is clean reStructuredText, else the same text as a literal block."""
    import inspect

    text = inspect.cleandoc(text or "")
    if not text:
        return ""
    shaped = "\n".join(formulas_as_literal(text.splitlines()))
    if not rst_problems(shaped):
        return shaped
    return "\n".join(as_literal(text.splitlines()))


def process_docstring(app: Any, what: str, name: str, obj: Any, options: Any,
                      lines: list[str]) -> None:
    """autodoc hook: indented formulas become literal blocks; a docstring that would still
    raise a warning is shown whole as a literal block."""
    if not lines:
        return
    shaped = formulas_as_literal(list(lines))
    lines[:] = shaped if not rst_problems("\n".join(shaped)) else as_literal(list(lines))


# ---------------------------------------------------------------------------- rst helpers
def title(text: str, ch: str = "=") -> str:
    return f"{text}\n{ch * len(text)}\n"


def esc(text: str) -> str:
    """Inline-safe text (no accidental markup)."""
    out = str(text).replace("\\", "\\\\")
    for c in "*`|_[]":
        out = out.replace(c, "\\" + c)
    return out.replace("\n", " ")


def indent(text: str, n: int = 3) -> str:
    return "\n".join((" " * n + ln) if ln.strip() else "" for ln in text.splitlines())


def list_table(header: list[str], rows: list[list[str]], widths: str = "auto") -> str:
    out = [".. list-table::", "   :header-rows: 1", f"   :widths: {widths}", ""]
    for row in [header, *rows]:
        for i, cell in enumerate(row):
            out.append(("   * - " if i == 0 else "     - ") + (cell or "\\-"))
    return "\n".join(out) + "\n"


def code_block(text: str, lang: str = "console") -> str:
    return f".. code-block:: {lang}\n\n{indent(text)}\n"


# ---------------------------------------------------------------------------- the data
@dataclass
class Paper:
    id: str
    title: str
    abstract: str = ""
    match: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    example: str = ""
    figure: dict[str, Any] = field(default_factory=dict)  # {scenario, set}: run at build
    claims: list[tuple[str, Any]] = field(default_factory=list)  # (kind, Claim)

    @property
    def status(self) -> str:
        if self.claims:
            return "claims checked"
        if self.scenarios or self.modules:
            return "implemented, no claims table"
        return "not implemented yet"


def load_papers() -> list[Paper]:
    data = tomllib.loads((HERE / "papers.toml").read_text())
    return [Paper(**p) for p in data["paper"]]


def registry_view() -> dict[str, Any]:
    """Families, their claims and scenarios, read from the registry."""
    from looplab.experiments.registry import family, kinds, load_raw, scenario_names

    fams = {k: family(k) for k in kinds()}
    scen: dict[str, dict[str, Any]] = {}
    for name in scenario_names():
        raw = load_raw(name)
        scen[name] = {"kind": raw.get("kind", ""), "description": raw.get("description", ""),
                      "claim": raw.get("claim", "")}
    return {"families": fams, "scenarios": scen}


RESULT_COLUMNS = ("family", "scenario", "claim", "seeds", "n_held", "rule", "mean", "ci_low",
                  "ci_high", "op", "margin", "verdict")


def results_path() -> Path:
    """``$LOOPLAB_CLAIMS_RESULTS`` or ``docs/claims_results.csv``."""
    return Path(os.environ.get("LOOPLAB_CLAIMS_RESULTS", HERE / "claims_results.csv"))


@dataclass
class Results:
    """The claims measured over seeds by ``scripts/claims_results.py``: ``rows`` maps
    (scenario, claim id) to its CSV row; ``meta`` is the sidecar JSON (per scenario: git
    revision, stream scheme, seeds, overrides, when). The docs build only reads them: a
    claim without a row is shown as not yet measured."""

    rows: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def measured_scenarios(self) -> dict[str, dict[str, Any]]:
        return self.meta.get("scenarios", {})

    def for_claim(self, kind: str, claim_id: str) -> dict[str, dict[str, Any]]:
        """{scenario: row} of one claim of family ``kind``."""
        return {s: r for (s, c), r in self.rows.items()
                if c == claim_id and r.get("family") == kind}


def claims_results(path: Path | None = None) -> Results:
    """Read the claims CSV (and its ``.json`` sidecar); empty when there is none."""
    import csv
    import json

    path = path or results_path()
    if not path.is_file():
        return Results()
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    missing = [c for c in RESULT_COLUMNS if rows and c not in rows[0]]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; regenerate it "
                         "with scripts/claims_results.py")
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    return Results({(r["scenario"], r["claim"]): r for r in rows}, meta)


def _num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def stale_reason(claim: Any, row: dict[str, Any]) -> str:
    """Why a measured row no longer matches the claim (its op, margin or rule changed), or
    '' when it still does."""
    changed = []
    if row.get("op") != claim.op:
        changed.append(f"op {row.get('op')} -> {claim.op}")
    if not math.isclose(_num(row.get("margin")), float(claim.margin), rel_tol=1e-9,
                        abs_tol=1e-12):
        changed.append(f"margin {row.get('margin')} -> {claim.margin:g}")
    if row.get("rule") != claim.rule:
        changed.append(f"rule {row.get('rule')} -> {claim.rule}")
    return "; ".join(changed)


NOT_MEASURED = "not yet measured"


def claim_rows(kind: str, claim: Any, scenarios: list[str],
               results: Results) -> list[tuple[str, dict[str, Any] | None]]:
    """(scenario, CSV row or None) for one claim: every measured row of it, plus each of
    ``scenarios`` not measured yet (None: shown as not yet measured). A scenario that was
    measured but has no row for the claim is left out (the claim reads arms or metrics that
    scenario does not have). A claim with no row at all gets one (``'-'``, None)."""
    measured = results.for_claim(kind, claim.id)
    out: list[tuple[str, dict[str, Any] | None]] = [(s, measured[s]) for s in sorted(measured)]
    out += [(s, None) for s in scenarios
            if s not in measured and s not in results.measured_scenarios]
    return out or [("-", None)]


def result_cells(claim: Any, row: dict[str, Any] | None) -> list[str]:
    """seeds held, pooled mean [95% CI], verdict: the cells of one measured row."""
    if row is None:
        return ["", "", f"*{NOT_MEASURED}*"]
    mean, lo, hi = _num(row["mean"]), _num(row["ci_low"]), _num(row["ci_high"])
    pooled = (f"{mean:+.4g} [{lo:+.4g}, {hi:+.4g}]" if math.isfinite(lo) and math.isfinite(hi)
              else f"{mean:+.4g}")
    verdict = row["verdict"] if row["verdict"] == "held" else f"**{row['verdict']}**"
    stale = stale_reason(claim, row)
    if stale:
        verdict += f" (stale: the claim changed since it was measured, {esc(stale)})"
    return [f"{row['n_held']}/{row['seeds']}", pooled, verdict]


def attach_claims(papers: list[Paper], fams: dict[str, Any]) -> list[tuple[str, Any]]:
    """Give each paper the claims whose source matches it; return the unmatched ones."""
    unmatched = []
    for kind, fam in fams.items():
        for claim in fam.claims:
            owners = [p for p in papers if any(m and m in claim.source for m in p.match)]
            for p in owners:
                p.claims.append((kind, claim))
            if not owners:
                unmatched.append((kind, claim))
    return unmatched


# ---------------------------------------------------------------------------- pages
RULES = {
    "most_seeds": "holds on at least 80% of at least {n} seeds",
    "pooled": "the 95% t-interval over at least {n} seeds lies on the passing side",
}


def claim_scenarios(paper: Paper, kind: str, scen: dict[str, Any]) -> list[str]:
    mine = [s for s in paper.scenarios if s in scen and scen[s]["kind"] == kind]
    return mine or sorted(s for s, v in scen.items() if v["kind"] == kind)


def op_text(op: str, margin: float) -> str:
    return f"\\|value\\| <= {margin:g}" if op == "abs<=" else f"value {op} {margin:g}"


def claim_block(kind: str, claim: Any, scenarios: list[str], results: Results) -> str:
    out = [f".. rubric:: ``{claim.id}``", "", esc(claim.statement), "",
           f"* **measured**: {esc(claim.measure.label)} (family ``{kind}``)",
           f"* **passes when**: {op_text(claim.op, claim.margin)}",
           f"* **pass rule**: ``{claim.rule}`` — "
           f"{RULES.get(claim.rule, claim.rule).format(n=claim.min_seeds)}",
           f"* **source**: {esc(claim.source)}", ""]
    rows = []
    for s, row in claim_rows(kind, claim, scenarios, results):
        recorded = ("reproduced" if claim.expected_to_hold(s) or s == "-"
                    else "**not reproduced**")
        rows.append([f"``{s}``" if s != "-" else "", recorded, *result_cells(claim, row)])
    out.append(list_table(["scenario", "recorded", "seeds held", "pooled mean [95% CI]",
                           "verdict over seeds"], rows, "22 14 10 30 24"))
    if claim.note:
        out += ["", f".. note:: {esc(claim.note)}", ""]
    return "\n".join(out) + "\n"


def provenance(scenarios: list[str], results: Results) -> str:
    """Which revision, stream scheme and date each measured scenario's rows come from."""
    items = []
    for s in scenarios:
        m = results.measured_scenarios.get(s)
        if not m:
            continue
        ov = ", ".join(f"{k}={v}" for k, v in m.get("overrides", {}).items()) or "as shipped"
        items.append(f"* ``{s}``: seeds {', '.join(map(str, m.get('seeds', [])))} ({ov}), "
                     f"revision ``{m.get('git_revision', '?')[:12]}``, stream scheme "
                     f"``{m.get('stream_scheme', '?')}``, generated {m.get('generated', '?')}")
    if not items:
        return ""
    return "\n".join(["Measured by ``scripts/claims_results.py`` (``looplab claims`` over "
                      "seeds):", "", *items, ""]) + "\n"


def module_doc(mod_name: str) -> str:
    import importlib

    try:
        mod = importlib.import_module(mod_name)
    except Exception as exc:  # a module of a family not on this build
        return f"*(module ``{mod_name}`` is not importable in this build: {esc(exc)})*\n"
    body = safe_rst(mod.__doc__ or "")
    return (f".. rubric:: From ``{mod_name}`` (:mod:`API <{mod_name}>`)\n\n"
            f"{body}\n")


def example_figure(example: str) -> str:
    img = f"/auto_examples/images/sphx_glr_{example}_001.png"
    if not (HERE / img.lstrip("/")).exists():
        return ""
    return (f".. figure:: {img}\n   :width: 100%\n\n"
            f"   From the gallery example :ref:`sphx_glr_auto_examples_{example}.py` "
            "(a small run, built with these docs).\n")


def _source_hash() -> str:
    import hashlib

    import looplab

    h = hashlib.sha256()
    for f in sorted(Path(looplab.__file__).parent.rglob("*")):
        if f.suffix in (".py", ".toml"):
            h.update(f.as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def scenario_figure(p: Paper, src_hash: str) -> str:
    """Run ``p.figure['scenario']`` at the small size of ``p.figure['set']`` and plot its
    family's panels into ``docs/papers/_fig/<id>.png`` (cached on the config and the
    looplab sources). Returns the figure directive, or '' if the scenario is not here."""
    import hashlib

    from looplab.experiments.registry import family, load_scenario, scenario_names
    from looplab.report.plots import plot_curves

    name, overrides = p.figure["scenario"], list(p.figure.get("set", []))
    if name not in scenario_names():
        return ""
    key = hashlib.sha256(repr((name, overrides, src_hash)).encode()).hexdigest()[:16]
    out = HERE / "papers" / "_fig" / f"{p.id}.png"
    stamp = out.with_suffix(".key")
    if not (out.exists() and stamp.exists() and stamp.read_text() == key):
        cfg = load_scenario(name, overrides)
        fam = family(cfg.kind)
        frame = fam.run(cfg, None)
        panels = [pn for pn in fam.panels
                  if pn[0] in frame.columns and frame[pn[0]].notna().any()][:3]
        out.parent.mkdir(parents=True, exist_ok=True)
        plot_curves(frame, panels, out, title=f"{name} ({', '.join(overrides)})")
        stamp.write_text(key)
    return (f".. figure:: /papers/_fig/{p.id}.png\n   :width: 100%\n\n"
            f"   ``{name}`` run while these docs were built, at a small size "
            f"(``{' '.join('--set ' + o for o in overrides)}``): mean and 95% band across "
            "replicates. The full-size run is the command above.\n")


def paper_page(p: Paper, view: dict[str, Any], results: Results,
               src_hash: str = "") -> str:
    scen = view["scenarios"]
    out = [f".. _paper-{p.id}:", "", title(p.title),
           f"**Status:** {p.status}", "", title("What the paper claims", "-"),
           f"*From the abstract:* {esc(p.abstract)}" if p.abstract else "", ""]
    scenarios = [s for s in p.scenarios if s in scen]
    out.append(title("How looplab reconstructs it", "-"))
    if p.modules:
        out.append("The algorithm files' docstrings state the paper's rule, where each default "
                   "comes from and where looplab departs from the paper:\n")
        out += [module_doc(m) for m in p.modules]
    elif scenarios:
        out.append("See the scenarios below and their family's API reference.\n")
    else:
        out.append("Not implemented yet: looplab has no scenario, module or claim for this "
                   "paper.\n")
    if scenarios:
        out.append(title("Scenarios", "-"))
        for s in scenarios:
            out += [f"``{s}`` (family ``{scen[s]['kind']}``): {esc(scen[s]['description'])}",
                    ""]
            if scen[s]["claim"]:
                out += [f"   *Claim in the scenario file:* {esc(scen[s]['claim'])}", ""]
        cmds = "\n".join(f"looplab run {shlex.quote(s)}" for s in scenarios)
        out.append(code_block(cmds))
        out.append("Each run writes ``results.parquet``, ``manifest.json`` and ``plot.png`` "
                   "(curves with 95% bands across replicates) into ``runs/``.\n")
    fig = example_figure(p.example) if p.example else ""
    if not fig and p.figure:
        fig = scenario_figure(p, src_hash)
    if fig:
        out += [title("Figure", "-"), fig]
    out.append(title("The claims as checked", "-"))
    if p.claims:
        out.append("Generated from the families' ``CLAIMS`` tables and "
                   "``docs/claims_results.csv`` (written by ``scripts/claims_results.py``, "
                   "never by hand). *Recorded* is the claims table's record: ``reproduced`` "
                   "unless the claim lists the scenario in ``not_reproduced`` (then its note "
                   "says what was measured). *Verdict over seeds* is the claim's pass rule "
                   "applied to one run per seed: ``held``, ``not reproduced`` (did not hold, "
                   "as recorded) or ``failed`` (did not hold although the table expects it "
                   "to); *seeds held* counts the seeds on which the value passed the margin, "
                   "and the pooled mean and 95% t-interval are over the per-seed values.\n")
        shown = sorted({s for kind, c in p.claims
                        for s, _ in claim_rows(kind, c, claim_scenarios(p, kind, scen),
                                               results)})
        out.append(provenance(shown, results))
        for kind, claim in p.claims:
            out.append(claim_block(kind, claim, claim_scenarios(p, kind, scen), results))
    else:
        out.append("No claims table for this paper in this build.\n")
    return "\n".join(out)


def measured_summary(pairs: list[tuple[str, Any, list[str]]], results: Results) -> str:
    """Counts of the verdicts over seeds of (kind, claim, scenarios) triples, e.g. ``5 held,
    1 not reproduced; 2 not yet measured``."""
    counts: dict[str, int] = {}
    for kind, claim, scenarios in pairs:
        for _, row in claim_rows(kind, claim, scenarios, results):
            key = NOT_MEASURED if row is None else (
                "stale" if stale_reason(claim, row) else row["verdict"])
            counts[key] = counts.get(key, 0) + 1
    order = ["held", "not reproduced", "failed", "stale", NOT_MEASURED]
    done = ", ".join(f"{counts[k]} {k}" for k in order[:4] if counts.get(k))
    todo = f"{counts[NOT_MEASURED]} {NOT_MEASURED}" if counts.get(NOT_MEASURED) else ""
    return "; ".join(x for x in (done, todo) if x)


def coverage_page(papers: list[Paper], unmatched: list[tuple[str, Any]],
                  view: dict[str, Any] | None = None, results: Results | None = None) -> str:
    scen = (view or {}).get("scenarios", {})
    results = results or Results()
    order = {"claims checked": 0, "implemented, no claims table": 1, "not implemented yet": 2}
    counts = {s: sum(p.status == s for p in papers) for s in order}
    out = [".. _papers:", "", title("Papers and coverage"),
           "Every seed paper of looplab, with where it is reconstructed. This page, and each "
           "paper's page, are generated at build time from ``docs/papers.toml`` and the "
           "families' claims tables.", "",
           ", ".join(f"**{n}** {s}" for s, n in counts.items()), ""]
    rows = []
    for p in sorted(papers, key=lambda p: (order[p.status], p.title.lower())):
        n_nr = sum(1 for _, c in p.claims if c.not_reproduced)
        claims = (f"{len(p.claims)} ({len(p.claims) - n_nr} reproduced, {n_nr} not "
                  "reproduced on some scenario)" if p.claims else "")
        measured = measured_summary([(k, c, claim_scenarios(p, k, scen)) for k, c in p.claims],
                                    results) if p.claims else ""
        rows.append([f":ref:`{esc(p.title)} <paper-{p.id}>`", p.status,
                     ", ".join(f"``{s}``" for s in p.scenarios) or "", claims, measured])
    out.append("*Over seeds* counts each (claim, scenario) by its verdict in "
               "``docs/claims_results.csv`` (``scripts/claims_results.py``: one run per seed, "
               "the claim's own pass rule); the paper pages show the numbers.\n")
    out.append(list_table(["paper", "status", "scenarios", "claims", "over seeds"], rows,
                          "34 13 20 18 15"))
    if unmatched:
        out += ["", title("Claims not tied to a seed paper", "-"),
                "Claims whose source matches no paper in ``papers.toml`` (looplab's own "
                "hypotheses, or a family added after the paper list was last edited).", ""]
        def mine(kind: str) -> list[str]:
            return sorted(s for s, v in scen.items() if v["kind"] == kind)

        out.append(list_table(["claim", "family", "source", "recorded", "over seeds"],
                              [[f"``{c.id}``", f"``{k}``", esc(c.source),
                                "not reproduced" if c.not_reproduced else "reproduced",
                                measured_summary([(k, c, mine(k))], results)]
                               for k, c in unmatched], "22 13 35 15 15"))
    out += ["", ".. toctree::", "   :hidden:", ""]
    out += [f"   {p.id}" for p in papers]
    return "\n".join(out) + "\n"


def families_page(view: dict[str, Any], papers: list[Paper]) -> str:
    out = [".. _families:", "", title("Loop families"),
           "One section per registered scenario ``kind`` (read from "
           "``looplab.experiments.registry`` at build time).", ""]
    for kind, fam in view["families"].items():
        out += [title(f"{kind}", "-"), esc(fam.description), ""]
        if fam.worlds:
            out += ["**Worlds**", ""]
            out += [f"* ``{w}``: {esc(d)}" for w, d in fam.worlds.items()] + [""]
        if fam.policies:
            out += ["**Arms** (``type = ...`` in a scenario file)", ""]
            out += [f"* ``{n}``: {esc(d)}" for n, d in fam.policy_descriptions().items()]
            out.append("")
        scen = [s for s, v in view["scenarios"].items() if v["kind"] == kind]
        if scen:
            out += ["**Scenarios**", ""]
            out += [f"* ``{s}``: {esc(view['scenarios'][s]['description'])}" for s in scen]
            out.append("")
        mine = [p for p in papers if any(k == kind for k, _ in p.claims)]
        if mine:
            out += ["**Papers**: " + ", ".join(f":ref:`{esc(p.title)} <paper-{p.id}>`"
                                               for p in mine), ""]
        out += [f"**Claims**: {len(fam.claims)} in its ``CLAIMS`` table.", ""]
    return "\n".join(out) + "\n"


def public_modules() -> list[str]:
    import looplab

    names = ["looplab"]
    for m in pkgutil.walk_packages(looplab.__path__, "looplab."):
        if not any(part.startswith("_") for part in m.name.split(".")):
            names.append(m.name)
    return sorted(names)


# modules left out of the API reference, with why (shown on the API index)
EXCLUDED: dict[str, str] = {}


def api_pages() -> dict[str, str]:
    mods = [m for m in public_modules() if m not in EXCLUDED]
    groups: dict[str, list[str]] = {}
    for m in mods:
        parts = m.split(".")
        groups.setdefault(".".join(parts[:2]), []).append(m)
    pages = {}
    for top, members in groups.items():
        out = [title(f"``{top}``")]
        for m in members:
            if m != top:
                out.append(title(f"``{m}``", "-"))
            out += [f".. automodule:: {m}", "   :members:", "   :show-inheritance:", ""]
        pages[top] = "\n".join(out)
    index = [".. _api:", "", title("API reference"),
             "Every public module of looplab, from its docstrings. Formulas are written as "
             "plain text in the docstrings and shown verbatim.", "",
             ".. toctree::", "   :maxdepth: 1", ""]
    index += [f"   {top}" for top in groups]
    if EXCLUDED:
        index += ["", "Left out:", ""] + [f"* ``{m}``: {why}" for m, why in EXCLUDED.items()]
    pages["index"] = "\n".join(index) + "\n"
    return pages


def write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def generate(app: Any = None) -> None:
    """Write docs/papers/*.rst, docs/families/index.rst and docs/api/*.rst."""
    papers = load_papers()
    view = registry_view()
    unmatched = attach_claims(papers, view["families"])
    for p in papers:  # a paper's scenarios count once their family is on this build
        p.scenarios = [s for s in p.scenarios if s in view["scenarios"]]
    results = claims_results()
    out = HERE / "papers"
    src_hash = _source_hash()
    for p in papers:
        write_if_changed(out / f"{p.id}.rst", paper_page(p, view, results, src_hash))
    write_if_changed(out / "index.rst", coverage_page(papers, unmatched, view, results))
    write_if_changed(HERE / "families" / "index.rst", families_page(view, papers))
    for name, text in api_pages().items():
        write_if_changed(HERE / "api" / f"{name}.rst", text)


def skip_namedtuple_new(app: Any, what: str, name: str, obj: Any, skip: bool,
                        options: Any) -> bool | None:
    """Skip the generated ``__new__`` of a ``typing.NamedTuple`` (its module is the synthetic
    ``namedtuple_<Name>``, which sphinx-autodoc-typehints cannot look up; its fields are
    documented as the class's attributes)."""
    if name == "__new__" and str(getattr(obj, "__module__", "")).startswith("namedtuple_"):
        return True
    return None


def setup(app: Any) -> dict[str, Any]:
    # after sphinx-gallery (priority 500) so the example figures exist for the paper pages
    app.connect("builder-inited", generate, priority=900)
    app.connect("autodoc-process-docstring", process_docstring, priority=100)
    app.connect("autodoc-skip-member", skip_namedtuple_new)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
