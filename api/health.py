"""Liveness and readiness probes (LibreChat answers `OK`)."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get

from api.deps import container_of


@get(["/health", "/livez"], media_type=MediaType.TEXT, include_in_schema=False)
async def live() -> str:
    return "OK"


@get("/readyz", include_in_schema=False, sync_to_thread=True)
def ready(request: Request[Any, Any, Any]) -> Response[Any]:
    checks = container_of(request).ready()
    if all(checks.values()):
        return Response("OK", media_type=MediaType.TEXT)
    return Response({"status": "unavailable", "checks": checks}, status_code=503)
