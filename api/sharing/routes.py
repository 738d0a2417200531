"""/api/share (LibreChat's share.js): the owner's links, and a link opened by its shareId
(signed in or, when public links are allowed, anonymously)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import Provide
from litestar.exceptions import ValidationException

from api.deps import bearer_user_id, container_of, provide_user_id
from api.identity.roles import SERVED
from api.limits import FORK
from api.sharing import files as share_files
from api.sharing import forks
from api.sharing.presenters import link_json, list_item_json, shared_json
from api.sharing.schemas import BadShare, ForkBody, ShareBody, refused
from application.bootstrap import Container
from application.sharing.ports import LinkRef
from application.sharing.service import Expired
from domain.identity.roles import permissions
from domain.shared.errors import Conflict, Invalid, NotFound
from domain.sharing.link import SharedLink
from projections.sharing import queries

AUTH = {"user_id": Provide(provide_user_id)}
PRIVATE = {"Cache-Control": "private, no-store"}
NOT_FOUND = {"message": "Shared link not found"}
MAX_SEARCH = 256
DEFAULT_PAGE, MAX_PAGE = 10, 100


@dataclass(frozen=True)
class Opened:
    link: dict[str, Any]
    viewer: UUID | None


class ShareController(Controller):
    path = "/api/share"

    @get("/", dependencies=AUTH, sync_to_thread=True)
    def list_links(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        params = request.query_params
        sort_by = str(params.get("sortBy") or "")
        sort_by = sort_by if sort_by in queries.SORTS else "createdAt"
        search = (params.get("search") or "").strip()
        if len(search) > MAX_SEARCH:
            message = f"search must be {MAX_SEARCH} characters or fewer"
            return Response({"message": message}, status_code=400)
        raw_cursor = (params.get("cursor") or "").strip()
        cursor = queries.decode_cursor(raw_cursor, sort_by) if raw_cursor else None
        if raw_cursor and cursor is None:
            return Response({"message": "cursor is not valid for this sort"}, status_code=400)
        listing = queries.ListRequest(
            user_id=user_id,
            page_size=_page_size(params.get("pageSize")),
            sort_by=sort_by,
            descending=params.get("sortDirection") != "asc",
            cursor=cursor,
            search=search or None,
        )
        container = container_of(request)
        container.consistency.wait(user_id, ["shared_links"])
        with container.reads.connect() as conn:
            rows, more = queries.list_links(conn, listing)
        body: dict[str, Any] = {"links": [list_item_json(r) for r in rows]}
        if more:
            body["nextCursor"] = queries.encode_cursor(rows[-1], sort_by)
        return Response({**body, "hasNextPage": more})

    @get("/link/{key:str}", dependencies=AUTH, sync_to_thread=True)
    def link_of_conversation(
        self, request: Request[Any, Any, Any], user_id: UUID, key: str
    ) -> dict[str, Any]:
        container = container_of(request)
        container.consistency.wait(user_id, ["shared_links"])
        with container.reads.connect() as conn:
            row = queries.link_for_conversation(conn, user_id, key)
        if row is None:
            return {"success": False, "shareId": None, "conversationId": key}
        body = {"_id": row["link_id"], "success": True, "shareId": row["share_id"]}
        if row["target_message_id"]:
            body["targetMessageId"] = row["target_message_id"]
        return {**body, "snapshotFiles": row["snapshot_files"], "conversationId": key}

    @post(
        "/{key:str}",
        dependencies=AUTH,
        sync_to_thread=True,
        status_code=200,
        exception_handlers={ValidationException: refused},
    )
    def create(
        self, request: Request[Any, Any, Any], user_id: UUID, key: str, data: ShareBody | None
    ) -> Response[Any]:
        container = container_of(request)
        flags = _flags(container, user_id)
        if not flags.get("CREATE"):
            return _forbidden()
        body = data or ShareBody()
        return _command(
            lambda: container.shared_links.create(
                user_id,
                key,
                body.target(),
                snapshot_files=container.settings.sharing.snapshot_files and body.wants_files(),
                public=bool(flags.get("SHARE_PUBLIC")),
            )
        )

    @patch(
        "/{key:str}",
        dependencies=AUTH,
        sync_to_thread=True,
        exception_handlers={ValidationException: refused},
    )
    def update(
        self, request: Request[Any, Any, Any], user_id: UUID, key: str, data: ShareBody | None
    ) -> Response[Any]:
        """Re-publishing is gated on CREATE, as LibreChat: revoking it stops updates too."""
        container = container_of(request)
        if not _flags(container, user_id).get("CREATE"):
            return _forbidden()
        body = data or ShareBody()
        snapshot_files = container.settings.sharing.snapshot_files and body.wants_files()
        return _command(
            lambda: container.shared_links.update(
                user_id, key, body.target(), snapshot_files=snapshot_files
            )
        )

    @delete("/{key:str}", dependencies=AUTH, sync_to_thread=True, status_code=200)
    def delete_link(
        self, request: Request[Any, Any, Any], user_id: UUID, key: str
    ) -> Response[Any]:
        try:
            link = container_of(request).shared_links.delete(user_id, key)
        except NotFound:
            return Response({"message": "Share not found"}, status_code=404)
        return Response(
            {
                "_id": str(link.resource_id),
                "success": True,
                "shareId": key,
                "message": "Share deleted successfully",
            }
        )

    @get("/{key:str}", sync_to_thread=True)
    def view(self, request: Request[Any, Any, Any], key: str) -> Response[Any]:
        opened = _open(request, key)
        if isinstance(opened, Response):
            return opened
        container = container_of(request)
        rows = container.links.messages(opened.link)
        container.view_counts.count(key)
        return Response(
            shared_json(opened.link, rows, _files_shown(container, opened.link)), headers=PRIVATE
        )

    @get("/{key:str}/config", sync_to_thread=True)
    def view_config(self, request: Request[Any, Any, Any], key: str) -> Response[Any]:
        opened = _open(request, key)
        if isinstance(opened, Response):
            return opened
        return Response({"appTitle": container_of(request).settings.app_title}, headers=PRIVATE)

    @post(
        "/{key:str}/fork",
        dependencies=AUTH,
        sync_to_thread=True,
        status_code=201,
        guards=FORK,
    )
    def fork(
        self, request: Request[Any, Any, Any], user_id: UUID, key: str, data: ForkBody | None
    ) -> Response[Any]:
        opened = _open(request, key, user_id)
        if isinstance(opened, Response):
            return opened
        container = container_of(request)
        rows = container.links.messages(opened.link)
        share = shared_json(opened.link, rows, _files_shown(container, opened.link))
        if not share["messages"]:
            return Response({"message": "Shared conversation not found"}, status_code=404)
        body = data or ForkBody()
        if body.shareRevision is not None and not forks.same_revision(
            share["updatedAt"], body.shareRevision
        ):
            return Response({"message": "Shared link was updated"}, status_code=409)
        copied = forks.fork(container, user_id, share, body)
        return Response(copied, status_code=201)

    @get("/{key:str}/files/{file_id:str}", sync_to_thread=True)
    def file(self, request: Request[Any, Any, Any], key: str, file_id: str) -> Response[Any]:
        return share_files.serve(request, _share_file(request, key, file_id), inline=True)

    @get("/{key:str}/files/{file_id:str}/download", sync_to_thread=True)
    def file_download(
        self, request: Request[Any, Any, Any], key: str, file_id: str
    ) -> Response[Any]:
        return share_files.serve(request, _share_file(request, key, file_id), inline=False)

    @get("/{key:str}/files/{file_id:str}/preview", sync_to_thread=True)
    def file_preview(
        self, request: Request[Any, Any, Any], key: str, file_id: str
    ) -> Response[Any]:
        return share_files.preview(_share_file(request, key, file_id))


def _open(
    request: Request[Any, Any, Any], share_id: str, viewer: UUID | None = None
) -> Opened | Response[Any]:
    """LibreChat's `canAccessSharedLink`: a public link opens for anyone when public links
    are allowed, else for any signed-in user; any other link only with the VIEW bit. One
    a signed-in viewer may not open answers as a missing one (LibreChat: 403), so a
    private link's existence is not told."""
    container = container_of(request)
    if not container.settings.sharing.enabled:
        return Response({"message": "Not Found"}, status_code=404)
    viewer = viewer or _optional_viewer(request, container)
    container.consistency.wait(viewer, ["shared_links", "transcript"])  # their own writes
    link = container.links.by_share_id(share_id)
    if link is None:
        return Response(NOT_FOUND, status_code=404)
    ref = LinkRef(UUID(str(link["link_id"])), UUID(str(link["user_id"])), bool(link["is_public"]))
    access = container.link_access
    if access.is_public(ref) and (container.settings.sharing.public or viewer is not None):
        return Opened(link, viewer)
    if viewer is None:
        return Response({"message": "Authentication required"}, status_code=401)
    if not access.can_view(viewer, ref):
        return Response(NOT_FOUND, status_code=404)
    return Opened(link, viewer)


