"""Role permissions as LibreChat's client reads them (`GET /api/roles/:roleName`)."""

from __future__ import annotations

from typing import Any

from domain.identity.rules import ADMIN, USER

_USE_CREATE_SHARE = {"USE": True, "CREATE": True, "SHARE": False, "SHARE_PUBLIC": False}


def permissions(role: str) -> dict[str, Any]:
    admin = role == ADMIN
    share = {**_USE_CREATE_SHARE, "SHARE": admin, "SHARE_PUBLIC": admin}
    return {
        "PROMPTS": dict(share),
        "AGENTS": dict(share),
        "BOOKMARKS": {"USE": True},
        "MEMORIES": {"USE": True, "CREATE": True, "UPDATE": True, "READ": True, "OPT_OUT": True},
        "MULTI_CONVO": {"USE": True},
        "TEMPORARY_CHAT": {"USE": True},
        "RUN_CODE": {"USE": True},
        "WEB_SEARCH": {"USE": True},
        "PEOPLE_PICKER": {"VIEW_USERS": True, "VIEW_GROUPS": True, "VIEW_ROLES": admin},
        "MARKETPLACE": {"USE": admin},
        "FILE_SEARCH": {"USE": True},
        "FILE_CITATIONS": {"USE": True},
        "MCP_SERVERS": {"USE": True, "CREATE": admin},
        "SHARED_LINKS": {"CREATE": True, "SHARE_PUBLIC": admin},
    }


def role_document(role: str) -> dict[str, Any] | None:
    if role not in (ADMIN, USER):
        return None
    return {"name": role, "permissions": permissions(role)}
