"""Request bodies for the conversation routes, as LibreChat's client sends them."""

from __future__ import annotations

from typing import Any

import msgspec


class ConvoArg(msgspec.Struct, kw_only=True):
    conversationId: str | None = None
    title: Any = None
    isArchived: bool | None = None
    pinned: bool | None = None
    source: str | None = None
    thread_id: str | None = None
    endpoint: str | None = None


class ConvoCommand(msgspec.Struct, kw_only=True):
    arg: ConvoArg = msgspec.field(default_factory=ConvoArg)


class ForkBody(msgspec.Struct, kw_only=True):
    conversationId: str
    messageId: str
    option: str | None = None
    splitAtTarget: bool = False
    latestMessageId: str | None = None


class DuplicateBody(msgspec.Struct, kw_only=True):
    conversationId: str
    title: str | None = None


class TagBody(msgspec.Struct, kw_only=True):
    tag: str
    description: str = ""
    addToConversation: bool = False
    conversationId: str | None = None


class TagUpdate(msgspec.Struct, kw_only=True):
    tag: str | None = None
    description: str | None = None
    position: int | None = None


class ConvoTags(msgspec.Struct, kw_only=True):
    tags: list[str]


class MessageBody(msgspec.Struct, kw_only=True):
    messageId: str
    parentMessageId: str = "00000000-0000-0000-0000-000000000000"
    text: str = ""
    sender: str = "User"
    isCreatedByUser: bool = True
    content: list[dict[str, Any]] | None = None
    model: str | None = None
    endpoint: str | None = None
    tokenCount: int | None = None
    unfinished: bool = False
    error: bool = False


class MessageEdit(msgspec.Struct, kw_only=True):
    text: str
    index: int | None = None
    model: str | None = None


class FeedbackBody(msgspec.Struct, kw_only=True):
    feedback: Any = None
