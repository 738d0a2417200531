"""Role permissions as LibreChat's client reads them (`GET /api/roles/:roleName`).

The client opens a screen whenever its permission is granted, so a grant for a feature Chronicle
does not serve sends the user to routes that answer 404. Which permission types are served is the
caller's to say (the API knows its routes: `api/identity/roles.py`); a type not served is answered
with every flag false. Where a feature is served, a flag is what an admin set on the role
(`PUT /api/roles/:roleName/<type>`, the Role aggregate) or else LibreChat's own role default
(`packages/data-provider/src/roles.ts`; a custom role's defaults are all false). So an admin
can turn on only what is served: a flag stored for a feature not served yet is kept, reads as
false, and takes effect once the feature is served.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from domain.identity.rules import ADMIN, USER

_SHAREABLE = ("USE", "CREATE", "SHARE", "SHARE_PUBLIC")

# Every permission type LibreChat's client reads, with its flags (`permissions.ts`).
FLAGS: dict[str, tuple[str, ...]] = {
    "PROMPTS": _SHAREABLE,
    "BOOKMARKS": ("USE",),
    "MEMORIES": ("USE", "CREATE", "UPDATE", "READ", "OPT_OUT"),
    "AGENTS": _SHAREABLE,
    "MULTI_CONVO": ("USE",),
    "TEMPORARY_CHAT": ("USE",),
    "RUN_CODE": ("USE",),
    "WEB_SEARCH": ("USE",),
    "PEOPLE_PICKER": ("VIEW_USERS", "VIEW_GROUPS", "VIEW_ROLES"),
    "MARKETPLACE": ("USE",),
    "FILE_SEARCH": ("USE",),
    "FILE_CITATIONS": ("USE",),
    "MCP_SERVERS": (*_SHAREABLE, "CONFIGURE_OBO"),
    "REMOTE_AGENTS": _SHAREABLE,
    "SKILLS": _SHAREABLE,
    "SHARED_LINKS": ("CREATE", "SHARE", "SHARE_PUBLIC"),
}

# LibreChat grants ADMIN every flag; these are the ones its USER role is refused.
_USER_REFUSED = {
    ("PROMPTS", "SHARE"),
    ("PROMPTS", "SHARE_PUBLIC"),
    ("AGENTS", "SHARE"),
    ("AGENTS", "SHARE_PUBLIC"),
    ("PEOPLE_PICKER", "VIEW_USERS"),
    ("PEOPLE_PICKER", "VIEW_GROUPS"),
    ("PEOPLE_PICKER", "VIEW_ROLES"),
    ("MARKETPLACE", "USE"),
    ("MCP_SERVERS", "CREATE"),
    ("MCP_SERVERS", "SHARE"),
    ("MCP_SERVERS", "SHARE_PUBLIC"),
    ("MCP_SERVERS", "CONFIGURE_OBO"),
    *(("REMOTE_AGENTS", flag) for flag in _SHAREABLE),
    ("SKILLS", "SHARE"),
    ("SKILLS", "SHARE_PUBLIC"),
}


def default(role: str, kind: str, flag: str) -> bool:
    if role == ADMIN:
        return True
    return role == USER and (kind, flag) not in _USER_REFUSED


def permissions(
    role: str,
    served: Collection[str],
    stored: Mapping[str, Mapping[str, bool]] | None = None,
) -> dict[str, dict[str, bool]]:
    """`stored`: the flags admins set on the role; the others keep the role's defaults."""
    stored = stored or {}
    return {
        kind: {
            flag: kind in served and stored.get(kind, {}).get(flag, default(role, kind, flag))
            for flag in flags
        }
        for kind, flags in FLAGS.items()
    }


def role_document(
    role: str,
    served: Collection[str],
    stored: Mapping[str, Mapping[str, bool]] | None = None,
    description: str | None = None,
) -> dict[str, Any] | None:
    """`served`: the permission types whose feature this deployment serves. `stored`: the
    role's document as admins changed it; None for a built-in role never changed, and for a
    role that does not exist (answered None unless built in)."""
    if role not in (ADMIN, USER) and stored is None:
        return None
    document: dict[str, Any] = {"name": role, "permissions": permissions(role, served, stored)}
    if description:
        document["description"] = description
    return document
