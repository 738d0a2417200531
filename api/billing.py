"""GET /api/balance: LibreChat's Balance document, from the balances read model."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get
from litestar.di import Provide

from api.conversations.presenters import iso
from api.deps import container_of, provide_user_id
from application.billing.config import BalanceSettings
from application.bootstrap import Container
from projections.billing.balances import balance_row


@get("/api/balance", dependencies={"user_id": Provide(provide_user_id)}, sync_to_thread=True)
def balance(request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
    """204 while balance is off (as LibreChat). An account not opened yet (registered while
    balance was off, or its opening failed) is opened now with the start balance, as
    LibreChat's `setBalanceConfig` creates the missing Balance document."""
    container = container_of(request)
    if not container.billing.enabled:
        return Response(None, status_code=204)
    row = _row(container, user_id)
    if row is None:  # no account yet: open it (idempotent), so the store is asked only then
        container.billing.open(user_id)
        row = _row(container, user_id)
    if row is None:
        return Response({"error": "Balance not found"}, status_code=404)
    return Response(_document(row, user_id, container.settings.balance))


def _row(container: Container, user_id: UUID) -> dict[str, Any] | None:
    container.consistency.wait(user_id, ["balances"])
    with container.reads.connect() as conn:
        return balance_row(conn, user_id)


def _document(row: dict[str, Any], user_id: UUID, settings: BalanceSettings) -> dict[str, Any]:
    """LibreChat's lean document minus `_id`; without auto-refill, without its four fields."""
    document: dict[str, Any] = {
        "user": str(user_id),
        "tokenCredits": _number(row["token_credits"]),
        "autoRefillEnabled": settings.auto_refill_enabled,
    }
    if settings.auto_refill_enabled:
        document |= {
            "refillIntervalValue": settings.refill_interval_value,
            "refillIntervalUnit": settings.refill_interval_unit,
            "lastRefill": iso(row["last_refill"]),
            "refillAmount": settings.refill_amount,
        }
    return document


def _number(value: Any) -> int | float:
    """A JSON number as Mongo's Number would give it: whole credits as an integer."""
    return int(value) if value == int(value) else float(value)


ROUTES = [balance]
