"""Usage export: `GET /api/custom/usage-export/usage?start=…&end=…&format=csv|jsonl` (the
signed-in user's usage) and `chronicle usage-export` (anyone's, for operators), both from
the public `daily_usage` read model."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from litestar import Response, get

from application.plugins.plugin import Plugin, PluginHost
from custom.features.usage_export import export

MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl"}


@get("/usage", sync_to_thread=True)
def usage(
    host: PluginHost,
    user_id: UUID,
    start: str | None = None,
    end: str | None = None,
    format: str = "jsonl",
) -> Response[Any]:
    try:
        first, last = export.period(start, end)
        if format not in export.FORMATS:
            raise export.ExportError(f"format: one of {', '.join(export.FORMATS)}")
    except export.ExportError as error:
        return Response({"message": str(error)}, status_code=400)
    services = host.services
    services.consistency.wait(user_id, ["transactions"])
    with services.reads.connect() as conn:
        found = export.rows(conn, first, last, user_id)
    body = "".join(export.render(found, format))
    return Response(body, media_type=MEDIA[format])


def command(
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (UTC)")],
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD (UTC), included")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "csv",
    user: Annotated[str | None, typer.Option(help="One user's id (default: everyone)")] = None,
    output: Annotated[Path | None, typer.Option(help="A file (default: stdout)")] = None,
) -> None:
    """Export per-user usage for a period (the daily_usage read model) as CSV or JSON lines."""
    from application.bootstrap import bootstrap

    try:
        first, last = export.period(start, end)
        user_id = UUID(user) if user else None
        if fmt not in export.FORMATS:
            raise export.ExportError(f"--format: one of {', '.join(export.FORMATS)}")
    except ValueError as error:
        print(f"chronicle usage-export: {error}", file=sys.stderr)
        raise typer.Exit(2) from None
    container = bootstrap()
    try:
        container.projections.catch_up("transactions")
        with container.reads.connect() as conn:
            found = export.rows(conn, first, last, user_id)
    finally:
        container.close()
    text = "".join(export.render(found, fmt))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)


class UsageExportPlugin(Plugin):
    name = "usage_export"

    def routes(self) -> Sequence[Any]:
        return [usage]

    def commands(self) -> Mapping[str, Callable[..., Any]]:
        return {"usage-export": command}


PLUGIN = UsageExportPlugin()
