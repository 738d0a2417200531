"""Request bodies decoded strictly: `"9"` is not an integer, and a 400 names the field."""

from __future__ import annotations

import re
from typing import TypeVar

import msgspec

from api.bodies import NOT_UTF8, TOO_DEEP, refusal_of
from domain.shared.errors import Invalid

T = TypeVar("T")

# msgspec: "Expected `int`, got `str` - at `$.tokenCount`" (or `$.content[0].text`)
_AT = re.compile(r"^(?P<reason>.*?)(?: - at `\$\.?(?P<path>[^`]*)`)?$", re.DOTALL)
NO_NUL = "^[^\x00]*$"  # the only pattern our schemas use: PostgreSQL text refuses NUL


def decode(body: bytes, schema: type[T]) -> T:
    """Litestar converts bodies leniently (`"9"` → 9); the read models need the types the
    client meant, so the routes whose fields reach a column decode here instead. The schema
    names the field it refuses; then the limits every body has (api/bodies.py) apply to the
    rest, unused keys included."""
    try:
        raw = msgspec.json.decode(body or b"{}")
    except RecursionError:
        raise Invalid(TOO_DEEP) from None
    except UnicodeDecodeError:
        raise Invalid(NOT_UTF8) from None
    except msgspec.DecodeError:
        raise Invalid("Invalid request data") from None
    try:
        value = msgspec.convert(raw, type=schema, strict=True)
    except msgspec.ValidationError as error:
        raise Invalid(_reason(str(error))) from None
    refusal = refusal_of(raw)
    if refusal is not None:
        raise Invalid(refusal)
    return value


def _reason(message: str) -> str:
    match = _AT.match(message)
    reason, path = (match["reason"], match["path"]) if match else (message, None)
    if "matching regex" in reason:
        reason = "must not contain NUL characters"
    if not path:
        return reason
    return f"Invalid {path}: {reason}"
