"""/api/tags: a user's bookmark tags with their conversation counts."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote
from uuid import UUID

from litestar import Controller, Request, delete, get, post, put
from litestar.di import Provide
from litestar.params import JSONBody

from api.conversations.convos import parse_id
from api.conversations.presenters import iso
from api.conversations.schemas import ConvoTags, TagBody, TagUpdate
from api.deps import container_of, provide_user_id
from domain.conversations.tag_book import TagDefinition
from projections.conversations import queries


class TagsController(Controller):
    path = "/api/tags"
    dependencies = {"user_id": Provide(provide_user_id)}

    @get("/", sync_to_thread=True)
    def list_tags(self, request: Request[Any, Any, Any], user_id: UUID) -> list[dict[str, Any]]:
        container = container_of(request)
        container.consistency.wait(user_id, ["conversation_list"])
        with container.reads.connect() as conn:
            return [_row(r) for r in queries.tags_with_counts(conn, user_id)]

    @post("/", status_code=200, sync_to_thread=True)  # LibreChat answers 200, not 201
    def create(
        self, request: Request[Any, Any, Any], user_id: UUID, data: JSONBody[TagBody]
    ) -> dict[str, Any]:
        target = parse_id(data.conversationId) if data.addToConversation else None
        done = container_of(request).tags.create_tag(user_id, data.tag, data.description, target)
        return _definition(done.value, user_id, 1 if target else 0)

    @put("/convo/{conversation_id:str}", sync_to_thread=True)
    def set_on_conversation(
        self,
        request: Request[Any, Any, Any],
        user_id: UUID,
        conversation_id: str,
        data: JSONBody[ConvoTags],
    ) -> list[str]:
        done = container_of(request).tags.set_tags(user_id, parse_id(conversation_id), data.tags)
        return list(done.value.tags)

    @put("/{tag:str}", sync_to_thread=True)
    def update(
        self, request: Request[Any, Any, Any], user_id: UUID, tag: str, data: JSONBody[TagUpdate]
    ) -> dict[str, Any]:
        count = _count(request, user_id, unquote(tag))
        done = container_of(request).tags.update_tag(
            user_id, unquote(tag), data.tag, data.description, data.position
        )
        return _definition(done.value, user_id, count)

    @delete("/{tag:str}", status_code=200, sync_to_thread=True)
    def remove(self, request: Request[Any, Any, Any], user_id: UUID, tag: str) -> dict[str, Any]:
        count = _count(request, user_id, unquote(tag))
        done = container_of(request).tags.delete_tag(user_id, unquote(tag))
        return _definition(done.value, user_id, count)


def _count(request: Request[Any, Any, Any], user_id: UUID, tag: str) -> int:
    """The tag's conversations before the command: a rename keeps them, and LibreChat answers a
    deletion with the document as it was."""
    container = container_of(request)
    container.consistency.wait(user_id, ["conversation_list"])
    with container.reads.connect() as conn:
        rows = queries.tags_with_counts(conn, user_id)
    return next((int(r["count"]) for r in rows if r["tag"] == tag), 0)


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "_id": f"{row['user_id']}:{row['tag']}",
        "tag": row["tag"],
        "user": row["user_id"],
        "description": row["description"],
        "count": row["count"],
        "position": row["position"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


def _definition(tag: TagDefinition, user_id: UUID, count: int) -> dict[str, Any]:
    return {
        "_id": f"{user_id}:{tag.tag}",
        "tag": tag.tag,
        "user": str(user_id),
        "description": tag.description,
        "position": tag.position,
        "count": count,
    }
