"""Request bodies for the conversation routes, as LibreChat's client sends them."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from api.strict import NO_NUL
from domain.conversations.rules import MAX_ENDPOINT, MAX_MODEL, MAX_SENDER, MAX_TOKEN_COUNT

# What a transcript column can hold (the domain checks the same, for every other way in).
Text = Annotated[str, msgspec.Meta(pattern=NO_NUL)]
Sender = Annotated[str, msgspec.Meta(pattern=NO_NUL, max_length=MAX_SENDER)]
Model = Annotated[str, msgspec.Meta(pattern=NO_NUL, max_length=MAX_MODEL)]
Endpoint = Annotated[str, msgspec.Meta(pattern=NO_NUL, max_length=MAX_ENDPOINT)]
TokenCount = Annotated[int, msgspec.Meta(ge=0, le=MAX_TOKEN_COUNT)]
Label = Annotated[str, msgspec.Meta(pattern=NO_NUL, max_length=1024)]
RequiredId = Annotated[str, msgspec.Meta(pattern=NO_NUL, min_length=1, max_length=128)]
Index = Annotated[int, msgspec.Meta(ge=0, le=MAX_TOKEN_COUNT)]


class ConvoArg(msgspec.Struct, kw_only=True):
    conversationId: str | None = None
    title: str | None = None
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
    """Decoded strictly (`api.strict.decode`): every field reaches a transcript column."""

    messageId: str
    parentMessageId: str = "00000000-0000-0000-0000-000000000000"
    text: Text = ""
    sender: Sender = "User"
    isCreatedByUser: bool = True
    content: list[dict[str, Any]] | None = None
    model: Model | None = None
    endpoint: Endpoint | None = None
    tokenCount: TokenCount | None = None
    unfinished: bool = False
    error: bool = False
    # kept on the message as LibreChat's client sends them (its `extra`)
    files: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    iconURL: Label | None = None

    def extra(self) -> dict[str, Any]:
        kept = (("files", self.files), ("attachments", self.attachments), ("iconURL", self.iconURL))
        return {k: v for k, v in kept if v is not None}


class BranchBody(msgspec.Struct, kw_only=True):
    """LibreChat answers 400 `messageId and agentId are required` when either is missing."""

    messageId: RequiredId
    agentId: RequiredId


class ArtifactEdit(msgspec.Struct, kw_only=True):
    """LibreChat answers 400 `Invalid request parameters` unless all three are given."""

    index: Index
    original: Text
    updated: Text


class MessageEdit(msgspec.Struct, kw_only=True):
    text: Text
    index: Annotated[int, msgspec.Meta(ge=0, le=MAX_TOKEN_COUNT)] | None = None
    model: Model | None = None


class FeedbackBody(msgspec.Struct, kw_only=True):
    feedback: Any = None
