"""`chronicle balance add|set|list`: LibreChat's add-balance, set-balance, list-balances."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

import typer
from rich.table import Table

from application.bootstrap import Container
from application.identity.bans import user_id_for_email
from domain.billing.rules import Receipt
from domain.shared.errors import DomainError

balance = typer.Typer(help="Users' token credits (when balance is enabled).", no_args_is_help=True)


@balance.command("add")
def balance_add(email: str, amount: str) -> None:
    """Credit AMOUNT token credits (1,000,000 = 1 USD) to the user's balance."""
    _change(email, lambda c, user: c.billing.add(user, amount, _transfer_id("add")))


@balance.command("set")
def balance_set(email: str, amount: str) -> None:
    """Set the balance to AMOUNT, by an adjusting entry of the difference."""
    _change(email, lambda c, user: c.billing.set(user, amount, _transfer_id("set")))


@balance.command("list")
def balance_list() -> None:
    """Every user and their balance."""
    from api.cli import _container, console
    from projections.billing.balances import list_balances
    from projections.identity.user_directory import UserDirectoryProjection, list_users

    with _container() as container:
        container.projections.catch_up("user_directory")
        container.projections.catch_up("balances")
        with container.db.connect() as conn:
            users = list_users(conn, UserDirectoryProjection().views(), limit=100_000)
            balances = list_balances(conn)
    table = Table("email", "name", "tokenCredits")
    for user in users:
        credits = balances.get(user["user_id"])
        shown = "no balance" if credits is None else _credits(credits)
        table.add_row(user["email"] or "", user["name"] or "", shown)
    console.print(table)


def _change(email: str, change: Callable[[Container, UUID], Receipt]) -> None:
    from api.cli import _container, console

    with _container() as container:
        if not container.billing.enabled:
            console.print("[red]Balance is not enabled: set balance.enabled (chronicle.yaml)[/red]")
            raise typer.Exit(1)
        identity = container.identity
        user_id = user_id_for_email(identity.store, identity.email_claim_id, email)
        if user_id is None:
            console.print(f"[red]No user with email {email}.[/red]")
            raise typer.Exit(1)
        try:
            receipt = change(container, UUID(user_id))
        except DomainError as error:
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from None
    console.print(f"New balance of {email}: {_credits(receipt.balance)}")


def _transfer_id(kind: str) -> str:
    """Each invocation is its own transfer: running the command twice credits twice."""
    return f"admin-{kind}:{uuid.uuid4()}"


def _credits(value: Decimal) -> str:
    return f"{value.normalize():f}"
