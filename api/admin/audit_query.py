"""The audit log's query string, checked as LibreChat's `parseFilters` checks it (same
messages); an unknown action is refused against Chronicle's actions (entries.py)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Collection
from datetime import UTC, datetime, time

from application.admin.audit import Filters
from application.admin.entries import ACTION_NAMES, ACTOR_TYPES, CATEGORIES, OUTCOMES, SEVERITIES
from domain.shared.errors import Invalid

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Query = dict[str, list[str]]


def filters(query: Query) -> Filters:
    start = _date(_one(query, "from"), "from", end=False)
    end = _date(_one(query, "to"), "to", end=True)
    if start and end and start > end:
        raise Invalid("`from` must be earlier than `to`")
    return Filters(
        search=_text(query, "search", 200),
        category=_enum_list(query, "category", CATEGORIES),
        action=_enum_list(query, "action", ACTION_NAMES),
        outcome=_enum_list(query, "outcome", OUTCOMES),
        severity=_enum_list(query, "severity", SEVERITIES),
        actor_type=_enum(query, "actorType", ACTOR_TYPES),
        actor_query=_text(query, "actorQuery", 128),
        target_type=_text(query, "targetType", 128),
        target_query=_text(query, "targetQuery", 128),
        capability=_text(query, "capability", 256),
        start=start,
        end=end,
    )


def page(query: Query) -> tuple[int, int]:
    """(limit, start position): `cursor` (a `nextCursor` answered before) wins over `offset`."""
    limit = _int(query, "limit", 1, MAX_LIMIT)
    offset = _int(query, "offset", 0)
    cursor = _int(query, "cursor", 1)
    start = cursor if cursor is not None else (offset or 0)
    return limit or DEFAULT_LIMIT, start


def _one(query: Query, key: str) -> str | None:
    values = query.get(key) or []
    return values[0] if values else None


def _text(query: Query, key: str, max_length: int) -> str | None:
    value = _one(query, key)
    trimmed = value.strip() if value else ""
    return trimmed[:max_length] or None


def _enum_list(query: Query, key: str, valid: Collection[str]) -> frozenset[str]:
    values = [v for v in query.get(key) or [] if v != ""]
    unknown = next((v for v in values if v not in valid), None)
    if unknown is not None:
        raise Invalid(f"Unknown {key}: {unknown}")
    return frozenset(values)


def _enum(query: Query, key: str, valid: Collection[str]) -> str | None:
    value = _one(query, key)
    if not value:
        return None
    if value not in valid:
        raise Invalid(f"Unknown {key}: {value}")
    return value


def _int(query: Query, key: str, low: int, high: int | None = None) -> int | None:
    raw = _one(query, key)
    if raw is None or raw == "":
        return None
    match = re.match(r"^\s*[+-]?\d+", raw)  # parseInt: the leading digits
    if match is None:
        raise Invalid(f"{key} must be a number")
    number = int(match.group())
    if number < low:
        raise Invalid(f"{key} must be >= {low}")
    if high is not None and number > high:
        raise Invalid(f"{key} must be <= {high}")
    return number


def _date(raw: str | None, label: str, end: bool) -> datetime | None:
    if raw is None or raw == "":
        return None
    if not _ISO.match(raw):
        raise Invalid(f"{label}: Date must be ISO 8601")
    year, month, day = (int(p) for p in raw[:10].split("-"))
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise Invalid(f"{label}: Invalid date")
    if _DATE_ONLY.match(raw):
        at = time(23, 59, 59, 999000) if end else time()
        return datetime.combine(datetime(year, month, day).date(), at, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"{label}: Invalid date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
