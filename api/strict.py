"""Request bodies decoded strictly: `"9"` is not an integer, and a 400 names the field."""

from __future__ import annotations

import re
from typing import TypeVar

import msgspec

from domain.shared.errors import Invalid

T = TypeVar("T")

# msgspec: "Expected `int`, got `str` - at `$.tokenCount`" (or `$.content[0].text`)
_AT = re.compile(r"^(?P<reason>.*?)(?: - at `\$\.?(?P<path>[^`]*)`)?$", re.DOTALL)
NO_NUL = "^[^\x00]*$"  # the only pattern our schemas use: PostgreSQL text refuses NUL


def decode(body: bytes, schema: type[T]) -> T:
    """Litestar converts bodies leniently (`"9"` → 9); the read models need the types the
    client meant, so the routes whose fields reach a column decode here instead."""
    try:
        return msgspec.json.decode(body or b"{}", type=schema, strict=True)
    except msgspec.ValidationError as error:
        raise Invalid(_reason(str(error))) from None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise Invalid("Invalid request data") from None


def _reason(message: str) -> str:
    match = _AT.match(message)
    reason, path = (match["reason"], match["path"]) if match else (message, None)
    if "matching regex" in reason:
        reason = "must not contain NUL characters"
    if not path:
        return reason
    return f"Invalid {path}: {reason}"
