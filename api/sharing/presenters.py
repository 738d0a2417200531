"""LibreChat's shapes for shared links, and the anonymised view (`getSharedMessages`):
fresh ids per response, only render fields, nothing that names the owner's chat."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from api.conversations.presenters import iso
from application.sharing.service import nanoid
from domain.sharing.branches import NO_PARENT, Node, up_to_target

# extra fields of a message the shared view keeps (LibreChat's allowlist)
KEPT_EXTRA = ("finish_reason", "manualSkills", "alwaysAppliedSkills", "quotes")
# file fields a viewer never sees (storage and identity internals)
SENSITIVE_FILE_FIELDS = {
    "_id", "__v", "user", "tenantId", "storageRegion", "storageKey", "temp_file_id",
    "message", "source", "filterSource", "context", "embedded", "usage", "metadata",
}  # fmt: skip


def link_json(row: dict[str, Any]) -> dict[str, Any]:
    """A command's answer: `{_id, shareId, conversationId, targetMessageId?}`."""
    body = {
        "_id": row["link_id"],
        "shareId": row["share_id"],
        "conversationId": row["conversation_id"],
    }
    if row.get("target_message_id"):
        body["targetMessageId"] = row["target_message_id"]
    return body


def list_item_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "shareId": row["share_id"],
        "title": row["title"] or "Untitled",
        "createdAt": iso(row["created_at"]),
        "conversationId": row["conversation_id"],
    }


def memoized(prefix: str) -> Callable[[str], str]:
    """`<prefix>_<nanoid>`, the same for one id within one response only (a process-wide
    map would let viewers correlate a chat across links)."""
    memo: dict[str, str] = {}

    def anonymise(value: str) -> str:
        if value not in memo:
            memo[value] = f"{prefix}_{nanoid()}"
        return memo[value]

    return anonymise


def visible(link: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows a link shows: with a target, the branch levels up to it."""
    target = link.get("target_message_id")
    if not target:
        return rows
    nodes = [Node(r["message_id"], r["parent_message_id"], r["created_at"]) for r in rows]
    kept = {n.id for n in up_to_target(nodes, target)}
    return [r for r in rows if r["message_id"] in kept]


def shared_json(
    link: dict[str, Any], rows: list[dict[str, Any]], include_files: bool
) -> dict[str, Any]:
    convo = memoized("convo")(link["conversation_id"])
    message_id, assistant = memoized("msg"), memoized("a")

    def anonymise_id(value: str) -> str:
        return NO_PARENT if not value or value == NO_PARENT else message_id(value)

    return {
        "shareId": link["share_id"],
        "title": link["title"],
        "createdAt": iso(link["created_at"]),
        "updatedAt": iso(link["updated_at"]),
        "conversationId": convo,
        "messages": [
            _message(r, convo, anonymise_id, assistant, include_files, link["share_id"])
            for r in visible(link, rows)
        ],
    }


def _message(
    row: dict[str, Any],
    convo: str,
    anonymise_id: Callable[[str], str],
    assistant: Callable[[str], str],
    include_files: bool,
    share_id: str = "",
) -> dict[str, Any]:
    new_id = anonymise_id(row["message_id"])
    extra = row.get("extra") or {}
    body: dict[str, Any] = {
        "messageId": new_id,
        "parentMessageId": anonymise_id(row["parent_message_id"]),
        "conversationId": convo,
        "sender": row["sender"],
        "text": row["text"] or "",
    }
    if row.get("content") is not None:
        body["content"] = row["content"]
    if extra.get("iconURL"):
        body["iconURL"] = extra["iconURL"]
    model = row.get("model")
    if isinstance(model, str) and model.startswith("asst_"):  # else the model is not disclosed
        body["model"] = assistant(model)
    body |= {
        "isCreatedByUser": row["is_created_by_user"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
        "tokenCount": row["token_count"],
        "unfinished": row["unfinished"],
        "error": row["error"],
    }
    body |= {k: extra[k] for k in KEPT_EXTRA if extra.get(k) is not None}
    if include_files:
        for key in ("files", "attachments"):
            files = _files(extra.get(key), convo, new_id, share_id if key == "files" else "")
            if files:
                body[key] = files
    return body


def _files(value: Any, convo: str, message_id: str, share_id: str = "") -> list[dict[str, Any]]:
    """A message's files as the link shows them: an uploaded file (a message's `files`) is
    in the snapshot and served through the link (`filepath` becomes LibreChat's
    `/api/share/:shareId/files/:file_id`); other render paths (attachments) are dropped as
    LibreChat drops those of files outside the snapshot."""
    if not isinstance(value, list):
        return []
    kept = []
    for item in value:
        if not isinstance(item, dict):
            continue
        file = {
            k: v
            for k, v in item.items()
            if k not in SENSITIVE_FILE_FIELDS and k not in ("filepath", "preview")
        }
        if "conversationId" in file:
            file["conversationId"] = convo
        if "messageId" in file:
            file["messageId"] = message_id
        if share_id and isinstance(item.get("file_id"), str):
            file["filepath"] = f"/api/share/{share_id}/files/{quote(item['file_id'], safe='')}"
        if file:
            kept.append(file)
    return kept
