"""The one base class for an algorithm's parameters.

Every policy, remedy, world config and loop config declares its parameters once, as fields
of a ``Params`` subclass in the algorithm's own file. Constructing it from Python validates
exactly as a scenario file does: ``OFS(delta=-3)`` raises a ``ValidationError`` naming
``delta``. Floats reject NaN and infinity (``allow_inf_nan=False``); a field where infinity
means something opts back in with ``Field(allow_inf_nan=True)`` and says so in its docstring.
A boolean is not a number: ``rounds = true`` is refused (pydantic's lax mode would read it
as 1), while ints are still accepted for float fields.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, create_model, model_validator
from pydantic_core import PydanticCustomError


@cache
def _numeric_not_bool(annotation: Any) -> bool:
    """True if ``annotation`` accepts int or float but not bool (nor Any)."""
    args: tuple[Any, ...]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _numeric_not_bool(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
    else:
        args = (annotation,)
    if bool in args or Any in args:
        return False
    return any(a in (int, float) for a in args)


class StrictNumbers(BaseModel):
    """A pydantic model whose numbers are finite and never booleans."""

    model_config = ConfigDict(allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_numbers(cls, data: Any) -> Any:
        # a model-level check: a per-field "*" validator would also wrap discriminator tags
        if isinstance(data, dict):
            for key, value in data.items():
                field = cls.model_fields.get(key) if isinstance(value, bool) else None
                # type forms are hashable; the stubs type the annotation as a TypeForm
                if field is not None and _numeric_not_bool(
                        field.annotation):  # type: ignore[arg-type]
                    raise PydanticCustomError(
                        "bool_number", "{field}: a boolean is not a number; give a number",
                        {"field": key},
                    )
        return data


class Params(StrictNumbers):
    """Validated, immutable parameters; unknown keys, NaN and infinity are errors."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, arbitrary_types_allowed=True
    )


@cache
def signature_params(fn: Callable[..., Any], skip: int) -> type[Params]:
    """A ``Params`` model of ``fn``'s keyword parameters after the first ``skip`` ones:
    their annotations (``Annotated[..., Field(...)]`` constraints included) and defaults.
    An algorithm written as a function declares its parameters once, in its signature, and
    a scenario file validates against them before any work. Built once per function."""
    hints = get_type_hints(fn, include_extras=True)
    fields: dict[str, Any] = {}
    for i, (name, p) in enumerate(inspect.signature(fn).parameters.items()):
        if i < skip or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        default = ... if p.default is inspect.Parameter.empty else p.default
        fields[name] = (hints.get(name, Any), default)
    name = "".join(w.capitalize() for w in fn.__name__.removeprefix("fit_").split("_"))
    return create_model(f"{name}Params", __base__=Params, **fields)  # type: ignore[call-overload,no-any-return]
