"""LibreChat's `parsePagination` and `parseInt`: lenient, never an error."""

from __future__ import annotations

import re
from typing import Any

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
_LEADING_INT = re.compile(r"^\s*([+-]?\d+)")


def parse_int(raw: str | None) -> int | None:
    """JavaScript's parseInt: the leading digits, else None (NaN)."""
    match = _LEADING_INT.match(raw or "")
    return int(match.group(1)) if match else None


def pagination(request: Any) -> tuple[int, int]:
    limit = parse_int(request.query_params.get("limit"))
    offset = parse_int(request.query_params.get("offset"))
    return (
        min(max(DEFAULT_LIMIT if limit is None else limit, 1), MAX_LIMIT),
        max(offset or 0, 0),
    )
