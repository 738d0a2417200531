"""The answer for fixed LibreChat paths Chronicle does not serve yet.

Declaring such a path on its own handler keeps a broader parameterised sibling from catching it:
without one, `POST /api/agents/chat/resume` reached `/api/agents/chat/{endpoint}` and answered
400 "Unknown endpoint: resume", which reads as a bad request rather than a missing feature.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response


def not_yet(request: Request[Any, Any, Any]) -> Response[Any]:
    """404 in LibreChat's shape, naming the route (its template, so no input is echoed)."""
    route = request.scope.get("path_template") or request.url.path
    return Response({"message": f"{request.method} {route} is not served yet"}, status_code=404)