def _optional_viewer(request: Request[Any, Any, Any], container: Container) -> UUID | None:
    """LibreChat's `optionalJwtAuth`: a missing or bad token is an anonymous viewer."""
    try:
        user_id = bearer_user_id(request)
    except Exception:
        return None
    return None if container.revocations.is_revoked(user_id) else user_id


def _share_file(
    request: Request[Any, Any, Any], share_id: str, file_id: str
) -> dict[str, Any] | Response[Any]:
    """LibreChat's `resolveShareFile`: the link opens for the viewer, its files are shared,
    the file is in one of its messages, and the owner still has it."""
    opened = _open(request, share_id)
    if isinstance(opened, Response):
        return opened
    container = container_of(request)
    if not container.settings.sharing.snapshot_files:
        return Response({"message": "Shared file access is disabled"}, status_code=404)
    link = opened.link
    rows = container.links.messages(link) if link["snapshot_files"] else []
    return share_files.resolve(container, link, rows, file_id)


def _files_shown(container: Container, link: dict[str, Any]) -> bool:
    return container.settings.sharing.snapshot_files and bool(link["snapshot_files"])


def _flags(container: Container, user_id: UUID) -> dict[str, bool]:
    """The caller's role's SHARED_LINKS permissions (LibreChat's `generateCheckAccess`)."""
    try:
        role = container.identity.profile(user_id).role
    except NotFound:
        return {}
    return permissions(role, SERVED).get("SHARED_LINKS", {})


def _forbidden() -> Response[Any]:
    return Response({"message": "Forbidden: Insufficient permissions"}, status_code=403)


def _command(run: Any) -> Response[Any]:
    """A command's answer, its refusals in LibreChat's statuses and words."""
    try:
        link: SharedLink = run()
    except BadShare as error:
        return Response({"message": str(error)}, status_code=400)
    except Expired:
        return Response(None, status_code=404)
    except NotFound as error:
        return Response({"message": str(error)}, status_code=404)
    except Invalid as error:
        return Response({"message": str(error)}, status_code=400)
    except Conflict as error:
        return Response({"message": str(error)}, status_code=409)
    target = link.target_message_id
    return Response(
        link_json(
            {
                "link_id": str(link.resource_id),
                "share_id": link.share_id,
                "conversation_id": str(link.conversation_id),
                "target_message_id": str(target) if target else None,
            }
        )
    )


def _page_size(raw: str | None) -> int:
    """LibreChat's `parseSharedLinksPageSize`: clamped to 1..100, 10 for anything else."""
    if raw is None or not re.fullmatch(r"-?[0-9]{1,15}", raw):
        return DEFAULT_PAGE
    return min(MAX_PAGE, max(1, int(raw)))


ROUTES = [ShareController]
