"""What a loop family is: one object that says how to build, run, summarize, tabulate, plot
and check the claims of its scenarios.

A family module (``looplab.families.lending`` and friends, or a third-party package that
registers through the ``looplab.families`` entry-point group) exports one ``Family``.
Policy (arm) classes are listed once, as a name -> class map; the scenario file's tagged
union over them, their ``looplab list`` descriptions and their construction are all
generated from that map, so adding a policy is one line in the family plus its own file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import reduce
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BaseModel, Field, create_model

from looplab.core.params import Params
from looplab.experiments.claims import Claim
from looplab.experiments.config import ScenarioBase

Summary = dict[str, dict[str, float]]
UNDECLARED = "it does not declare replicate_rows (its run may not accept a replicate range)"


@dataclass(frozen=True)
class Family:
    """How to run, summarize and plot one family of scenarios (one scenario ``kind``).

    ``summarize`` returns {arm: {metric: value}} with ``<stem>_mean/_ci_low/_ci_high``
    entries; ``table`` lists the (label, stem) pairs of the terminal table; ``panels`` the
    (metric, label, smooth) curves of the PNG plot; ``policies`` the arm classes a scenario
    may name (``type = "<name>"``); ``worlds`` one line per world; ``claims`` the family's
    paper claims as data (see ``looplab.experiments.claims``). ``checkpoint`` (optional)
    places a resumable family's checkpoint in the run folder. ``scenarios`` (optional) is a
    folder of built-in scenario TOML files the family ships (third-party families).
    ``memory_estimate`` (optional) is a coarse upper bound, in bytes, of the run's peak
    memory computed from the validated config alone, so an impossible size is refused
    before anything is allocated (``looplab.experiments.execute.check_memory``); without it
    the output table's size (``frame_bytes``) is used. ``figures`` (optional) draws the
    family's extra report figures from a run's long table and config: a list of (caption,
    PNG bytes), each shown under the panel curves.

    ``replicate_rows``: ``run`` accepts ``rows=`` (a ``core.streams.Rows``): any replicate
    range of a seed, or several seeds packed into one batch, with each replicate's results
    identical to running it in any other batch (``looplab.core.check.check_family_rows``
    verifies it). A family that cannot honour that says why in ``not_invariant``.
    """

    name: str
    description: str
    scenario: type[ScenarioBase]
    run: Callable[..., pd.DataFrame]  # (cfg, progress[, rows=]) -> long table
    summarize: Callable[[pd.DataFrame, Any], Summary]
    progress_total: Callable[[Any], int]
    table: tuple[tuple[str, str], ...]
    panels: tuple[tuple[str, str, bool], ...] = ()
    policies: Mapping[str, Any] = field(default_factory=dict)
    worlds: Mapping[str, str] = field(default_factory=dict)
    claims: tuple[Claim, ...] = ()
    checkpoint: Callable[[Any, Path], Any] | None = None
    scenarios: Traversable | Path | None = None
    memory_estimate: Callable[[Any], int] | None = None
    figures: Callable[[pd.DataFrame, Any], list[tuple[str, bytes]]] | None = None
    replicate_rows: bool = False
    not_invariant: str = ""

    def __post_init__(self) -> None:
        if self.replicate_rows and self.not_invariant:
            raise ValueError(f"family {self.name!r}: replicate_rows=True contradicts "
                             f"not_invariant={self.not_invariant!r}")
        if not self.replicate_rows and not self.not_invariant:  # e.g. a third-party family
            object.__setattr__(self, "not_invariant", UNDECLARED)

    def policy_descriptions(self) -> dict[str, str]:
        """name -> the arm's ``description`` attribute, else its docstring's first line."""
        return {
            name: (d if isinstance(d := getattr(obj, "description", None), str) else "")
            or first_line(obj)
            for name, obj in self.policies.items()
        }


def frame_bytes(rows: int, columns: int = 24) -> int:
    """Bytes of a long result table of ``rows`` x ``columns`` float64 values, times 3 for the
    copies made while it is assembled (concat, inserted columns) and written (Parquet)."""
    return int(rows) * int(columns) * 8 * 3


def first_line(obj: Any) -> str:
    """The first line of an object's docstring ('' if none)."""
    doc = (getattr(obj, "__doc__", None) or "").strip()
    return doc.splitlines()[0].strip() if doc else ""


def tagged(name: str, cls: type[BaseModel], supplied: tuple[str, ...] = ()) -> type[BaseModel]:
    """``cls`` with a ``type: Literal[name]`` tag, for a scenario file's tagged union.

    Without ``supplied`` the tagged class is a subclass, so it validates exactly as ``cls``
    does. ``supplied`` names fields the family fills in from the scenario (e.g. a retraining
    schedule set once for all arms): they are left out of the entry, so a scenario cannot
    set them per arm, and the family validates the whole object when it builds it.
    """
    if not supplied:
        return create_model(  # type: ignore[call-overload,no-any-return]
            f"{cls.__name__}Entry", __base__=cls, __module__=cls.__module__,
            # Literal[name] is a runtime-built type form, which mypy cannot check
            type=(Literal[name], name),  # type: ignore[valid-type,arg-type]
        )
    fields: dict[str, Any] = {
        k: (f.annotation, f) for k, f in cls.model_fields.items() if k not in supplied
    }
    return create_model(  # type: ignore[call-overload,no-any-return]
        f"{cls.__name__}Entry", __base__=Params, __module__=cls.__module__,
        __doc__=cls.__doc__,
        type=(Literal[name], name),  # type: ignore[valid-type,arg-type]  # runtime type form
        **fields,
    )


def entry_union(classes: Mapping[str, type[BaseModel]], supplied: tuple[str, ...] = ()) -> Any:
    """The discriminated union (on ``type``) of the tagged arm classes of ``classes``
    (``supplied``: fields the family fills in, see ``tagged``)."""
    tagged_classes = [tagged(n, c, supplied) for n, c in classes.items()]
    if len(tagged_classes) == 1:
        return tagged_classes[0]
    union = reduce(lambda a, b: a | b, tagged_classes)  # type: ignore[operator,arg-type,return-value]
    return Annotated[union, Field(discriminator="type")]


def entry_unions(*classes: Mapping[str, type[BaseModel]]) -> tuple[Any, ...]:
    """One ``entry_union`` per name -> class map, e.g. ``ArmEntry, WorldEntry =
    entry_unions(POLICIES, WORLDS)`` (built at run time: to mypy they are ``Any``, so a
    field annotated with one carries ``# type: ignore[valid-type]``)."""
    return tuple(entry_union(c) for c in classes)


def type_tag(entry: Any) -> str:
    """The ``type`` tag of a validated scenario entry (the unions are built at run time)."""
    return str(entry.type)


def params_of(entry: BaseModel) -> dict[str, Any]:
    """A validated scenario entry's parameters, without its ``type`` tag."""
    return {k: getattr(entry, k) for k in type(entry).model_fields if k != "type"}
