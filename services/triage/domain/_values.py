"""Small input checks shared by the triage domain modules."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from services.triage.domain.errors import InvalidInput

E = TypeVar("E", bound=StrEnum)


def parse_enum(kind: type[E], value: object, field_name: str) -> E:
    """Turn a string (or member) into an enum member, or raise InvalidInput naming the field."""
    if isinstance(value, kind):
        return value
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidInput.on(field_name, f"{value!r} is not one of: {allowed}") from None
