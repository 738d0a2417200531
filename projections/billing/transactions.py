"""The ledger's read models: `transactions` (LibreChat's Transaction documents, one row per
credit and per spend line), `ledger_entries` (one row per ledger entry, what moved the balance
and what was reserved, for auditors) and `daily_usage` (tokens and credits per user, UTC day
and model, for analysts). Every key starts with the owner's user id.

A spend's `amount` is what left the balance (the lines' token values, capped so the balance
never goes below zero); a transaction row keeps LibreChat's uncapped `token_value`. A deleted
user's rows are removed and a tombstone kept, so a rebuild does not bring them back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from domain.billing.events import (
    BalanceAdjusted,
    CreditsGranted,
    CreditsHeld,
    HoldReleased,
    SpendLine,
    SpendPosted,
)
from domain.identity.events import UserDeleted
from projections.billing.balances import CREDITS
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

ENTRY_EVENTS = (CreditsGranted, CreditsHeld, SpendPosted, HoldReleased, BalanceAdjusted)
KINDS: dict[type, str] = {
    CreditsGranted: "credit",
    CreditsHeld: "hold",
    SpendPosted: "spend",
    HoldReleased: "release",
    BalanceAdjusted: "adjust",
}
ID = sa.String(36)
TRANSFER = sa.String(300)
WHEN = sa.DateTime(timezone=True)


def _transactions(metadata: sa.MetaData, name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("user_id", ID, primary_key=True),
        sa.Column("transfer_id", TRANSFER, primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("conversation_id", ID),
        sa.Column("message_id", ID),
        sa.Column("token_type", sa.String(16), nullable=False),
        sa.Column("model", sa.String(256)),
        sa.Column("context", sa.String(64)),
        sa.Column("value_key", sa.String(256)),
        sa.Column("rate", sa.Float),
        sa.Column("raw_amount", CREDITS),
        sa.Column("token_value", CREDITS, nullable=False),
        sa.Column("input_tokens", sa.BigInteger),
        sa.Column("write_tokens", sa.BigInteger),
        sa.Column("read_tokens", sa.BigInteger),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Index(f"{name}_by_time", "user_id", "created_at"),
    )


def _entries(metadata: sa.MetaData, name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("user_id", ID, primary_key=True),
        sa.Column("transfer_id", TRANSFER, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", CREDITS, nullable=False),  # the balance's change
        sa.Column("held", CREDITS, nullable=False),  # credit reserved (+) or freed (-)
        sa.Column("hold_id", TRANSFER),
        sa.Column("context", sa.String(64)),
        sa.Column("model", sa.String(256)),
        sa.Column("conversation_id", ID),
        sa.Column("message_id", ID),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Index(f"{name}_by_time", "user_id", "recorded_at"),
    )


def _daily(metadata: sa.MetaData, name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("user_id", ID, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("model", sa.String(256), primary_key=True),  # '' when unknown
        sa.Column("turns", sa.BigInteger, nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger, nullable=False),
        sa.Column("completion_tokens", sa.BigInteger, nullable=False),
        sa.Column("cache_write_tokens", sa.BigInteger, nullable=False),
        sa.Column("cache_read_tokens", sa.BigInteger, nullable=False),
        sa.Column("token_value", CREDITS, nullable=False),  # LibreChat's priced value (< 0)
        sa.Column("credits_spent", CREDITS, nullable=False),  # what left the balance (> 0)
    )


class TransactionsProjection(Projection):
    name = "transactions"
    version = 1
    subscriptions = {"billing": ENTRY_EVENTS, "identity": (UserDeleted,)}

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> dict[str, sa.Table]:
        closed = sa.Table(
            name_for("transactions_closed"), metadata, sa.Column("user_id", ID, primary_key=True)
        )
        return {
            "transactions": _transactions(metadata, name_for("transactions")),
            "ledger_entries": _entries(metadata, name_for("ledger_entries")),
            "daily_usage": _daily(metadata, name_for("daily_usage")),
            "transactions_closed": closed,
        }

    def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
        if isinstance(event, UserDeleted):
            user = {"user_id": str(event.originator_id)}
            for name in ("transactions", "ledger_entries", "daily_usage"):
                rows.delete(tables[name], user)
            rows.upsert(tables["transactions_closed"], user, key=["user_id"], update=[])
            return
        if rows.get(tables["transactions_closed"], {"user_id": str(event.user_id)}) is not None:
            return
        self._entry(rows, tables["ledger_entries"], event)
        if isinstance(event, CreditsGranted | BalanceAdjusted):
            self._credit(rows, tables["transactions"], event)
        elif isinstance(event, SpendPosted):
            for number, line in enumerate(event.lines):
                self._line(rows, tables["transactions"], event, number, line)
            self._daily(rows, tables["daily_usage"], event)

    def _entry(self, rows: Rows, entries: sa.Table, event: Any) -> None:
        user_id = str(event.user_id)
        held, amount, hold_id = Decimal(0), Decimal(0), None
        if isinstance(event, CreditsHeld):
            held = event.amount
        elif isinstance(event, SpendPosted | HoldReleased):
            hold_id = event.hold_id
            if hold_id is not None and event.released is not None:
                held = -event.released
            elif hold_id is not None:  # recorded before events named what they released
                hold = rows.get(entries, {"user_id": user_id, "transfer_id": hold_id})
                held = -Decimal(hold["held"]) if hold is not None else Decimal(0)
        if isinstance(event, CreditsGranted | SpendPosted | BalanceAdjusted):
            amount = event.amount
        row = {
            "user_id": user_id,
            "transfer_id": event.transfer_id,
            "kind": KINDS[type(event)],
            "amount": amount,
            "held": held,
            "hold_id": hold_id,
            "context": getattr(event, "context", None) or getattr(event, "reason", None),
            "model": getattr(event, "model", None),
            "conversation_id": _id(getattr(event, "conversation_id", None)),
            "message_id": _id(getattr(event, "message_id", None)),
            "recorded_at": event.timestamp,
        }
        rows.upsert(entries, row, key=["user_id", "transfer_id"])

    def _credit(self, rows: Rows, transactions: sa.Table, event: Any) -> None:
        """LibreChat's `credits` Transaction; a set balance is the difference, context
        `adjust`."""
        context = event.context if isinstance(event, CreditsGranted) else "adjust"
        row = {
            **_key(event, 0),
            "token_type": "credits",
            "context": context,
            "raw_amount": event.amount,
            "token_value": event.amount,
            "created_at": event.timestamp,
        }
        rows.upsert(transactions, row, key=["user_id", "transfer_id", "line"])

    def _line(
        self, rows: Rows, transactions: sa.Table, event: SpendPosted, number: int, line: SpendLine
    ) -> None:
        row = {
            **_key(event, number),
            "conversation_id": _id(event.conversation_id),
            "message_id": _id(event.message_id),
            "token_type": line.token_type,
            "model": line.model,
            "context": line.context,
            "value_key": line.value_key,
            "rate": line.rate,
            "raw_amount": Decimal(line.raw_amount),
            "token_value": line.token_value,
            "input_tokens": line.input_tokens,
            "write_tokens": line.write_tokens,
            "read_tokens": line.read_tokens,
            "created_at": event.timestamp,
        }
        rows.upsert(transactions, row, key=["user_id", "transfer_id", "line"])

    def _daily(self, rows: Rows, daily: sa.Table, event: SpendPosted) -> None:
        model = next((line.model for line in event.lines if line.model), None) or ""
        key = {"user_id": str(event.user_id), "day": event.timestamp.date(), "model": model}
        rows.tally(daily, {**key, **_usage(event)}, key=list(key))


def _usage(event: SpendPosted) -> dict[str, Any]:
    prompt = [line for line in event.lines if line.token_type == "prompt"]
    completion = [line for line in event.lines if line.token_type == "completion"]
    return {
        "turns": 1,
        "prompt_tokens": sum(-line.raw_amount for line in prompt),
        "completion_tokens": sum(-line.raw_amount for line in completion),
        "cache_write_tokens": sum(-(line.write_tokens or 0) for line in prompt),
        "cache_read_tokens": sum(-(line.read_tokens or 0) for line in prompt),
        "token_value": sum((line.token_value for line in event.lines), Decimal(0)),
        "credits_spent": -event.amount,
    }


def _key(event: Any, line: int) -> dict[str, Any]:
    return {"user_id": str(event.user_id), "transfer_id": event.transfer_id, "line": line}


def _id(value: Any) -> str | None:
    return str(value) if value is not None else None


_TABLES = TransactionsProjection().views()
TRANSACTIONS = _TABLES["transactions"]
LEDGER_ENTRIES = _TABLES["ledger_entries"]
DAILY_USAGE = _TABLES["daily_usage"]


def entries_between(
    conn: sa.Connection, user_id: str, start: Any, end: Any, limit: int
) -> list[dict[str, Any]]:
    """One user's ledger entries recorded in [start, end], oldest first (None: unbounded)."""
    c = LEDGER_ENTRIES.c
    query = sa.select(LEDGER_ENTRIES).where(c.user_id == user_id)
    if start is not None:
        query = query.where(c.recorded_at >= start)
    if end is not None:
        query = query.where(c.recorded_at <= end)
    query = query.order_by(c.recorded_at, c.transfer_id).limit(limit)
    return [dict(row) for row in conn.execute(query).mappings()]


def sum_of_entries(conn: sa.Connection, user_id: str, end: Any) -> Decimal:
    """The balance as of `end` as SQL adds it up from the entries (the bench's baseline)."""
    c = LEDGER_ENTRIES.c
    query = sa.select(sa.func.coalesce(sa.func.sum(c.amount), 0)).where(
        c.user_id == user_id, c.recorded_at <= end
    )
    return Decimal(conn.execute(query).scalar_one())
