"""LibreChat's search: `GET /api/search/enable`, and the hits of `GET /api/messages?search=`
and `GET /api/convos?search=` (those routes call in here)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.di import Provide

from api.conversations.presenters import message_row_json
from api.deps import container_of, provide_user_id
from domain.shared.errors import Invalid
from projections.search.hits import hydrate

AUTH = {"user_id": Provide(provide_user_id)}
DEFAULT_PAGE = 25


@get("/api/search/enable", dependencies=AUTH, sync_to_thread=True)
def search_enabled(request: Request[Any, Any, Any], user_id: UUID) -> bool:
    """True when search is on (`SEARCH`) and its index answers (LibreChat asks Meilisearch's
    health): the client shows its search box only then."""
    return container_of(request).search.enabled()


def message_hits(container: Any, user_id: UUID, params: Any) -> dict[str, Any]:
    """`{messages, nextCursor}`: the caller's matching messages, best first, each with its
    conversation's title and model as LibreChat's hits; `nextCursor` pages on."""
    size = _page_size(params.get("pageSize"))
    page = container.search.messages(user_id, params["search"], size, _offset(params))
    with container.reads.connect() as conn:
        rows = hydrate(conn, [(h.conversation_id, h.message_id) for h in page.hits])
    return {
        "messages": [_hit_json(r) for r in rows],
        "nextCursor": _cursor(page.next_offset),
    }


def matching_conversations(container: Any, user_id: UUID, text: str) -> tuple[str, ...]:
    return tuple(container.search.conversations(user_id, text))


def _hit_json(row: dict[str, Any]) -> dict[str, Any]:
    settings = row["conversation_settings"] or {}
    return {
        **message_row_json(row),
        "title": row["conversation_title"],
        "model": row["conversation_model"],
        "iconURL": settings.get("iconURL"),
    }


def _page_size(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE
    try:
        size = int(raw)
    except ValueError:
        raise Invalid("Invalid pageSize") from None
    if not 1 <= size <= 100:
        raise Invalid("pageSize must be between 1 and 100")
    return size


def _offset(params: Any) -> int:
    cursor = params.get("cursor")
    if not cursor:
        return 0
    try:
        offset = json.loads(base64.b64decode(cursor, validate=True))["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise Invalid("Invalid cursor") from None
    if type(offset) is not int:
        raise Invalid("Invalid cursor")
    return offset


def _cursor(offset: int | None) -> str | None:
    if offset is None:
        return None
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


ROUTES = [search_enabled]
