"""The alerts read model: each ledger account's balance against the threshold, and one alert
each time a balance falls from at or above the threshold to below it.

A projection of its own (the engine tracks it: exactly once, in order, rebuildable). An
alert's id is `<user>:<account version>`, stable across rebuilds: it is the idempotency key
of its delivery. Changing the threshold takes a rebuild (`chronicle projections rebuild
low_balance_alerts`) to apply to the past."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.billing.events import AccountOpened, BalanceAdjusted, CreditsGranted, SpendPosted
from domain.identity.events import UserDeleted
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

CREDITS = sa.Numeric(38, 10)
WHEN = sa.DateTime(timezone=True)
NAME = "low_balance_alerts"


class LowBalanceProjection(Projection):
    name = NAME
    version = 1
    subscriptions = {
        "billing": (AccountOpened, CreditsGranted, SpendPosted, BalanceAdjusted),
        "identity": (UserDeleted,),
    }

    def __init__(self, threshold: Decimal) -> None:
        self.threshold = threshold

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> dict[str, sa.Table]:
        accounts = sa.Table(
            name_for("low_balance_accounts"),
            metadata,
            sa.Column("user_id", sa.String(36), primary_key=True),
            sa.Column("credits", CREDITS, nullable=False),
            sa.Column("below", sa.Boolean, nullable=False),
        )
        alerts = sa.Table(
            name_for("low_balance_alerts"),
            metadata,
            sa.Column("alert_id", sa.String(64), primary_key=True),
            sa.Column("user_id", sa.String(36), nullable=False, index=True),
            sa.Column("balance", CREDITS, nullable=False),
            sa.Column("threshold", CREDITS, nullable=False),
            sa.Column("crossed_at", WHEN, nullable=False),
        )
        closed = sa.Table(
            name_for("low_balance_closed"),
            metadata,
            sa.Column("user_id", sa.String(36), primary_key=True),
        )
        return {"low_balance_accounts": accounts, "low_balance_alerts": alerts, "closed": closed}

    def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
        accounts, alerts, closed = (
            tables[n] for n in ("low_balance_accounts", "low_balance_alerts", "closed")
        )
        if isinstance(event, UserDeleted):
            user = {"user_id": str(event.originator_id)}
            rows.delete(accounts, user)
            rows.delete(alerts, user)
            rows.upsert(closed, user, key=["user_id"], update=[])
            return
        user = {"user_id": str(event.user_id)}
        if rows.get(closed, user) is not None:
            return
        if isinstance(event, AccountOpened):
            opened = {**user, "credits": Decimal(0), "below": Decimal(0) < self.threshold}
            rows.upsert(accounts, opened, key=["user_id"])
            return
        current = rows.get(accounts, user)
        if current is None:  # never: an account's first event opens it
            return
        credits = (
            event.balance
            if isinstance(event, BalanceAdjusted)
            else Decimal(current["credits"]) + event.amount
        )
        below = credits < self.threshold
        rows.update(accounts, user, {"credits": credits, "below": below})
        if below and not current["below"]:
            rows.insert(
                alerts,
                {
                    "alert_id": f"{event.user_id}:{event.originator_version}",
                    **user,
                    "balance": credits,
                    "threshold": self.threshold,
                    "crossed_at": event.timestamp,
                },
            )


VIEWS = LowBalanceProjection(Decimal(0)).views()
ALERTS = VIEWS["low_balance_alerts"]


def alerts_of(conn: sa.Connection, user_id: UUID, limit: int = 100) -> list[dict[str, Any]]:
    query = (
        sa.select(ALERTS)
        .where(ALERTS.c.user_id == str(user_id))
        .order_by(ALERTS.c.crossed_at.desc(), ALERTS.c.alert_id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(query)]
