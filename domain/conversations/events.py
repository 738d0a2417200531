"""Conversation events. The conversation's owner is the data subject of every event, so
deleting the user shreds titles, message text and tags while counts and ids remain."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.shared.events import DomainEvent


class ConversationEvent(DomainEvent, frozen=True, kw_only=True):
    subject = "user_id"
    user_id: UUID


class ConversationStarted(ConversationEvent, frozen=True, kw_only=True):
    TOPIC = "conversations.ConversationStarted"
    personal = ("title",)
    title: str = "New Chat"
    endpoint: str | None = None
    model: str | None = None
    settings: dict[str, Any] = {}
    imported_from: str | None = None
    created_at: datetime | None = None  # the original time of an imported chat
    # A temporary chat (LibreChat's `isTemporary`): answered, never listed, searched or counted;
    # kept until `expired_at`, the start plus LibreChat's `temporaryChatRetention`.
    is_temporary: bool = False
    expired_at: datetime | None = None


class ConversationRetitled(ConversationEvent, frozen=True, kw_only=True):
    TOPIC = "conversations.ConversationRetitled"
    personal = ("title",)
    title: str
    generated: bool = False


class ConversationSettingsChanged(ConversationEvent, frozen=True, kw_only=True):
    """Endpoint, model or preset fields (temperature, promptPrefix, …) changed."""

    TOPIC = "conversations.ConversationSettingsChanged"
    personal = ("settings",)
    endpoint: str | None = None
    model: str | None = None
    settings: dict[str, Any] = {}


class ConversationArchived(ConversationEvent, frozen=True, kw_only=True):
    TOPIC = "conversations.ConversationArchived"
    archived: bool


class ConversationPinned(ConversationEvent, frozen=True, kw_only=True):
    TOPIC = "conversations.ConversationPinned"
    pinned: bool


class ConversationTagged(ConversationEvent, frozen=True, kw_only=True):
    """The conversation's full tag list after the change (added and removed derive from it)."""

    TOPIC = "conversations.ConversationTagged"
    personal = ("tags",)
    tags: list[str]


class ConversationDeleted(ConversationEvent, frozen=True, kw_only=True):
    TOPIC = "conversations.ConversationDeleted"


class MessagePosted(ConversationEvent, frozen=True, kw_only=True):
    TOPIC = "conversations.MessagePosted"
    personal = ("text", "content", "files")
    message_id: UUID
    parent_message_id: UUID
    sender: str
    is_created_by_user: bool
    text: str = ""
    content: list[dict[str, Any]] | None = None
    model: str | None = None
    endpoint: str | None = None
    token_count: int | None = None
    unfinished: bool = False
    error: bool = False
    extra: dict[str, Any] = {}
    created_at: datetime | None = None  # the original time of an imported message
    # the files sent with it (LibreChat's message `files`: file_id, filename, filepath, type,
    # width, height), resolved from the sender's own uploads
    files: list[dict[str, Any]] | None = None


class ToolCallCompleted(ConversationEvent, frozen=True, kw_only=True):
    """One tool call an agent's model asked for while answering, and what the tool answered
    (`is_error`: the tool failed or timed out; the model was told so). `message_id` is the
    answer being generated (it is recorded when the turn ends); `round` counts model calls
    from 1."""

    TOPIC = "conversations.ToolCallCompleted"
    personal = ("args", "output")
    message_id: UUID
    call_id: str
    name: str
    args: str
    output: str
    is_error: bool = False
    round: int = 1


class MessageEdited(ConversationEvent, frozen=True, kw_only=True):
    TOPIC = "conversations.MessageEdited"
    personal = ("text", "content")
    message_id: UUID
    text: str
    content: list[dict[str, Any]] | None = None
    token_count: int | None = None


class MessageFeedbackGiven(ConversationEvent, frozen=True, kw_only=True):
    """`feedback` is `{rating, tag, text?}`, or None to withdraw it."""

    TOPIC = "conversations.MessageFeedbackGiven"
    personal = ("feedback",)
    message_id: UUID
    feedback: dict[str, Any] | None


class MessageDeleted(ConversationEvent, frozen=True, kw_only=True):
    TOPIC = "conversations.MessageDeleted"
    message_id: UUID


class TagCreated(ConversationEvent, frozen=True, kw_only=True):
    """A bookmark tag defined in the user's tag book (conversations carry tag names)."""

    TOPIC = "conversations.TagCreated"
    personal = ("tag", "description")
    tag: str
    description: str = ""
    position: int = 0


class TagUpdated(ConversationEvent, frozen=True, kw_only=True):
    TOPIC = "conversations.TagUpdated"
    personal = ("tag", "new_tag", "description")
    tag: str
    new_tag: str
    description: str = ""
    position: int = 0


class TagDeleted(ConversationEvent, frozen=True, kw_only=True):
    TOPIC = "conversations.TagDeleted"
    personal = ("tag",)
    tag: str


class PresetSaved(ConversationEvent, frozen=True, kw_only=True):
    """A preset as it now is, whole (LibreChat's fields: `title`, `endpoint`, `model`,
    `temperature`, `promptPrefix`, …, `defaultPreset`, `order`). `replaces`: the preset id it
    was saved under before, when the save gave it a new one (`newPresetId`)."""

    TOPIC = "conversations.PresetSaved"
    personal = ("preset",)
    preset_id: str
    preset: dict[str, Any]
    replaces: str | None = None


class PresetDefaultCleared(ConversationEvent, frozen=True, kw_only=True):
    """Another preset became the default: this one loses `defaultPreset` and `order`."""

    TOPIC = "conversations.PresetDefaultCleared"
    preset_id: str


class PresetsDeleted(ConversationEvent, frozen=True, kw_only=True):
    TOPIC = "conversations.PresetsDeleted"
    preset_ids: list[str]


class ProjectCreated(ConversationEvent, frozen=True, kw_only=True):
    """A chat project (LibreChat's ChatProject): a named folder of the user's conversations.
    `project_id` is the id the client sees (24 hex digits, as LibreChat's are)."""

    TOPIC = "conversations.ProjectCreated"
    personal = ("name", "description")
    project_id: str
    name: str
    description: str = ""


class ProjectUpdated(ConversationEvent, frozen=True, kw_only=True):
    TOPIC = "conversations.ProjectUpdated"
    personal = ("name", "description")
    project_id: str
    name: str
    description: str = ""


class ProjectDeleted(ConversationEvent, frozen=True, kw_only=True):
    """Its conversations stay, and belong to no project from here on."""

    TOPIC = "conversations.ProjectDeleted"
    project_id: str


class ConversationMovedToProject(ConversationEvent, frozen=True, kw_only=True):
    """`project_id` None: the conversation left its project (`previous`)."""

    TOPIC = "conversations.ConversationMovedToProject"
    project_id: str | None
    previous: str | None = None
