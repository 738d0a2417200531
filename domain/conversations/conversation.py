"""The Conversation aggregate: owns its message tree (siblings = regenerations and edits)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Self
from uuid import UUID

from domain.conversations.events import (
    ConversationArchived,
    ConversationDeleted,
    ConversationMovedToProject,
    ConversationPinned,
    ConversationRetitled,
    ConversationSettingsChanged,
    ConversationStarted,
    ConversationTagged,
    MessageDeleted,
    MessageEdited,
    MessageFeedbackGiven,
    MessagePosted,
    ToolCallCompleted,
)
from domain.conversations.rules import (
    MAX_ENDPOINT,
    MAX_MODEL,
    MAX_SENDER,
    NO_PARENT,
    TEMPORARY_CHAT_RETENTION,
    check_content,
    check_count,
    check_extra,
    check_feedback,
    check_optional,
    check_text,
    clean_tags,
    clean_title,
)
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Forbidden, Invalid, NotFound
from domain.shared.events import utcnow


@dataclass(frozen=True)
class Message:
    message_id: UUID
    parent_message_id: UUID
    sender: str
    is_created_by_user: bool
    text: str
    content: list[dict[str, Any]] | None
    model: str | None
    endpoint: str | None
    token_count: int | None
    unfinished: bool
    error: bool
    created_at: datetime
    updated_at: datetime
    feedback: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    files: list[dict[str, Any]] | None = None


class Conversation(Aggregate):
    user_id: UUID
    title: str
    endpoint: str | None
    model: str | None
    settings: dict[str, Any]
    tags: list[str]
    pinned: bool
    archived_at: datetime | None
    deleted: bool
    # Set on a temporary chat: when its retention ends. The class default serves snapshots
    # taken before the field existed.
    expired_at: datetime | None = None
    project_id: str | None = None  # its chat project's id, as the client sees it
    created_at: datetime
    updated_at: datetime
    messages: dict[UUID, Message]

    @classmethod
    def start(
        cls,
        conversation_id: UUID,
        user_id: UUID,
        *,
        title: str = "New Chat",
        endpoint: str | None = None,
        model: str | None = None,
        settings: dict[str, Any] | None = None,
        imported_from: str | None = None,
        created_at: datetime | None = None,
        temporary: bool = False,
        retention: timedelta = TEMPORARY_CHAT_RETENTION,
    ) -> Conversation:
        """`retention`: how long a temporary chat is kept (LibreChat's temporaryChatRetention)."""
        conversation = cls(conversation_id)
        expired_at = utcnow() + retention if temporary else None
        conversation._record(
            ConversationStarted,
            user_id=user_id,
            title=clean_title(title),
            endpoint=check_optional("endpoint", endpoint, MAX_ENDPOINT),
            model=check_optional("model", model, MAX_MODEL),
            settings=settings or {},
            imported_from=imported_from,
            created_at=created_at,
            is_temporary=temporary,
            expired_at=expired_at,
        )
        return conversation

    def fork(self) -> Self:
        """Appliers replace messages (frozen) and settings/tags rather than mutating them,
        so copying the containers is enough: O(messages) pointer copies, no deep copy."""
        twin = copy.copy(self)
        twin._pending = []
        twin.messages = dict(self.messages)
        twin.settings = dict(self.settings)
        twin.tags = list(self.tags)
        return twin

    # -------------------------------------------------------------- access
    def check_owner(self, user_id: UUID) -> None:
        """LibreChat answers 404 for a missing chat and 403 for someone else's."""
        if self.deleted:
            raise NotFound("Conversation not found")
        if user_id != self.user_id:
            raise Forbidden("User not authorized for this conversation")

    # ------------------------------------------------------------ commands
    def retitle(self, title: object, generated: bool = False) -> None:
        value = clean_title(title)
        if value != self.title:
            self._record(
                ConversationRetitled, user_id=self.user_id, title=value, generated=generated
            )

    def move_to_project(self, project_id: str | None) -> None:
        """The caller checked that the project is the owner's (`Projects.assign`)."""
        if project_id != self.project_id:
            self._record(
                ConversationMovedToProject,
                user_id=self.user_id,
                project_id=project_id,
                previous=self.project_id,
            )

    def change_settings(
        self, endpoint: str | None, model: str | None, settings: dict[str, Any]
    ) -> None:
        check_optional("endpoint", endpoint, MAX_ENDPOINT)
        check_optional("model", model, MAX_MODEL)
        changed = {k: v for k, v in settings.items() if self.settings.get(k) != v}
        if (
            changed
            or (endpoint or self.endpoint) != self.endpoint
            or (model or self.model) != self.model
        ):
            self._record(
                ConversationSettingsChanged,
                user_id=self.user_id,
                endpoint=endpoint,
                model=model,
                settings=changed,
            )

    def archive(self, archived: bool) -> None:
        if archived != (self.archived_at is not None):
            self._record(ConversationArchived, user_id=self.user_id, archived=archived)

    def pin(self, pinned: bool) -> None:
        if pinned != self.pinned:
            self._record(ConversationPinned, user_id=self.user_id, pinned=pinned)

    def tag(self, tags: object) -> None:
        cleaned = clean_tags(tags)
        if cleaned != self.tags:
            self._record(ConversationTagged, user_id=self.user_id, tags=cleaned)

    def delete(self) -> None:
        if not self.deleted:
            self._record(ConversationDeleted, user_id=self.user_id)

    def record_tool_call(self, message_id: UUID, call: dict[str, Any]) -> None:
        """A tool call of the answer `message_id` and its result (see ToolCallCompleted)."""
        if self.deleted:
            raise NotFound("Conversation not found")
        self._record(ToolCallCompleted, user_id=self.user_id, message_id=message_id, **call)

    def expire(self, now: datetime) -> bool:
        """Remove a temporary chat whose retention ended by `now`; anything else stays."""
        if self.deleted or self.expired_at is None or self.expired_at > now:
            return False
        self.delete()
        return True

    def post(
        self,
        message_id: UUID,
        parent_message_id: UUID,
        *,
        sender: str,
        is_created_by_user: bool,
        text: str = "",
        **fields: Any,
    ) -> Message:
        """Add a message under `parent_message_id` (the root sentinel for the first one).
        Posting an id that exists with identical fields is a no-op (client retries)."""
        existing = self.messages.get(message_id)
        if existing is not None:
            if existing.parent_message_id == parent_message_id and existing.text == text:
                return existing
            raise Invalid("a message with this id already exists")
        if parent_message_id != NO_PARENT and parent_message_id not in self.messages:
            raise Invalid("parentMessageId does not name a message of this conversation")
        _check_message(sender, text, fields)
        self._record(
            MessagePosted,
            user_id=self.user_id,
            message_id=message_id,
            parent_message_id=parent_message_id,
            sender=sender,
            is_created_by_user=is_created_by_user,
            text=text,
            **fields,
        )
        return self.messages[message_id]

    def edit(
        self,
        message_id: UUID,
        text: str,
        content: list[dict[str, Any]] | None = None,
        token_count: int | None = None,
    ) -> Message:
        message = self.message(message_id)
        check_text("text", text)
        check_content(content)
        check_count("tokenCount", token_count)
        if text != message.text or content != message.content:
            self._record(
                MessageEdited,
                user_id=self.user_id,
                message_id=message_id,
                text=text,
                content=content,
                token_count=token_count,
            )
        return self.messages[message_id]

    def give_feedback(self, message_id: UUID, feedback: object) -> Message:
        checked = check_feedback(feedback)
        if checked != self.message(message_id).feedback:
            self._record(
                MessageFeedbackGiven, user_id=self.user_id, message_id=message_id, feedback=checked
            )
        return self.messages[message_id]

    def delete_message(self, message_id: UUID) -> None:
        self.message(message_id)
        self._record(MessageDeleted, user_id=self.user_id, message_id=message_id)

    def message(self, message_id: UUID) -> Message:
        try:
            return self.messages[message_id]
        except KeyError:
            raise NotFound("Message not found") from None

    def ordered_messages(self) -> list[Message]:
        return sorted(self.messages.values(), key=lambda m: (m.created_at, str(m.message_id)))

    # ------------------------------------------------------------ appliers
    @applies(ConversationStarted)
    def _started(self, event: ConversationStarted) -> None:
        self.user_id, self.title = event.user_id, event.title
        self.endpoint, self.model, self.settings = event.endpoint, event.model, dict(event.settings)
        self.tags, self.pinned, self.archived_at, self.deleted = [], False, None, False
        self.expired_at = event.expired_at
        self.created_at = event.created_at or event.timestamp
        self.updated_at = event.timestamp
        self.messages = {}

    @applies(ConversationRetitled)
    def _retitled(self, event: ConversationRetitled) -> None:
        self.title, self.updated_at = event.title, event.timestamp

    @applies(ConversationSettingsChanged)
    def _settings_changed(self, event: ConversationSettingsChanged) -> None:
        self.endpoint = event.endpoint or self.endpoint
        self.model = event.model or self.model
        self.settings = {**self.settings, **event.settings}
        self.updated_at = event.timestamp

    @applies(ConversationArchived)
    def _archived(self, event: ConversationArchived) -> None:
        # LibreChat keeps updatedAt when archiving
        self.archived_at = event.timestamp if event.archived else None

    @applies(ConversationPinned)
    def _pinned(self, event: ConversationPinned) -> None:
        self.pinned = event.pinned

    @applies(ConversationTagged)
    def _tagged(self, event: ConversationTagged) -> None:
        self.tags = list(event.tags or [])

    @applies(ConversationMovedToProject)
    def _moved(self, event: ConversationMovedToProject) -> None:
        self.project_id = event.project_id

    @applies(ConversationDeleted)
    def _deleted(self, event: ConversationDeleted) -> None:
        self.deleted, self.messages = True, {}

    @applies(MessagePosted)
    def _posted(self, event: MessagePosted) -> None:
        self.messages[event.message_id] = Message(
            message_id=event.message_id,
            parent_message_id=event.parent_message_id,
            sender=event.sender,
            is_created_by_user=event.is_created_by_user,
            text=event.text,
            content=event.content,
            model=event.model,
            endpoint=event.endpoint,
            token_count=event.token_count,
            unfinished=event.unfinished,
            error=event.error,
            created_at=event.created_at or event.timestamp,
            updated_at=event.timestamp,
            extra=dict(event.extra),
            files=event.files,
        )
        self.updated_at = event.timestamp

    @applies(ToolCallCompleted)
    def _tool_called(self, event: ToolCallCompleted) -> None:
        """A fact of the turn's history; the answer's message carries what readers see."""

    @applies(MessageEdited)
    def _edited(self, event: MessageEdited) -> None:
        message = self.messages[event.message_id]
        self.messages[event.message_id] = replace(
            message,
            text=event.text,
            content=event.content,
            token_count=event.token_count if event.token_count is not None else message.token_count,
            updated_at=event.timestamp,
        )
        self.updated_at = event.timestamp

    @applies(MessageFeedbackGiven)
    def _feedback(self, event: MessageFeedbackGiven) -> None:
        message = self.messages[event.message_id]
        self.messages[event.message_id] = replace(
            message, feedback=event.feedback, updated_at=event.timestamp
        )

    @applies(MessageDeleted)
    def _message_deleted(self, event: MessageDeleted) -> None:
        self.messages.pop(event.message_id, None)


def _check_message(sender: str, text: str, fields: dict[str, Any]) -> None:
    """What the transcript's columns can hold, whichever way the message came in."""
    check_text("sender", sender, MAX_SENDER)
    check_text("text", text)
    check_content(fields.get("content"))
    check_optional("model", fields.get("model"), MAX_MODEL)
    check_optional("endpoint", fields.get("endpoint"), MAX_ENDPOINT)
    check_count("tokenCount", fields.get("token_count"))
    check_extra(fields.get("extra"))
