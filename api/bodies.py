"""JSON a client sends is decoded here, once, within limits: valid UTF-8, bounded nesting.

msgspec stops at Python's recursion limit (about 1000 levels) with a RecursionError, and
rejects bad UTF-8 with a UnicodeDecodeError: neither is the client's 400 on its own. A body
that decodes but nests deeper than any LibreChat payload does (content parts, tool calls and
model parameters stay under ten levels) is refused too, because every later step (the event
mapper, the read models, the presenters) walks it again, some of them recursively."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ClientException

MAX_JSON_DEPTH = 64
TOO_DEEP = f"JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels)"
NOT_UTF8 = "Request body is not valid UTF-8"


class BodyRequest(Request[Any, Any, Any]):
    """Litestar's request, with every JSON body (whatever the route) decoded within limits."""

    async def json(self) -> Any:
        try:
            value = await super().json()
        except RecursionError:
            raise ClientException(TOO_DEEP) from None
        except UnicodeDecodeError:
            raise ClientException(NOT_UTF8) from None
        if nesting_exceeds(value, MAX_JSON_DEPTH):
            raise ClientException(TOO_DEEP)
        return value


def decode_json(raw: bytes, invalid: str) -> Any:
    """A JSON document from a file or a form field; `invalid` is the message for bad JSON.
    msgspec rather than the standard library: it also refuses lone surrogates (`"\\ud800"`),
    which no database or encoder downstream would accept."""
    try:
        value = msgspec.json.decode(raw)
    except RecursionError:
        raise ClientException(TOO_DEEP) from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise ClientException(invalid) from None
    if nesting_exceeds(value, MAX_JSON_DEPTH):
        raise ClientException(TOO_DEEP)
    return value


def nesting_exceeds(value: Any, limit: int) -> bool:
    """True when arrays/objects nest more than `limit` deep. Iterative: it must not itself
    hit the recursion limit it guards against."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False
