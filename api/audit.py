"""The auditors' routes (ADMIN only): an account's balance at a moment, recomputed from its
events, and its ledger entries over a period, from the `ledger_entries` read model (which
may lag the events by the projection's delay). Chronicle's own routes: LibreChat has none."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Request, Response, get
from litestar.di import Provide

from api.conversations.presenters import iso
from api.deps import container_of, provide_user_id
from application.billing.audit import Audit
from domain.identity.rules import ADMIN
from domain.shared.errors import NotFound
from projections.billing.transactions import entries_between

MAX_ENTRIES = 10_000
DEPENDENCIES = {"admin_id": Provide(provide_user_id)}


@get(
    "/api/audit/accounts/{user_id:str}/balance",
    dependencies=DEPENDENCIES,
    sync_to_thread=True,
)
def balance_as_of(request: Request[Any, Any, Any], admin_id: UUID, user_id: str) -> Response[Any]:
    refused = _refused(request, admin_id)
    if refused is not None:
        return refused
    owner, as_of = _user(user_id), _moment(request.query_params.get("asOf"), "asOf")
    if isinstance(owner, Response):
        return owner
    if isinstance(as_of, Response):
        return as_of
    when = as_of or datetime.now(UTC)
    credits = Audit(container_of(request).stores["billing"]).balance_as_of(owner, when)
    if credits is None:
        return Response({"message": "Balance not found"}, status_code=404)
    return Response({"user": str(owner), "asOf": iso(when), "tokenCredits": _number(credits)})


@get(
    "/api/audit/accounts/{user_id:str}/entries",
    dependencies=DEPENDENCIES,
    sync_to_thread=True,
)
def entries(request: Request[Any, Any, Any], admin_id: UUID, user_id: str) -> Response[Any]:
    refused = _refused(request, admin_id)
    if refused is not None:
        return refused
    owner = _user(user_id)
    start = _moment(request.query_params.get("from"), "from")
    end = _moment(request.query_params.get("to"), "to")
    for problem in (owner, start, end):
        if isinstance(problem, Response):
            return problem
    assert isinstance(owner, UUID)
    with container_of(request).reads.connect() as conn:
        found = entries_between(conn, str(owner), start, end, MAX_ENTRIES + 1)
    body = {
        "user": str(owner),
        "from": iso(start) if isinstance(start, datetime) else None,
        "to": iso(end) if isinstance(end, datetime) else None,
        "entries": [_entry(row) for row in found[:MAX_ENTRIES]],
        "truncated": len(found) > MAX_ENTRIES,
    }
    return Response(body)


def _refused(request: Request[Any, Any, Any], admin_id: UUID) -> Response[Any] | None:
    """LibreChat's `checkAdmin`: 403 `Forbidden` for anyone but an ADMIN."""
    try:
        role = container_of(request).identity.profile(admin_id).role
    except NotFound:
        return Response({"message": "Unauthorized"}, status_code=401)
    return None if role == ADMIN else Response({"message": "Forbidden"}, status_code=403)


def _user(value: str) -> UUID | Response[Any]:
    try:
        return UUID(value)
    except ValueError:
        return Response({"message": "Invalid user id"}, status_code=400)


def _moment(value: str | None, name: str) -> datetime | Response[Any] | None:
    """An ISO 8601 moment; one without a zone is UTC."""
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return Response({"message": f"Invalid {name}: expected an ISO 8601 date"}, status_code=400)


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "transferId": row["transfer_id"],
        "kind": row["kind"],
        "amount": _number(row["amount"]),
        "held": _number(row["held"]),
        "holdId": row["hold_id"],
        "context": row["context"],
        "model": row["model"],
        "conversationId": row["conversation_id"],
        "messageId": row["message_id"],
        "recordedAt": iso(_utc(row["recorded_at"])),
    }


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _number(value: Any) -> int | float:
    return int(value) if value == int(value) else float(value)


ROUTES = [balance_as_of, entries]
