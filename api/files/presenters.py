"""LibreChat's file JSON (its `TFile`): camelCase times, `object: "file"`; the extracted text
is never sent (LibreChat's default projection drops it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def _iso(value: Any) -> str | None:
    if not isinstance(value, datetime):
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def file_json(row: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "_id": row.get("stream_id"),
        "user": row["user_id"],
        "file_id": row["file_id"],
        "temp_file_id": row.get("temp_file_id"),
        "bytes": row["bytes"],
        "embedded": bool(row.get("embedded")),
        "filename": row["filename"],
        "filepath": row["filepath"],
        "object": "file",
        "type": row["type"],
        "usage": row.get("usage", 0),
        "context": row["context"],
        "source": row["source"],
        "createdAt": _iso(row.get("created_at")),
        "updatedAt": _iso(row.get("updated_at")),
    }
    if row.get("width") is not None:
        body["width"], body["height"] = row["width"], row["height"]
    if row.get("conversation_id"):
        body["conversationId"] = row["conversation_id"]
    return body


def uploaded_json(user_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """The answer of an upload: LibreChat's `{message, ...file}`."""
    row = {**record, "user_id": user_id, "file_id": str(record["file_id"])}
    body = file_json(row)
    body.pop("_id", None)
    return {"message": "File uploaded and processed successfully", **body}
