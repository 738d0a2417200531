"""Liveness and readiness probes (LibreChat answers `OK`)."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get

from api.deps import container_of


@get(["/health", "/livez"], media_type=MediaType.TEXT, include_in_schema=False)
async def live() -> str:
    return "OK"


@get("/readyz", include_in_schema=False, sync_to_thread=True)
def ready(request: Request[Any, Any, Any], details: bool = False) -> Response[Any]:
    """`OK` when ready (503 otherwise); `?details=true` answers JSON with the checks and each
    plugin's status and failures (a failing plugin never makes the API unready)."""
    container = container_of(request)
    checks = container.ready()
    up = all(checks.values())
    if up and not details:
        return Response("OK", media_type=MediaType.TEXT)
    body: dict[str, Any] = {"status": "ok" if up else "unavailable", "checks": checks}
    if details:
        body["plugins"] = container.plugin_report()
    return Response(body, status_code=200 if up else 503)
