"""POST /api/share/:shareId/fork (LibreChat's `forkSharedConversation`): the anonymised
messages a viewer was shown become a conversation of the viewer's own. Nothing but what
the shared view carries is copied: no model, no file ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from api.conversations.presenters import conversation_json, message_json
from api.sharing.schemas import ForkBody
from application.bootstrap import Container
from application.conversations.copies import Clone
from domain.sharing.branches import Node, path_to

_NOT_EXTRA = {
    "messageId", "parentMessageId", "conversationId", "sender", "text", "content", "model",
    "isCreatedByUser", "createdAt", "updatedAt", "tokenCount", "unfinished", "error",
}  # fmt: skip


def same_revision(stored: str, revision: Any) -> bool:
    """Whether the client forks the payload it read (`updatedAt`, as a date or epoch ms)."""
    held = _millis(revision)
    return held is not None and held == _millis(stored)


def fork(container: Container, user_id: UUID, share: dict[str, Any], body: ForkBody) -> Any:
    messages: list[dict[str, Any]] = share["messages"]
    index = body.targetMessageIndex
    if (
        body.shareRevision is not None
        and isinstance(index, int)
        and not isinstance(index, bool)
        and 0 <= index < len(messages)
    ):
        nodes = [Node(m["messageId"], m["parentMessageId"], _created(m)) for m in messages]
        path = {n.id for n in path_to(nodes, messages[index]["messageId"])}
        messages = [m for m in messages if m["messageId"] in path] or messages
    copied = container.copies.clone(
        user_id, share["title"], _default_endpoint(container), [_clone(m) for m in messages]
    )
    return {
        "conversation": conversation_json(copied.conversation),
        "messages": [message_json(m, copied.conversation.id) for m in copied.messages],
    }


def _clone(message: dict[str, Any]) -> Clone:
    extra = {k: v for k, v in message.items() if k not in _NOT_EXTRA}
    for key in ("files", "attachments"):
        if isinstance(extra.get(key), list):
            extra[key] = [{k: v for k, v in f.items() if k != "file_id"} for f in extra[key]]
    return Clone(
        id=message["messageId"],
        parent=message["parentMessageId"],
        sender=message["sender"],
        is_created_by_user=message["isCreatedByUser"],
        text=message["text"],
        content=message.get("content"),
        token_count=message.get("tokenCount"),
        unfinished=message["unfinished"],
        error=message["error"],
        created_at=_created(message),
        extra=extra,
    )


def _default_endpoint(container: Container) -> str | None:
    """The shared view hides the original endpoint: the viewer continues on the first
    endpoint this deployment offers."""
    endpoints = container.chat.catalog.endpoints
    if not endpoints:
        return None
    return min(endpoints, key=lambda name: endpoints[name].order)


def _created(message: dict[str, Any]) -> datetime:
    return _parse(message["createdAt"]) or datetime.now(UTC)


def _millis(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if abs(value) < 8.64e15 else None
    if isinstance(value, str):
        parsed = _parse(value)
        return int(parsed.timestamp() * 1000) if parsed is not None else None
    return None


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
