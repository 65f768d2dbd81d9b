"""The one base class for an algorithm's parameters.

Every policy, remedy, world config and loop config declares its parameters once, as fields
of a ``Params`` subclass in the algorithm's own file. Constructing it from Python validates
exactly as a scenario file does: ``OFS(delta=-3)`` raises a ``ValidationError`` naming
``delta``. Floats reject NaN and infinity (``allow_inf_nan=False``); a field where infinity
means something opts back in with ``Field(allow_inf_nan=True)`` and says so in its docstring.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Params(BaseModel):
    """Validated, immutable parameters; unknown keys, NaN and infinity are errors."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, arbitrary_types_allowed=True
    )
