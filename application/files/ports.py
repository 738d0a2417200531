"""What the files context asks of the infrastructure: where bytes live, and what images and
documents are made of."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID


class FileStorage(Protocol):
    """A storage strategy (`local` disk, `s3`). Bytes are sealed under their owner's key
    before they reach it, so it never holds plaintext."""

    name: str

    def put(self, owner: UUID, key: str, data: bytes) -> None: ...

    def get(self, owner: UUID, key: str) -> bytes | None:
        """None: no such object, or its owner's key was destroyed (shredded)."""
        ...

    def delete(self, key: str) -> None: ...


@dataclass(frozen=True)
class Image:
    data: bytes
    type: str
    width: int
    height: int


class Images(Protocol):
    def convert(self, data: bytes, *, max_side: int | None = None, fmt: str | None = None) -> Image:
        """Decode, shrink to `max_side` (keeping the ratio) and re-encode (`fmt`: webp, png,
        jpeg; None keeps the format). Raises ValueError when the bytes are no image."""
        ...


class Documents(Protocol):
    def text_of(self, data: bytes, mime: str) -> str | None:
        """The text of a PDF, DOCX or text file; None for other types."""
        ...


class FileIndex(Protocol):
    """The files read model."""

    def own(self, user_id: UUID) -> list[dict[str, Any]]: ...

    def get(self, user_id: UUID, file_id: UUID) -> dict[str, Any] | None: ...

    def owners_of(self, file_ids: list[UUID]) -> dict[UUID, list[UUID]]:
        """file id → the users holding a file of that id (a file id is unique per owner)."""
        ...

    def by_path(self, user_id: UUID, filepath: str) -> dict[str, Any] | None: ...
