"""Span and resource attributes as plain Python values, and typed reads of them."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from opentelemetry.proto.common.v1.common_pb2 import KeyValue

Scalar = str | bool | int | float


class BadAttribute(ValueError):
    """An attribute has a value of the wrong kind; the message names the attribute."""


def to_dict(pairs: Iterable[KeyValue]) -> dict[str, Scalar]:
    """Scalar attributes by key (arrays, maps and bytes carry nothing we map, so are left out)."""
    out: dict[str, Scalar] = {}
    for pair in pairs:
        value = pair.value
        kind = value.WhichOneof("value")
        if kind in _SCALAR_KINDS:
            out[pair.key] = getattr(value, kind)
    return out


_SCALAR_KINDS = frozenset({"string_value", "bool_value", "int_value", "double_value"})


class Attributes:
    """A span's attributes over its resource's: a key set on the span wins."""

    def __init__(self, span: dict[str, Scalar], resource: dict[str, Scalar]) -> None:
        self.span = span
        self.resource = resource

    def first(self, *keys: str, resource: bool = True) -> tuple[str, Scalar] | None:
        """The first of ``keys`` set on the span (then, with ``resource``, on the resource)."""
        for key in keys:
            if key in self.span:
                return key, self.span[key]
        if resource:
            for key in keys:
                if key in self.resource:
                    return key, self.resource[key]
        return None

    def text(self, *keys: str, resource: bool = True) -> str | None:
        found = self.first(*keys, resource=resource)
        if found is None:
            return None
        key, value = found
        if type(value) is str:
            return value.strip() or None
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadAttribute(f"{key} must be a string, got {value!r}")
        text = str(value).strip()
        return text or None

    def count(self, *keys: str) -> int | None:
        """A token count: an int (a string of digits and an integral double are accepted, as
        some instrumentations send them)."""
        found = self.first(*keys, resource=False)
        if found is None:
            return None
        key, value = found
        if isinstance(value, bool):
            raise BadAttribute(f"{key} must be an integer token count, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        raise BadAttribute(f"{key} must be an integer token count, got {value!r}")

    def flag(self, key: str) -> bool:
        found = self.first(key)
        if found is None:
            return False
        if not isinstance(found[1], bool):
            raise BadAttribute(f"{key} must be a boolean, got {found[1]!r}")
        return found[1]

    def decimal(self, key: str) -> Decimal | None:
        """An exact decimal: a string such as ``"0.123456"`` or an int; a double is read from
        its shortest repr (``0.1`` is 0.1, never 0.1000000000000000055...)."""
        found = self.first(key, resource=False)
        if found is None:
            return None
        value = found[1]
        if isinstance(value, bool):
            raise BadAttribute(f"{key} must be a decimal number, got {value!r}")
        try:
            return Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            raise BadAttribute(f"{key} must be a decimal number, got {value!r}") from None
