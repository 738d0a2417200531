"""`chronicle`: serve, worker, users, projections, audit, balance. Each command bootstraps once."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from api.access_cli import audit_access
from api.audit_cli import audit_balance, verify_balances
from api.balance_cli import balance
from api.search_cli import search
from application.bootstrap import Container, bootstrap
from application.settings import Settings, SettingsError, load_settings
from domain.shared.errors import DomainError

app = typer.Typer(
    help="Chronicle: an event-sourced backend that speaks LibreChat's API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
users = typer.Typer(help="Create and list users.", no_args_is_help=True)
projections = typer.Typer(help="Read-model status, rebuilds, parked events.", no_args_is_help=True)
audit = typer.Typer(
    help="Verify the tamper-evident event log and the ledger's balances; who could access a "
    "resource when.",
    no_args_is_help=True,
)
audit.command("balance")(audit_balance)
app.add_typer(users, name="users")
app.add_typer(projections, name="projections")
app.add_typer(audit, name="audit")
audit.command("access")(audit_access)
app.add_typer(balance, name="balance")
app.add_typer(search, name="search")
# Piped or captured output gets wide lines, so ids and emails are never cut off.
console = Console(width=None if sys.stdout.isatty() else 200)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        print(f"chronicle: {error}", file=sys.stderr)
        raise typer.Exit(2) from None


@contextmanager
def _container() -> Iterator[Container]:
    container = bootstrap(_settings())
    try:
        yield container
    finally:
        container.close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Serve the HTTP API (embedded mode runs its workers in-process)."""
    import uvicorn

    settings = _settings()
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        proxy_headers=True,
    )


@app.command()
def worker(threads: Annotated[int | None, typer.Option()] = None) -> None:
    """Run projection and background workers (distributed mode)."""
    from api.observability import configure_logging
    from workers.main import run

    settings = _settings()
    # `serve` gets its logging from create_app; a worker process has no app to do it
    configure_logging(settings.log_level, settings.log_json)
    run(settings, threads)


@users.command("create")
def users_create(
    email: str,
    name: Annotated[str | None, typer.Option()] = None,
    username: Annotated[str, typer.Option()] = "",
    password: Annotated[str | None, typer.Option()] = None,
    role: Annotated[str | None, typer.Option(help="ADMIN or USER")] = None,
) -> None:
    """Register a user (the first user ever becomes ADMIN unless --role says otherwise)."""
    password = password or getpass.getpass("Password: ")
    with _container() as container:
        try:
            done = container.identity.register(
                name=name or email.split("@")[0],
                email=email,
                password=password,
                confirm=password,
                username=username or None,
                role=role,
            )
        except DomainError as error:
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from None
        if not done.created:
            console.print(f"[red]A user with email {email} already exists.[/red]")
            raise typer.Exit(1)
        if done.user_id is not None:
            container.billing.open_after_registration(done.user_id)
        console.print(f"Created user {done.user_id}")


@users.command("unban")
def users_unban(email: str) -> None:
    """Lift a ban (the user's and their IP's) before BAN_DURATION ends: `UserBanLifted`."""
    from application.identity.bans import lift_ban, user_id_for_email

    with _container() as container:
        identity = container.identity
        user_id = user_id_for_email(identity.store, identity.email_claim_id, email)
        if user_id is None:
            console.print(f"[red]No user with email {email}.[/red]")
            raise typer.Exit(1)
        lift_ban(identity.store, container.abuse, UUID(user_id))
        identity.restore_subject(UUID(user_id))
        console.print(f"Lifted the ban of {email}")
        if container.redis is None:  # embedded: the bans live in the server's memory
            console.print("Embedded mode: a running server keeps its ban until it restarts.")


@users.command("list")
def users_list() -> None:
    """Every user in the directory read model."""
    from projections.identity.user_directory import UserDirectoryProjection, list_users

    with _container() as container:
        container.projections.catch_up("user_directory")
        with container.db.connect() as conn:
            rows = list_users(conn, UserDirectoryProjection().views(), limit=10_000)
    table = Table("id", "email", "name", "role", "created", "last login", "logins")
    for r in rows:
        table.add_row(
            r["user_id"],
            r["email"] or "",
            r["name"] or "",
            r["role"],
            str(r["created_at"])[:19],
            str(r["last_login_at"] or "")[:19],
            str(r["login_count"]),
        )
    console.print(table)


