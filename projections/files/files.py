"""FilesView: one row per live file, keyed by its owner and file id (a file id is unique
only within its owner). A deleted user's rows go with the account, and a tombstone keeps a
rebuild from bringing them back."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.files.events import FileAttached, FileDeleted, FileUploaded
from domain.identity.events import UserDeleted
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

Tables = dict[str, sa.Table]


class FilesProjection(Projection):
    name = "files"
    version = 1
    subscriptions = {
        "files": (FileUploaded, FileAttached, FileDeleted),
        "identity": (UserDeleted,),
    }

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> Tables:
        name = name_for("files")
        files = sa.Table(
            name,
            metadata,
            sa.Column("user_id", sa.String(36), primary_key=True),
            sa.Column("file_id", sa.String(36), primary_key=True),
            sa.Column("stream_id", sa.String(36), nullable=False),  # the aggregate (its `_id`)
            sa.Column("temp_file_id", sa.String(128), nullable=True),
            sa.Column("filename", sa.Text, nullable=False),
            sa.Column("filepath", sa.Text, nullable=False),
            sa.Column("storage_key", sa.Text, nullable=False),
            sa.Column("type", sa.String(255), nullable=False),
            sa.Column("bytes", sa.BigInteger, nullable=False),
            sa.Column("context", sa.String(64), nullable=False),
            sa.Column("source", sa.String(32), nullable=False),
            sa.Column("width", sa.Integer, nullable=True),
            sa.Column("height", sa.Integer, nullable=True),
            sa.Column("text", sa.Text, nullable=True),
            sa.Column("embedded", sa.Boolean, nullable=False),
            sa.Column("usage", sa.Integer, nullable=False),
            sa.Column("conversation_id", sa.String(36), nullable=True),
            sa.Column("message_id", sa.String(36), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Index(f"{name}_file_idx", "file_id"),
            sa.Index(f"{name}_user_path_idx", "user_id", "filepath"),
        )
        gone = sa.Table(
            name_for("files_gone"),
            metadata,
            sa.Column("user_id", sa.String(36), primary_key=True),  # a deleted account
        )
        return {"files": files, "files_gone": gone}

    def apply(self, rows: Rows, tables: Tables, event: Any) -> None:
        files, gone = tables["files"], tables["files_gone"]
        if isinstance(event, UserDeleted):
            user = {"user_id": str(event.originator_id)}
            rows.delete(files, user)
            rows.upsert(gone, user, key=["user_id"], update=[])
            return
        key = {"user_id": str(event.user_id), "file_id": str(event.file_id)}
        if isinstance(event, FileUploaded):
            # a rebuild may read the account's deletion before its uploads
            if rows.get(gone, {"user_id": key["user_id"]}) is None:
                rows.upsert(files, {**key, **_row(event)}, key=["user_id", "file_id"])
        elif isinstance(event, FileAttached):
            values = {
                "conversation_id": str(event.conversation_id),
                "message_id": str(event.message_id),
                "updated_at": event.timestamp,
            }
            rows.update(files, key, values, add={"usage": 1})
        elif isinstance(event, FileDeleted):
            rows.delete(files, key)


def _row(e: FileUploaded) -> dict[str, Any]:
    return {
        "stream_id": str(e.originator_id),
        "temp_file_id": e.temp_file_id,
        "filename": e.filename,
        "filepath": e.filepath,
        "storage_key": e.storage_key,
        "type": e.type,
        "bytes": e.bytes,
        "context": e.context,
        "source": e.source,
        "width": e.width,
        "height": e.height,
        "text": e.text,
        "embedded": e.embedded,
        "usage": 0,
        "conversation_id": None,
        "message_id": None,
        "created_at": e.timestamp,
        "updated_at": e.timestamp,
    }
