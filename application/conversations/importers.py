"""Readers for exported chats: LibreChat's own export, ChatGPT's and Claude's.

Each yields conversations with the source's ids, so an import can derive stable ids from them
and importing the same file twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.shared.errors import Invalid


@dataclass(frozen=True)
class ImportedMessage:
    source_id: str
    parent_source_id: str | None
    sender: str
    is_created_by_user: bool
    text: str
    created_at: datetime | None = None
    model: str | None = None


@dataclass(frozen=True)
class ImportedConversation:
    source: str
    source_id: str
    title: str
    created_at: datetime | None = None
    endpoint: str | None = None
    model: str | None = None
    messages: list[ImportedMessage] = field(default_factory=list)


def read_export(data: Any) -> list[ImportedConversation]:
    """Detect the format as LibreChat does and read every conversation in it. A file whose
    values have the wrong shapes (a string where an object belongs) is invalid as a whole."""
    try:
        return _read(data)
    except (AttributeError, TypeError, KeyError):
        raise Invalid("Invalid import file") from None


def _read(data: Any) -> list[ImportedConversation]:
    if isinstance(data, dict) and "conversationId" in data:
        return [_librechat(data)]
    if isinstance(data, list) and data and all(isinstance(c, dict) for c in data):
        if "mapping" in data[0]:
            return [_chatgpt(c) for c in data]
        if "chat_messages" in data[0]:
            return [_claude(c) for c in data]
    raise Invalid("Unsupported import type")


def _librechat(data: dict[str, Any]) -> ImportedConversation:
    raw = data.get("messages") or list(_flatten(data.get("messagesTree") or []))
    messages = [
        ImportedMessage(
            source_id=_str(m.get("messageId")),
            parent_source_id=_parent(m.get("parentMessageId")),
            sender=str(m.get("sender") or ("User" if m.get("isCreatedByUser") else "Assistant")),
            is_created_by_user=bool(m.get("isCreatedByUser")),
            text=_text_of(m),
            created_at=_time(m.get("createdAt")),
            model=m.get("model"),
        )
        for m in raw
    ]
    return ImportedConversation(
        "librechat",
        _str(data.get("conversationId")),
        str(data.get("title") or "Imported Chat"),
        _time(data.get("createdAt")),
        data.get("endpoint"),
        data.get("model"),
        messages,
    )


def _flatten(tree: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in tree:
        yield node
        yield from _flatten(node.get("children") or [])


def _chatgpt(data: dict[str, Any]) -> ImportedConversation:
    mapping: dict[str, Any] = data.get("mapping") or {}
    kept: dict[str, ImportedMessage] = {}
    for node_id, node in mapping.items():
        message = node.get("message") or {}
        role = (message.get("author") or {}).get("role")
        text = "".join(
            p for p in (message.get("content") or {}).get("parts") or [] if isinstance(p, str)
        )
        if role in ("user", "assistant") and text.strip():
            kept[node_id] = ImportedMessage(
                node_id,
                _kept_ancestor(mapping, node.get("parent")),
                "User" if role == "user" else "ChatGPT",
                role == "user",
                text,
                _time(message.get("create_time")),
                (message.get("metadata") or {}).get("model_slug"),
            )
    return ImportedConversation(
        "chatgpt",
        _str(data.get("id") or data.get("conversation_id") or data.get("title")),
        str(data.get("title") or "Imported Chat"),
        _time(data.get("create_time")),
        "openAI",
        None,
        sorted(kept.values(), key=_order),
    )


def _kept_ancestor(mapping: dict[str, Any], parent: str | None) -> str | None:
    """ChatGPT trees hold system and tool nodes; a message's parent is its nearest ancestor
    that is a user or assistant message."""
    seen: set[str] = set()
    while parent and parent in mapping and parent not in seen:
        seen.add(parent)
        message = mapping[parent].get("message") or {}
        if (message.get("author") or {}).get("role") in ("user", "assistant"):
            parts = (message.get("content") or {}).get("parts") or []
            if "".join(p for p in parts if isinstance(p, str)).strip():
                return parent
        parent = mapping[parent].get("parent")
    return None


def _claude(data: dict[str, Any]) -> ImportedConversation:
    messages, previous = [], None
    for m in data.get("chat_messages") or []:
        text = m.get("text") or "".join(
            p.get("text", "") for p in m.get("content") or [] if p.get("type") == "text"
        )
        human = m.get("sender") == "human"
        messages.append(
            ImportedMessage(
                _str(m.get("uuid")),
                previous,
                "User" if human else "Claude",
                human,
                text,
                _time(m.get("created_at")),
            )
        )
        previous = messages[-1].source_id
    return ImportedConversation(
        "claude",
        _str(data.get("uuid")),
        str(data.get("name") or "Imported Chat"),
        _time(data.get("created_at")),
        "anthropic",
        None,
        messages,
    )


def _order(message: ImportedMessage) -> tuple[datetime, str]:
    return (message.created_at or datetime.min.replace(tzinfo=UTC), message.source_id)


def _text_of(message: dict[str, Any]) -> str:
    if isinstance(message.get("text"), str) and message["text"]:
        return str(message["text"])
    parts = message.get("content") or []
    return "".join(
        p.get("text", "")
        for p in parts
        if isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
    )


def _parent(value: Any) -> str | None:
    text = _str(value) if value else None
    return None if text in (None, "00000000-0000-0000-0000-000000000000") else text


def _str(value: Any) -> str:
    if not isinstance(value, (str, int)) or str(value) == "":
        raise Invalid("Invalid import file: a conversation or message has no id")
    return str(value)


def _time(value: Any) -> datetime | None:
    try:
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(float(value), UTC)
        if isinstance(value, str) and value:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None
