"""`chronicle audit access TYPE ID [--as-of T] [--json]`: who could do what with a resource at
time T, and the changes that led there (the same report as `GET /api/audit/resources/...`)."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from api.permissions.audit import parse_as_of, report_json
from application.permissions.audit import AccessReport
from domain.shared.errors import DomainError

BITS = ((1, "VIEW"), (2, "EDIT"), (4, "DELETE"), (8, "SHARE"))


def audit_access(
    resource_type: str = typer.Argument(
        help="agent, promptGroup, mcpServer, remoteAgent, skill, sharedLink"
    ),
    resource_id: str = typer.Argument(help="the resource's id"),
    as_of: str = typer.Option("", "--as-of", help="ISO 8601 time (default: now); naive is UTC"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Who could access a resource at a time, through which entries and changes."""
    from api.cli import _container, console

    moment = parse_as_of(as_of)
    if moment is None:
        console.print("[red]--as-of must be an ISO 8601 date-time[/red]")
        raise typer.Exit(2)
    with _container() as container:
        try:
            report = container.access_audit.access(resource_type, resource_id, moment)
        except DomainError as error:
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(report_json(report), indent=2, default=str))
        return
    _print(report)


def _print(report: AccessReport) -> None:
    from api.cli import console

    console.print(f"{report.resource_type} {report.resource_id} as of {report.as_of.isoformat()}")
    holders = Table("principal", "id", "role", "bits", "granted by", "granted at", "members")
    for h in report.holders:
        members = "" if h.members is None else ", ".join(h.members) or "(none)"
        holders.add_row(
            h.principal_type,
            h.principal_id or "",
            h.access_role_id,
            names(h.perm_bits),
            str(h.granted_by or ""),
            h.granted_at.isoformat(),
            members,
        )
    console.print(holders)
    users = Table("user", "bits (user and group entries)")
    for user, bits in report.users.items():
        users.add_row(user, names(bits))
    console.print(users)
    history = Table("at", "change", "by", "principal", "role", "member")
    for c in report.history:
        principal = f"{c.principal_type}:{c.principal_id or ''}" if c.principal_type else ""
        history.add_row(
            c.at.isoformat(),
            c.action,
            str(c.by or ""),
            principal,
            c.access_role_id or "",
            c.user_id or "",
        )
    console.print(history)


def names(bits: int) -> str:
    return "|".join(name for bit, name in BITS if bits & bit) or "-"
