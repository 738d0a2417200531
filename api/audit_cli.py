"""`chronicle audit balance USER --as-of T` and the balance half of `chronicle audit verify`:
the ledger recomputed from its events (application/billing/audit.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import typer

from application.billing.audit import Audit
from application.bootstrap import Container
from application.identity.bans import user_id_for_email


def audit_balance(
    user: Annotated[str, typer.Argument(help="the user's email or id")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="ISO 8601 moment (default: now; UTC if no zone)")
    ] = None,
) -> None:
    """USER's balance after every entry recorded up to --as-of, from the ledger's events."""
    from api.cli import _container, console

    when = _moment(as_of)
    with _container() as container:
        user_id = _user_id(container, user)
        credits = Audit(container.stores["billing"]).balance_as_of(user_id, when)
    if credits is None:
        console.print(f"[red]{user} has no balance account.[/red]")
        raise typer.Exit(1)
    console.print(f"Balance of {user} as of {when.isoformat()}: {credits.normalize():f}")


def verify_balances(container: Container) -> bool:
    """Every balance recomputed from the events against the `balances` read model; prints
    each difference. True when they all agree."""
    from api.cli import console
    from projections.billing.balances import closed_accounts, list_balances

    container.projections.catch_up("balances")
    with container.db.connect() as conn:
        served, closed = list_balances(conn), closed_accounts(conn)
    checked, differences = Audit(container.stores["billing"]).verify(served, closed)
    for difference in differences:
        console.print(f"[red]balance differs: {difference.describe()}[/red]")
    if not differences:
        console.print(f"balances: {checked} accounts, the read model agrees with the events")
    return not differences


def _moment(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise typer.BadParameter(f"not an ISO 8601 moment: {value}") from None


def _user_id(container: Container, user: str) -> UUID:
    from api.cli import console

    try:
        return UUID(user)
    except ValueError:
        pass
    identity = container.identity
    found = user_id_for_email(identity.store, identity.email_claim_id, user)
    if found is None:
        console.print(f"[red]No user with email {user}.[/red]")
        raise typer.Exit(1)
    return UUID(found)
