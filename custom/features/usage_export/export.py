"""Per-user usage for a period, from the public `daily_usage` read model (docs/analytics.md),
as CSV or JSON lines. Reads only the stable view: no other table, no event."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from projections.billing.transactions import DAILY_USAGE

COLUMNS = (
    "user_id",
    "day",
    "model",
    "turns",
    "prompt_tokens",
    "completion_tokens",
    "cache_write_tokens",
    "cache_read_tokens",
    "token_value",
    "credits_spent",
)
FORMATS = ("csv", "jsonl")
MAX_DAYS = 366


class ExportError(ValueError):
    """A bad period or format; the message says which."""


def period(start: str | None, end: str | None) -> tuple[date, date]:
    try:
        first = date.fromisoformat(start or "")
        last = date.fromisoformat(end or "")
    except ValueError:
        raise ExportError("start and end: dates as YYYY-MM-DD") from None
    if last < first:
        raise ExportError("end: before start")
    if (last - first).days >= MAX_DAYS:
        raise ExportError(f"the period spans more than {MAX_DAYS} days")
    return first, last


def rows(
    conn: sa.Connection, first: date, last: date, user_id: UUID | None = None
) -> list[dict[str, Any]]:
    """One row per user, day and model in [first, last]; one user's, or everyone's."""
    c = DAILY_USAGE.c
    query = sa.select(*(c[name] for name in COLUMNS)).where(c.day >= first, c.day <= last)
    if user_id is not None:
        query = query.where(c.user_id == str(user_id))
    query = query.order_by(c.user_id, c.day, c.model)
    return [_plain(dict(row._mapping)) for row in conn.execute(query)]


def render(found: Iterable[dict[str, Any]], fmt: str) -> Iterator[str]:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in found:
            writer.writerow(row)
        yield buffer.getvalue()
    elif fmt == "jsonl":
        for row in found:
            yield json.dumps(row) + "\n"
    else:
        raise ExportError(f"format: one of {', '.join(FORMATS)}")


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Dates as ISO, credits as exact decimal strings, tokens as integers."""
    row["day"] = row["day"].isoformat() if isinstance(row["day"], date) else str(row["day"])
    for name in ("token_value", "credits_spent"):
        row[name] = _decimal(row[name])
    for name in COLUMNS[3:8]:
        row[name] = int(row[name] or 0)
    return row


def _decimal(value: Any) -> str:
    number = Decimal(str(value)).normalize()
    return format(number, "f")
