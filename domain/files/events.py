"""File events. Topics are the storage contract: never change one.

The name a user gave a file and the text extracted from it are personal (encrypted under the
owner's key, like the bytes in storage); ids, sizes, types and where the bytes live are not.
"""

from __future__ import annotations

from uuid import UUID

from domain.shared.events import DomainEvent


class FileEvent(DomainEvent, frozen=True, kw_only=True):
    subject = "user_id"
    user_id: UUID
    file_id: UUID


class FileUploaded(FileEvent, frozen=True, kw_only=True):
    """Stored bytes became a file. `context` is LibreChat's FileContext
    (`message_attachment`, `avatar`, …); `source` the storage strategy (`local`, `s3`);
    `storage_key` where its bytes are in that strategy; `text` the extracted text of a
    document (None: not a text document)."""

    TOPIC = "files.FileUploaded"
    personal = ("filename", "text")
    temp_file_id: str | None = None
    filename: str
    type: str
    bytes: int
    context: str = "message_attachment"
    source: str = "local"
    storage_key: str
    filepath: str
    width: int | None = None
    height: int | None = None
    text: str | None = None
    embedded: bool = False


class FileAttached(FileEvent, frozen=True, kw_only=True):
    """The file was sent with a message of a conversation (LibreChat's `usage` count and
    `conversationId`)."""

    TOPIC = "files.FileAttached"
    conversation_id: UUID
    message_id: UUID


class FileDeleted(FileEvent, frozen=True, kw_only=True):
    """The file is gone: its bytes were removed from storage."""

    TOPIC = "files.FileDeleted"
