"""The StoredFile aggregate: one per owner and file id, so another user's file id loads
nothing and a file id is unique only within its owner."""

from __future__ import annotations

import uuid
from uuid import UUID

from domain.files.events import FileAttached, FileDeleted, FileUploaded
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Conflict, NotFound

_FILES = UUID("8b0f3c52-6a4d-4e1b-b7c9-2d5e8f1a6c04")


def file_aggregate_id(user_id: UUID, file_id: UUID) -> UUID:
    return uuid.uuid5(_FILES, f"{user_id}:{file_id}")


class StoredFile(Aggregate):
    user_id: UUID
    file_id: UUID
    storage_key: str
    source: str
    usage: int = 0
    live: bool = False

    @classmethod
    def blank(cls, user_id: UUID, file_id: UUID) -> StoredFile:
        return cls(file_aggregate_id(user_id, file_id))

    def upload(self, user_id: UUID, file_id: UUID, **fields: object) -> None:
        """A file id names one upload for good (a re-upload needs a new id)."""
        if self.version:
            raise Conflict("File already exists")
        self._record(FileUploaded, user_id=user_id, file_id=file_id, **fields)

    def attach(self, conversation_id: UUID, message_id: UUID) -> None:
        self._require_live()
        self._record(
            FileAttached,
            user_id=self.user_id,
            file_id=self.file_id,
            conversation_id=conversation_id,
            message_id=message_id,
        )

    def delete(self) -> None:
        self._require_live()
        self._record(FileDeleted, user_id=self.user_id, file_id=self.file_id)

    def _require_live(self) -> None:
        if not self.live:
            raise NotFound("File not found")

    @applies(FileUploaded)
    def _uploaded(self, e: FileUploaded) -> None:
        self.user_id, self.file_id = e.user_id, e.file_id
        self.storage_key, self.source = e.storage_key, e.source
        self.usage, self.live = 0, True

    @applies(FileAttached)
    def _attached(self, e: FileAttached) -> None:
        self.usage += 1

    @applies(FileDeleted)
    def _deleted(self, e: FileDeleted) -> None:
        self.live = False