@projections.command("status")
def projections_status() -> None:
    """Lag of every projection, per context it reads."""
    with _container() as container:
        rows = container.projections.status()
    table = Table(
        "projection",
        "generation",
        "version",
        "context",
        "position",
        "head",
        "behind",
        "parked",
        "state",
    )
    for lag in rows:
        table.add_row(
            lag.projection,
            str(lag.generation),
            str(lag.version),
            lag.context,
            str(lag.position),
            str(lag.head),
            str(lag.behind),
            str(lag.parked),
            "building" if lag.building else "serving",
        )
    console.print(table)


@projections.command("rebuild")
def projections_rebuild(name: str) -> None:
    """Build NAME again from position 0 beside the serving copy, then switch to it."""
    with _container() as container:
        generation = rebuild(container, _projection_name(container, name))
        console.print(f"{name}: now serving generation {generation}")


def rebuild(container: Container, name: str) -> int:
    """A new generation of NAME from position 0, with a progress bar, until it serves."""
    generation = container.projections.start_rebuild(name)
    total = sum(
        lag.head
        for lag in container.projections.status()
        if lag.projection == name and lag.generation == generation
    )
    with _progress() as progress:
        task = progress.add_task(f"rebuilding {name}", total=total or 1)
        while container.projections.is_building(name):
            container.projections.catch_up_batch(name)
            done = sum(
                lag.position
                for lag in container.projections.status()
                if lag.projection == name and lag.generation == generation
            )
            progress.update(task, completed=min(done, total))
        progress.update(task, completed=total or 1)
    return generation


@projections.command("parked")
def projections_parked(name: Annotated[str | None, typer.Argument()] = None) -> None:
    """Events a projection could not apply and set aside (all projections, or NAME)."""
    with _container() as container:
        names = [_projection_name(container, name)] if name else container.projections.projections
        table = Table("projection", "gen", "context", "id", "topic", "aggregate", "tries", "error")
        for projection in names:
            for p in container.projections.parked(projection):
                table.add_row(
                    p.projection,
                    str(p.generation),
                    p.context,
                    str(p.notification_id),
                    p.topic,
                    f"{p.originator_id}@{p.originator_version}",
                    str(p.attempts),
                    f"{p.error_class}: {p.error}",
                )
    console.print(table)


@projections.command("retry")
def projections_retry(name: str) -> None:
    """Apply NAME's parked events again (after a fix); those failing again stay parked."""
    with _container() as container:
        retried = container.projections.retry_parked(_projection_name(container, name))
    console.print(f"{name}: {retried.applied} applied, {retried.parked} still parked")
    if retried.parked:
        raise typer.Exit(1)


def _projection_name(container: Container, name: str) -> str:
    if name not in container.projections.projections:
        console.print(f"[red]No projection named {name!r}.[/red]")
        raise typer.Exit(1)
    return name


@audit.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain of every context's events table, then every balance from
    the ledger's events against the balances read model; exit 1 on any difference."""
    from infrastructure.eventstore.chain import verify

    broken = False
    with _container() as container, _progress() as progress:
        for name, store in container.stores.items():
            task = progress.add_task(f"{name}", total=store.head() or 1)

            def advance(checked: int, task: TaskID = task) -> None:
                progress.update(task, completed=checked)

            report = verify(store.recorder, progress=advance)  # type: ignore[arg-type]
            progress.update(task, completed=store.head() or 1)
            if report.ok:
                console.print(
                    f"{name}: {report.checked} events, chain intact, head {report.head.hex()}"
                )
            else:
                broken = True
                console.print(
                    f"[red]{name}: chain broken at notification "
                    f"{report.first_bad}: {report.reason}[/red]"
                )
        broken = not verify_balances(container) or broken
    if broken:
        raise typer.Exit(1)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=False,
    )


def add_plugin_commands() -> None:
    """The `chronicle` subcommands of the enabled plugins (custom/, found by discovery)."""
    from api.plugins import enabled

    try:
        settings = load_settings()
    except SettingsError:
        return  # the command run reports it
    for plugin in enabled(None, settings).loaded:
        for name, command in plugin.commands().items():
            if not any(c.name == name for c in app.registered_commands):
                app.command(name)(command)


def main() -> None:
    add_plugin_commands()
    app()
