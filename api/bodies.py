"""JSON a client sends is decoded here, once, within limits: valid UTF-8, bounded nesting.

msgspec stops at Python's recursion limit (about 1000 levels) with a RecursionError, and
rejects bad UTF-8 with a UnicodeDecodeError: neither is the client's 400 on its own. A body
that decodes but nests deeper than any LibreChat payload does (content parts, tool calls and
model parameters stay under ten levels) is refused too, because every later step (the event
mapper, the read models, the presenters) walks it again, some of them recursively. So is an
integer beyond 64 bits, or a NUL character in a string or key: a read model's column
(PostgreSQL text and jsonb refuse NUL) would refuse it, and stop there."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ClientException

MAX_JSON_DEPTH = 64
TOO_DEEP = f"JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels)"
NOT_UTF8 = "Request body is not valid UTF-8"
INT64 = (-(2**63), 2**63 - 1)
OUT_OF_RANGE = "out of range (a number in the request must fit 64 bits)"
NUL = "must not contain NUL characters"


class BodyRequest(Request[Any, Any, Any]):
    """Litestar's request, with every JSON body (whatever the route) decoded within limits."""

    async def json(self) -> Any:
        try:
            value = await super().json()
        except RecursionError:
            raise ClientException(TOO_DEEP) from None
        except UnicodeDecodeError:
            raise ClientException(NOT_UTF8) from None
        _check(value)
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
    _check(value)
    return value


def _check(value: Any) -> None:
    refusal = refusal_of(value)
    if refusal is not None:
        raise ClientException(refusal)


def refusal_of(value: Any, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why a decoded document is refused, or None: arrays/objects nested more than `limit`
    deep, an integer no 64-bit column holds (and no JavaScript client sends), a NUL character;
    the last two name where they are (`Invalid tag: …`). Iterative: it must not itself hit
    the recursion limit it guards against."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return _at(path, NUL)
            continue
        if isinstance(item, int) and not INT64[0] <= item <= INT64[1]:
            return _at(path, OUT_OF_RANGE)
        if not isinstance(item, (dict, list)):
            continue
        if depth > limit:
            return TOO_DEEP
        stack.extend((c, depth + 1, p) for p, c in _children(item, path))
    return None


def _children(item: dict[str, Any] | list[Any], path: str) -> list[tuple[str, Any]]:
    if isinstance(item, list):
        return [(f"{path}[{i}]", child) for i, child in enumerate(item)]
    named = [(f"{path}.{key}" if path else str(key), child) for key, child in item.items()]
    return [(p, key) for p, key in named if isinstance(key, str) and "\x00" in key] + named


def _at(path: str, reason: str) -> str:
    return f"Invalid {path}: {reason}" if path else reason
