"""A shared link's files (LibreChat's share.js file routes): a file is in the link's
snapshot when one of the messages the link shows carries it; it is read from its owner's
uploads, so a file the owner deleted is no longer available."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response

from api.deps import container_of
from api.files.routes import content_disposition
from api.sharing.presenters import visible
from application.bootstrap import Container
from domain.shared.errors import NotFound

NOT_IN_LINK = {"message": "File not found in shared link"}
GONE = {"message": "File no longer available"}
SAFE_INLINE = frozenset(
    {"image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp", "image/bmp",
     "image/avif", "image/x-icon"}
)  # fmt: skip


def resolve(
    container: Container, link: dict[str, Any], rows: list[dict[str, Any]], file_id: str
) -> dict[str, Any] | Response[Any]:
    shown = any(
        isinstance(f, dict) and f.get("file_id") == file_id
        for row in visible(link, rows)
        for f in ((row.get("extra") or {}).get("files") or [])
    )
    if not shown:
        return Response(NOT_IN_LINK, status_code=404)
    try:
        return container.files.get(UUID(str(link["user_id"])), UUID(file_id))
    except (ValueError, NotFound):
        return Response(GONE, status_code=404)


def serve(
    request: Request[Any, Any, Any], found: dict[str, Any] | Response[Any], *, inline: bool
) -> Response[Any]:
    if isinstance(found, Response):
        return found
    try:
        data = container_of(request).files.data(found)
    except NotFound:
        return Response(GONE, status_code=404)
    inline = inline and found["type"] in SAFE_INLINE
    disposition = content_disposition(found["filename"])
    if inline:
        disposition = disposition.replace("attachment", "inline", 1)
    headers = {
        "Content-Disposition": disposition,
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    media = found["type"] if inline else "application/octet-stream"
    return Response(data, media_type=media, headers=headers)


def preview(found: dict[str, Any] | Response[Any]) -> Response[Any]:
    if isinstance(found, Response):
        return found
    payload: dict[str, Any] = {"file_id": found["file_id"], "status": "ready"}
    if found.get("text") is not None:
        payload["text"], payload["textFormat"] = found["text"], "text"
    return Response(payload)
