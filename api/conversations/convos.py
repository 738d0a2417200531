"""/api/convos: the chat list, one chat, and commands on chats."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

import anyio
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.params import JSONBody, MultipartBody

from api.bodies import decode_json
from api.conversations.presenters import conversation_json, conversation_row_json, message_json
from api.conversations.schemas import ConvoArg, ConvoCommand, DuplicateBody, ForkBody
from api.deps import container_of, provide_user_id
from api.limits import FORK, IMPORT
from api.search import matching_conversations
from application.chat.service import DEFAULT_TITLE
from application.conversations.copies import Copied
from domain.conversations.project import is_project_id
from domain.shared.errors import Invalid, NotFound
from projections.conversations import queries
from projections.sharing import queries as sharing_queries

MAX_IMPORT_BYTES = 50 * 1024 * 1024
LIST_PROJECTIONS = ["conversation_list", "shared_links"]


def parse_id(value: str | None, what: str = "Conversation") -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"{what} not found") from None


class ConvosController(Controller):
    path = "/api/convos"
    dependencies = {"user_id": Provide(provide_user_id)}

    @get("/", sync_to_thread=True)
    def list_convos(self, request: Request[Any, Any, Any], user_id: UUID) -> dict[str, Any]:
        params = request.query_params
        container = container_of(request)
        container.consistency.wait(user_id, LIST_PROJECTIONS)
        page = _page(container, user_id, params)
        items = [conversation_row_json(r) for r in page.rows]
        if container.settings.sharing.enabled:  # LibreChat's `isShared` badge
            with container.reads.connect() as conn:
                ids = [item["conversationId"] for item in items]
                shared = sharing_queries.shared_conversations(conn, user_id, ids)
            for item in items:
                item["isShared"] = item["conversationId"] in shared
        return {"conversations": items, "nextCursor": page.next_cursor}

    @get("/gen_title/{conversation_id:str}")
    async def gen_title(
        self, request: Request[Any, Any, Any], user_id: UUID, conversation_id: str
    ) -> Response[Any]:
        """The title the worker made, polled with LibreChat's backoff (0.5, 1, 2, 4, 8 s,
        bounded by CHRONICLE_TITLE_WAIT)."""
        container = container_of(request)
        cid = parse_id(conversation_id)
        deadline = time.monotonic() + container.settings.title_wait_s
        delay = 0.5
        while True:
            try:
                convo = await anyio.to_thread.run_sync(container.conversations.get, user_id, cid)
            except NotFound:
                return Response({"message": "Title not found"}, status_code=404)
            if convo.title not in ("", DEFAULT_TITLE):
                return Response({"title": convo.title})
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Response({"message": "Title not found"}, status_code=404)
            await anyio.sleep(min(delay, remaining))
            delay *= 2

    @get("/{conversation_id:str}", sync_to_thread=True)
    def get_convo(
        self, request: Request[Any, Any, Any], user_id: UUID, conversation_id: str
    ) -> Response[Any]:
        try:
            convo = container_of(request).conversations.get(user_id, parse_id(conversation_id))
        except NotFound:
            return Response(None, status_code=404)
        return Response(conversation_json(convo))

    @post("/update", status_code=201, sync_to_thread=True)
    def update(
        self, request: Request[Any, Any, Any], user_id: UUID, data: JSONBody[ConvoCommand]
    ) -> dict[str, Any]:
        service = container_of(request).conversations
        cid = parse_id(data.arg.conversationId)
        service.retitle(user_id, cid, data.arg.title)
        return conversation_json(service.get(user_id, cid))

    @post("/archive", status_code=200, sync_to_thread=True)
    def archive(
        self, request: Request[Any, Any, Any], user_id: UUID, data: JSONBody[ConvoCommand]
    ) -> dict[str, Any]:
        service = container_of(request).conversations
        return _flagged(service, user_id, data.arg, "isArchived", service.archive)

    @post("/archive/all", status_code=200, sync_to_thread=True)
    def archive_all(self, request: Request[Any, Any, Any], user_id: UUID) -> dict[str, Any]:
        done = container_of(request).bulk.archive_all(user_id)
        return {"archivedCount": done.value}

    @post("/pin", status_code=200, sync_to_thread=True)
    def pin(
        self, request: Request[Any, Any, Any], user_id: UUID, data: JSONBody[ConvoCommand]
    ) -> dict[str, Any]:
        service = container_of(request).conversations
        return _flagged(service, user_id, data.arg, "pinned", service.pin)

    @delete("/", status_code=201, sync_to_thread=True)
    def delete_convos(
        self, request: Request[Any, Any, Any], user_id: UUID, data: ConvoCommand | None = None
    ) -> Response[Any]:
        arg = (data or ConvoCommand()).arg  # no body: LibreChat's "no parameters provided"
        if not any((arg.conversationId, arg.source, arg.thread_id, arg.endpoint)):
            return Response({"error": "no parameters provided"}, status_code=400)
        if arg.source == "button" and not arg.conversationId:
            return Response("nothing to delete", status_code=200, media_type="text/plain")
        return Response(_deleted(request, user_id, [parse_id(arg.conversationId)]), status_code=201)

    @delete("/all", status_code=201, sync_to_thread=True)
    def delete_all(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        container = container_of(request)
        ids = container.conversations.index.conversation_ids(user_id)
        return Response(_deleted(request, user_id, ids), status_code=201)

    @post("/fork", status_code=200, sync_to_thread=True, guards=FORK)
    def fork(
        self, request: Request[Any, Any, Any], user_id: UUID, data: JSONBody[ForkBody]
    ) -> dict[str, Any]:
        copied = container_of(request).copies.fork(
            user_id,
            parse_id(data.conversationId),
            parse_id(data.messageId, "Message"),
            data.option,
            data.splitAtTarget,
        )
        return _copied(copied)

    @post("/duplicate", status_code=201, sync_to_thread=True, guards=FORK)
    def duplicate(
        self, request: Request[Any, Any, Any], user_id: UUID, data: JSONBody[DuplicateBody]
    ) -> dict[str, Any]:
        copied = container_of(request).copies.duplicate(
            user_id, parse_id(data.conversationId), data.title
        )
        return _copied(copied)

    @post("/import", status_code=201, guards=IMPORT)
    async def import_convos(
        self,
        request: Request[Any, Any, Any],
        user_id: UUID,
        data: MultipartBody[dict[str, UploadFile]],
    ) -> Response[Any]:
        upload = data.get("file")
        if upload is None:
            return Response({"message": "No file uploaded"}, status_code=400)
        raw = await upload.read()
        if len(raw) > MAX_IMPORT_BYTES:
            return Response({"message": "File is too large"}, status_code=413)
        parsed = decode_json(raw, "Invalid JSON file")
        from anyio import to_thread

        copies = container_of(request).copies
        await to_thread.run_sync(copies.import_export, user_id, parsed)
        return Response({"message": "Conversation(s) imported successfully"}, status_code=201)


def _flagged(
    service: Any,
    user_id: UUID,
    arg: ConvoArg,
    flag: str,
    command: Callable[[UUID, UUID, bool], Any],
) -> dict[str, Any]:
    """Archive and pin: LibreChat sends one flag of `arg` for one chat, and gets the chat back."""
    value = getattr(arg, flag)
    if value is None:
        raise Invalid(f"{flag} is required")
    cid = parse_id(arg.conversationId)
    command(user_id, cid, value)
    return conversation_json(service.get(user_id, cid))


def _page(container: Any, user_id: UUID, params: Any) -> queries.Page:
    limit = _limit(params.get("limit"))
    direction = params.get("sortDirection", "desc")
    if direction not in ("asc", "desc"):
        raise Invalid("Invalid sortDirection")
    request = queries.ListRequest(
        user_id=user_id,
        limit=limit,
        sort_by=params.get("sortBy", "updatedAt"),
        descending=direction == "desc",
        archived=params.get("isArchived") == "true",
        pinned=True if params.get("pinned") == "true" else None,
        tags=tuple(params.getall("tags", [])) or tuple(params.getall("tags[]", [])),
        cursor=params.get("cursor") or None,
        project=_project_filter(params.get("projectId")),  # checked before searching
        only_ids=_found(container, user_id, params.get("search")),
    )
    if request.only_ids == ():
        return queries.Page([], None)
    with container.reads.connect() as conn:
        return queries.list_conversations(conn, request)


def _found(container: Any, user_id: UUID, search: str | None) -> tuple[str, ...] | None:
    """The conversations a search matches (None: no search), as LibreChat restricts its list."""
    text = (search or "").strip()
    return matching_conversations(container, user_id, text) if text else None


def _project_filter(raw: str | None) -> str | None:
    """LibreChat: a project id (24 hex digits), `unassigned`, or nothing."""
    if raw and raw != queries.UNASSIGNED and not is_project_id(raw):
        raise Invalid("projectId must be a valid project id or unassigned")
    return raw or None


def _limit(raw: str | None) -> int:
    if raw is None:
        return 25
    try:
        value = int(raw)
    except ValueError:
        raise Invalid("Invalid limit") from None
    if not 1 <= value <= 100:
        raise Invalid("limit must be between 1 and 100")
    return value


def _deleted(request: Request[Any, Any, Any], user_id: UUID, ids: list[UUID]) -> dict[str, Any]:
    container = container_of(request)
    counts = {}
    for cid in ids:
        try:
            counts[cid] = len(container.conversations.get(user_id, cid).messages)
        except NotFound:
            continue
    deleted = container.conversations.delete(user_id, list(counts)).value
    return {
        "acknowledged": True,
        "deletedCount": len(deleted),
        "messages": {"acknowledged": True, "deletedCount": sum(counts[c] for c in deleted)},
        "conversationIds": [str(c) for c in deleted],
    }


def _copied(copied: Copied) -> dict[str, Any]:
    return {
        "conversation": conversation_json(copied.conversation),
        "messages": [message_json(m, copied.conversation.id) for m in copied.messages],
    }
