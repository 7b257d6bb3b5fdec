"""The tool list an agent reads first, kept lean: the same schemas without generator noise.

Published input and output schemas lose what pydantic adds for humans reading generated
docs: a ``title`` on every property and model; in input schemas ``maxLength`` and the ``""``
default of text arguments; in output schemas the model docstrings, the descriptions of nested
fields, defaults, string length bounds (the server's own guarantee, nothing a caller acts on),
``format: date-time`` (the instructions say every time is ISO 8601 with an offset),
``additionalProperties: false`` and ``required`` (answers leave a field out
only when it is null, so a field whose type excludes null is always there - the instructions
say so). Every type, enum, range, top-level description and shared ``$defs`` entry stays.
Validation still runs against the models themselves, so trimming what is published cannot
loosen it.
"""

from __future__ import annotations

from typing import Any

#: keys whose value is a mapping of names to schemas (not a schema itself)
_SCHEMA_MAPS = ("properties", "$defs", "patternProperties")
#: keys whose value is a schema or a list of schemas
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "anyOf", "oneOf", "allOf",
                  "prefixItems")


def lean_schema(schema: dict[str, Any], *, output: bool) -> dict[str, Any]:
    """A copy of ``schema`` without titles (and, for outputs, docstrings and defaults)."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" or output and (key in ("default", "required", "maxLength",
                                                 "minLength") or (
                key == "format" and value == "date-time") or (
                key == "additionalProperties" and value is False)):
            continue
        if key == "default" and value == "":  # "" is every text argument's "not set"
            continue
        if key == "maxLength" and not output:  # enforced on the server; noise to the agent
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _sub(sub, output, key == "$defs")
                        for name, sub in value.items()}
        elif key == "anyOf" and isinstance(value, list) and _plain_types(value):
            out.update(_merged(value))
        elif key in _SCHEMA_VALUES and isinstance(value, list):
            out[key] = [_sub(v, output) for v in value]
        elif key in _SCHEMA_VALUES and isinstance(value, dict):
            out[key] = _sub(value, output)
        else:
            out[key] = value
    return out


def _sub(value: Any, output: bool, is_def: bool = False) -> Any:
    if not isinstance(value, dict):
        return value
    lean = lean_schema(value, output=output)
    if output and is_def:
        lean.pop("description", None)  # a model's docstring: its fields say what matters
        for prop in lean.get("properties", {}).values():
            if isinstance(prop, dict):  # nested fields: the answer's top level explains them
                prop.pop("description", None)
    return lean


def _plain_types(options: list[Any]) -> bool:
    """anyOf members that differ only by type (``{"type": "string"}``, ``{"type": "null"}``)."""
    if not all(isinstance(o, dict) and isinstance(o.get("type"), str) for o in options):
        return False
    extras = [{k: v for k, v in o.items() if k != "type"} for o in options]
    typed = [e for e, o in zip(extras, options, strict=True) if o["type"] != "null"]
    return all(e == typed[0] for e in typed) and all(
        not e for e, o in zip(extras, options, strict=True) if o["type"] == "null")


def _merged(options: list[dict[str, Any]]) -> dict[str, Any]:
    """The same alternatives as one ``type`` list (JSON Schema allows a list of types)."""
    extra = next(({k: v for k, v in o.items() if k != "type"} for o in options
                  if o["type"] != "null"), {})
    return {"type": [o["type"] for o in options], **extra}
