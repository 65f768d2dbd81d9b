"""Scenario configs: TOML files validated by pydantic, with ``--set key=value`` overrides.

Every error is a ``ConfigError`` whose message is one line naming the key and what is
allowed.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from looplab.core.params import StrictNumbers


class ConfigError(ValueError):
    """A scenario, key or value the user gave is not allowed; the message says why."""


# Upper bounds on counts, checked before any seed is spawned or array allocated: far above
# every shipped scenario (largest: 10^4 rounds, 64 replicates), far below what would make
# numpy's int64/C-long arithmetic overflow. The memory estimate (``execute.check_memory``)
# refuses sizes below these bounds that still would not fit.
MAX_ROUNDS = 100_000_000
MAX_REPLICATES = 100_000
MAX_SEED = 2**32 - 1
MAX_NAME = 100
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def check_slug(value: str, what: str = "name") -> str:
    """``value`` if it is a safe folder name (letters, digits, ``_ . -``; not starting with
    a dot or dash, no ``..``), else ValueError: names become folder names, never paths."""
    if not isinstance(value, str) or not SLUG.fullmatch(value) or ".." in value \
            or len(value) > MAX_NAME:
        raise ValueError(
            f"{what} {value!r} must be 1-{MAX_NAME} letters, digits, '_', '.' or '-' "
            "(starting with a letter or digit, no '..'): it names the output folder"
        )
    return value


class ScenarioBase(StrictNumbers):
    """Fields every scenario has, whatever its family. Numbers are finite and never
    booleans (``StrictNumbers``); ``name`` is a safe slug."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str
    kind: str
    description: str = ""
    claim: str = ""
    rounds: int = Field(1000, gt=0, le=MAX_ROUNDS)
    replicates: int = Field(8, gt=0, le=MAX_REPLICATES)
    seed: int = Field(0, ge=0, le=MAX_SEED)

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        return check_slug(v, "name")


def parse_value(text: str) -> Any:
    """A ``--set`` value as TOML (numbers, booleans, strings, lists), else a bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``a.b.c=value`` overrides to a raw config dict (a new dict is returned)."""
    out = copy.deepcopy(raw)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set expects key=value, got {item!r}")
        key, _, value = item.partition("=")
        key = key.strip()
        if not key:
            raise ConfigError(f"--set expects key=value, got {item!r}")
        node = out
        parts = key.split(".")
        for p in parts[:-1]:
            nxt = node.get(p)
            if nxt is None:
                nxt = node[p] = {}
            if not isinstance(nxt, dict):
                raise ConfigError(f"--set {key}: {p!r} is a value, not a section")
            node = nxt
        node[parts[-1]] = parse_value(value.strip())
    return out


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...], raw: Any) -> list[str] | None:
    """Allowed field names of the model section that ``loc`` points into."""
    cur: Any = model
    node = raw
    for part in loc:
        if isinstance(cur, type) and issubclass(cur, BaseModel):
            if part not in cur.model_fields:
                return sorted(cur.model_fields)
            cur = cur.model_fields[part].annotation
            node = node.get(part, {}) if isinstance(node, dict) else {}
            cur = _resolve(cur, node)
        elif isinstance(node, dict):  # a dict[str, Model] section: part is a user key
            node = node.get(part, {})
            cur = _resolve(getattr(cur, "__args__", (None, None))[-1], node)
        else:
            return None
    if isinstance(cur, type) and issubclass(cur, BaseModel):
        return sorted(cur.model_fields)
    return None


def _resolve(annotation: Any, node: Any) -> Any:
    """Pick the member of a tagged union that ``node`` (a raw dict with ``type``) selects."""
    args = getattr(annotation, "__args__", None)
    if not args:
        return annotation
    models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
    if models and isinstance(node, dict) and "type" in node:
        for m in models:
            f = m.model_fields.get("type")
            if f is not None and node["type"] in getattr(f.annotation, "__args__", ()):
                return m
    return annotation if not models else (models[0] if len(models) == 1 else annotation)


def validate(model: type[BaseModel], raw: dict[str, Any]) -> BaseModel:
    """Validate ``raw`` against ``model``; the first problem becomes a one-line ConfigError."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function")))
        if err["type"] == "bool_number":  # raised for the model: point at the field
            field = (err.get("ctx") or {}).get("field", "")
            key = ".".join(str(p) for p in (*loc, field))
            raise ConfigError(f"invalid {key}: a boolean is not a number; give a number") \
                from None
        key = ".".join(str(p) for p in loc) or "config"
        if err["type"] == "extra_forbidden":
            allowed = _fields_at(model, loc[:-1], raw)
            hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
            raise ConfigError(f"unknown key {key!r}{hint}") from None
        if err["type"] in ("union_tag_invalid", "literal_error"):
            raise ConfigError(f"invalid {key}: {err['msg']}") from None
        got = err.get("input")
        msg = err["msg"].removeprefix("Value error, ")
        shown = "" if isinstance(got, dict) or repr(got) in msg else f" (got {got!r})"[:200]
        raise ConfigError(f"invalid {key}: {msg}{shown}") from None


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict; a malformed file is a ConfigError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read {path}: not UTF-8 text (byte {exc.start}); save it "
                          "as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read {path}: invalid TOML ({exc})") from None
