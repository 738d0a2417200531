"""BalanceView: one row per ledger account, LibreChat's Balance document as a table.

The refill settings are not stored: LibreChat's `setBalanceConfig` overwrites them on every
request with the configured ones, so they are served from the settings. A deleted user's row
is removed and a tombstone kept, so that a rebuild reading the billing events after the
identity events does not bring the row back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.billing.events import (
    AccountOpened,
    BalanceAdjusted,
    CreditsGranted,
    SpendPosted,
)
from domain.identity.events import UserDeleted
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

# exact to 1e-10 credit, enough for any rate times token count LibreChat computes
CREDITS = sa.Numeric(38, 10)
MOVES = (CreditsGranted, SpendPosted, BalanceAdjusted)


class BalanceProjection(Projection):
    name = "balances"
    version = 1
    subscriptions = {
        "billing": (AccountOpened, *MOVES),
        "identity": (UserDeleted,),
    }

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> dict[str, sa.Table]:
        balances = sa.Table(
            name_for("balances"),
            metadata,
            sa.Column("user_id", sa.String(36), primary_key=True),
            sa.Column("token_credits", CREDITS, nullable=False),
            sa.Column("last_refill", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )
        closed = sa.Table(
            name_for("balances_closed"),
            metadata,
            sa.Column("user_id", sa.String(36), primary_key=True),
        )
        return {"balances": balances, "balances_closed": closed}

    def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
        balances, closed = tables["balances"], tables["balances_closed"]
        deleted = isinstance(event, UserDeleted)
        user = {"user_id": str(event.originator_id if deleted else event.user_id)}
        if deleted:
            rows.delete(balances, user)
            rows.upsert(closed, user, key=["user_id"], update=[])
        elif rows.get(closed, user) is not None:
            return
        elif isinstance(event, AccountOpened):
            row = {"token_credits": Decimal(0), "last_refill": event.timestamp}
            rows.upsert(balances, {**user, **row, "updated_at": event.timestamp}, key=["user_id"])
        else:
            self._move(rows, balances, user, event)

    def _move(self, rows: Rows, balances: sa.Table, user: dict[str, str], event: Any) -> None:
        """Added in SQL, not read and written back: a batch of moves is one statement (an
        account's first event opens it, so its row exists)."""
        values: dict[str, Any] = {"updated_at": event.timestamp}
        add: dict[str, Decimal] = {}
        if isinstance(event, BalanceAdjusted):
            values["token_credits"] = event.balance
        else:
            add["token_credits"] = event.amount
        if isinstance(event, CreditsGranted) and event.context == "autoRefill":
            values["last_refill"] = event.timestamp
        rows.update(balances, user, values, add=add)


_TABLES = BalanceProjection().views()
BALANCES = _TABLES["balances"]


def balance_row(conn: sa.Connection, user_id: UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.select(BALANCES).where(BALANCES.c.user_id == str(user_id))).first()
    return dict(row._mapping) if row is not None else None


def list_balances(conn: sa.Connection) -> dict[str, Decimal]:
    rows = conn.execute(sa.select(BALANCES.c.user_id, BALANCES.c.token_credits))
    return {r.user_id: Decimal(r.token_credits) for r in rows}


def closed_accounts(conn: sa.Connection) -> set[str]:
    """Users deleted: their balance row is gone by design."""
    closed = _TABLES["balances_closed"]
    return {row.user_id for row in conn.execute(sa.select(closed.c.user_id))}
