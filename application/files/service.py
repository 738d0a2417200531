"""Uploads, reads and deletions of a user's files. An upload is checked whole (id, name,
size, type by content, the endpoint's limits) before anything is stored; its bytes are
stored before its event is recorded, and removed again when the record fails, so a refused
or failed upload leaves nothing."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.files.config import MB, FileLimits
from application.files.ports import Documents, FileIndex, FileStorage, Images
from application.shared.store import EventStore, retry_on_conflict
from domain.files import content
from domain.files.file import StoredFile
from domain.shared.errors import Forbidden, Invalid, NotFound

MAX_NAME = 255
_UNSAFE = re.compile(r"[^\w.\- ()\[\]@+,]", re.UNICODE)
IMAGE_MAX_SIDE = 4096  # an image is shrunk to fit before it is stored
# the extracted text an event keeps: far beyond any model's `fileTokenLimit` budget, and an
# event stays a reasonable size whatever was uploaded
MAX_TEXT = 2_000_000


class TooLarge(Invalid):
    """Beyond a size limit: answered 413."""


@dataclass(frozen=True)
class Upload:
    filename: str
    declared_type: str
    data: bytes
    file_id: str | None = None
    endpoint: str | None = None
    image: bool = False  # POST /api/files/images: converted, width and height known
    avatar: bool = False


@dataclass(frozen=True)
class Removed:
    deleted: list[UUID]
    not_owned: list[UUID]


class Files:
    def __init__(
        self,
        store: EventStore,
        storage: FileStorage,
        index: FileIndex,
        limits: FileLimits,
        images: Images,
        documents: Documents,
    ) -> None:
        self._store = store
        self._storage = storage
        self._index = index
        self.limits = limits
        self._images = images
        self._documents = documents

    # ------------------------------------------------------------ commands
    def upload(self, user_id: UUID, upload: Upload) -> dict[str, Any]:
        file_id = self._check(upload)
        mime = content.infer_type(upload.filename, upload.declared_type)
        self._check_type(upload, mime)
        data, width, height = upload.data, None, None
        if upload.image or upload.avatar or content.is_image(mime):
            image = self._image(upload, mime)
            data, mime, width, height = image.data, image.type, image.width, image.height
        name = safe_name(upload.filename)
        key = f"{user_id}/{file_id}__{name}"
        folder = "images" if width is not None else "uploads"
        fields: dict[str, Any] = {
            "temp_file_id": upload.file_id,
            "filename": name,
            "type": mime,
            "bytes": len(data),
            "context": "avatar" if upload.avatar else "message_attachment",
            "source": self._storage.name,
            "storage_key": key,
            "filepath": f"/{folder}/{user_id}/{file_id}__{name}",
            "width": width,
            "height": height,
            "text": None if width is not None else self._text(data, mime),
        }
        self._storage.put(user_id, key, data)
        try:
            aggregate = StoredFile.blank(user_id, file_id)
            aggregate.upload(user_id, file_id, **fields)
            self._store.commit(aggregate, actor=user_id)
        except BaseException:
            self._storage.delete(key)
            raise
        return {"file_id": file_id, **fields}

    def delete(self, user_id: UUID, file_ids: list[UUID]) -> Removed:
        """LibreChat's rule: when any named file belongs to someone else, nothing is deleted."""
        owners = self._index.owners_of(file_ids)
        not_owned = [f for f in file_ids if owners.get(f) and user_id not in owners[f]]
        if not_owned:
            return Removed([], not_owned)
        deleted = [f for f in file_ids if user_id in owners.get(f, [])]
        for file_id in deleted:
            self._delete_one(user_id, file_id)
        return Removed(deleted, [])

    def attach(self, user_id: UUID, file_id: UUID, conversation_id: UUID, message_id: UUID) -> None:
        def decide() -> None:
            aggregate = self._store.load(StoredFile, StoredFile.blank(user_id, file_id).id)
            aggregate.attach(conversation_id, message_id)
            self._store.commit(aggregate, actor=user_id)

        retry_on_conflict(decide)

    def _delete_one(self, user_id: UUID, file_id: UUID) -> None:
        def decide() -> str | None:
            try:
                aggregate = self._store.load(StoredFile, StoredFile.blank(user_id, file_id).id)
            except NotFound:
                return None
            if not aggregate.live:
                return None
            aggregate.delete()
            self._store.commit(aggregate, actor=user_id)
            return aggregate.storage_key

        key = retry_on_conflict(decide)
        if key is not None:
            self._storage.delete(key)

    # ------------------------------------------------------------- queries
    def own(self, user_id: UUID) -> list[dict[str, Any]]:
        return self._index.own(user_id)

    def owners_of(self, file_id: UUID) -> list[UUID]:
        return self._index.owners_of([file_id]).get(file_id, [])

    def get(self, user_id: UUID, file_id: UUID) -> dict[str, Any]:
        row = self._index.get(user_id, file_id)
        if row is None:
            raise NotFound("File not found")
        return row

    def by_path(self, viewer: UUID, owner: UUID, filepath: str) -> dict[str, Any]:
        if viewer != owner:
            raise Forbidden("Forbidden")
        row = self._index.by_path(owner, filepath)
        if row is None:
            raise NotFound("File not found")
        return row

    def data(self, row: dict[str, Any]) -> bytes:
        found = self._storage.get(UUID(row["user_id"]), row["storage_key"])
        if found is None:
            raise NotFound("File not found")
        return found

    # -------------------------------------------------------------- checks
    def _check(self, upload: Upload) -> UUID:
        if not upload.avatar and not upload.file_id:
            raise Invalid("No file_id provided")
        if not upload.data:
            raise Invalid("Empty file uploaded")
        file_id = uuid.uuid4()
        if not upload.avatar:
            try:
                file_id = UUID(str(upload.file_id))
            except ValueError:
                raise Invalid("Invalid file_id: must be a UUID") from None
        if not upload.avatar and not upload.endpoint:
            raise Invalid("No endpoint provided")
        check_name(upload.filename)
        limit = (
            self.limits.avatar_size_limit
            if upload.avatar
            else self.limits.for_endpoint(upload.endpoint).file_size_limit
        )
        limit = min(limit, self.limits.server_file_size_limit)
        if len(upload.data) > limit:
            where = "avatar upload" if upload.avatar else f"{upload.endpoint} endpoint"
            raise TooLarge(f"File size limit of {limit / MB:g} MB exceeded for {where}")
        return file_id

    def _check_type(self, upload: Upload, mime: str) -> None:
        endpoint = self.limits.for_endpoint(upload.endpoint)
        if upload.avatar or upload.image:
            if not content.is_image(mime):
                raise Invalid("Unsupported file type")
        elif endpoint.disabled or not endpoint.accepts(mime):
            raise Invalid("Unsupported file type")
        if not content.matches(mime, upload.data):
            raise Invalid(f"File content does not match its type ({mime})")

    def _image(self, upload: Upload, mime: str) -> Any:
        try:
            if upload.avatar:
                return self._images.convert(upload.data, max_side=250, fmt="webp")
            return self._images.convert(upload.data, max_side=IMAGE_MAX_SIDE)
        except ValueError:
            raise Invalid(f"File content does not match its type ({mime})") from None

    def _text(self, data: bytes, mime: str) -> str | None:
        try:
            text = self._documents.text_of(data, mime)
        except ValueError:
            return None
        return text[:MAX_TEXT] if text is not None else None


def check_name(filename: str) -> None:
    """A name is a name, not a path (LibreChat keeps only the base name; a name that tries
    to climb or name a folder is refused here, so nothing can be stored beside it)."""
    if not filename or not filename.strip():
        raise Invalid("No file provided")
    if "/" in filename or "\\" in filename or filename in (".", "..") or "\x00" in filename:
        raise Invalid("Invalid file name: a path is not allowed")
    if len(filename) > MAX_NAME:
        raise Invalid(f"Invalid file name: at most {MAX_NAME} characters")


def safe_name(filename: str) -> str:
    """LibreChat's `sanitizeFilename`: unsafe characters become `_`."""
    name = _UNSAFE.sub("_", filename).strip() or "file"
    return name.lstrip(".") or "file"
