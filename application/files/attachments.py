"""Files in chat: a message's `files` resolved from its sender's uploads, and the turn a
model sees (documents' text as context, images as image parts)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.chat.ports import Role, Turn, TurnImage
from application.files.service import Files
from domain.files import content
from domain.shared.errors import Invalid, NotFound

# what a message's `files` keep of a file (LibreChat's message file fields)
KEPT = ("file_id", "filename", "filepath", "type", "width", "height", "bytes", "source")
CHARS_PER_TOKEN = 4  # the documents' budget, `fileTokenLimit`, counted roughly in characters


class ChatAttachments:
    def __init__(self, files: Files) -> None:
        self._files = files

    def resolve(
        self, user_id: UUID, refs: list[dict[str, Any]], endpoint: str | None
    ) -> list[dict[str, Any]]:
        limit = self._files.limits.for_endpoint(endpoint).file_limit
        if len(refs) > limit:
            raise Invalid(f"Too many files: at most {limit} per message")
        return [self._one(user_id, ref) for ref in refs]

    def _one(self, user_id: UUID, ref: dict[str, Any]) -> dict[str, Any]:
        try:
            row = self._files.get(user_id, UUID(str(ref.get("file_id"))))
        except (ValueError, NotFound):
            return ref  # not the sender's upload: kept as sent, never read
        return {k: row[k] for k in KEPT if row.get(k) is not None}

    def attach(
        self, user_id: UUID, files: list[dict[str, Any]], conversation_id: UUID, message_id: UUID
    ) -> None:
        for file in files:
            try:
                file_id = UUID(str(file.get("file_id")))
                self._files.attach(user_id, file_id, conversation_id, message_id)
            except (ValueError, NotFound):
                continue  # not an upload of the sender's, or deleted since

    def turn(self, user_id: UUID, role: Role, text: str, files: list[dict[str, Any]]) -> Turn:
        images: list[TurnImage] = []
        documents: list[str] = []
        budget = self._files.limits.file_token_limit * CHARS_PER_TOKEN
        for file in files:
            try:
                row = self._files.get(user_id, UUID(str(file.get("file_id"))))
            except (ValueError, NotFound):
                continue
            if content.is_image(row["type"]):
                images.append(TurnImage(row["type"], self._files.data(row)))
            elif row.get("text") and budget > 0:
                body = row["text"][:budget]
                budget -= len(body)
                documents.append(f'# "{row["filename"]}"\n{body}')
        if documents:
            text = "Attached document(s):\n" + "\n\n".join(documents) + "\n\n" + text
        return Turn(role, text, images=tuple(images))
