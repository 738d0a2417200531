"""LibreChat's JSON shapes of principals, roles and search results. Absent values are left
out, as Mongoose leaves out undefined fields."""

from __future__ import annotations

from typing import Any

from api.permissions.schemas import PrincipalBody
from application.permissions.ports import EntryView
from domain.permissions.model import AccessRole


def compact(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if v is not None}


def access_role_json(role: AccessRole) -> dict[str, Any]:
    return {
        "accessRoleId": role.access_role_id,
        "name": role.name,
        "description": role.description,
        "permBits": role.perm_bits,
    }


def user_principal(entry: EntryView, user: dict[str, Any]) -> dict[str, Any]:
    return compact(
        {
            "type": "user",
            "id": user["user_id"],
            "name": user["name"] or user["username"],
            "email": user["email"],
            "source": "local",
            "idOnTheSource": user["user_id"],
            "accessRoleId": entry.access_role_id,
        }
    )


def group_principal(entry: EntryView, group: dict[str, Any]) -> dict[str, Any]:
    return compact(
        {
            "type": "group",
            "id": group["group_id"],
            "name": group["name"],
            "email": group["email"],
            "description": group["description"],
            "avatar": group["avatar"],
            "source": group["source"] or "local",
            "idOnTheSource": group["id_on_the_source"] or group["group_id"],
            "accessRoleId": entry.access_role_id,
        }
    )


def role_principal(entry: EntryView) -> dict[str, Any]:
    return {
        "type": "role",
        "id": entry.principal.id,
        "name": entry.principal.id,
        "description": f"System role: {entry.principal.id}",
        "accessRoleId": entry.access_role_id,
    }


def granted_json(principal: PrincipalBody) -> dict[str, Any]:
    """A granted principal echoed as LibreChat's `results.granted` lists it."""
    document = compact(
        {
            "type": principal.type,
            "id": principal.id,
            "name": principal.name,
            "email": principal.email,
            "source": principal.source,
            "avatar": principal.avatar,
            "description": principal.description,
            "idOnTheSource": principal.id_on_the_source,
            "accessRoleId": principal.access_role_id,
            "memberCount": principal.member_count,
        }
    )
    if principal.type == "public":
        document["id"] = None
    return document


def user_result(user: dict[str, Any]) -> dict[str, Any]:
    return compact(
        {
            "id": user["user_id"],
            "type": "user",
            "name": user["name"] or user["email"],
            "email": user["email"],
            "username": user["username"],
            "provider": user["provider"],
            "source": "local",
            "idOnTheSource": user["user_id"],
        }
    )


def group_result(group: dict[str, Any]) -> dict[str, Any]:
    return compact(
        {
            "id": group["group_id"],
            "type": "group",
            "name": group["name"],
            "email": group["email"],
            "avatar": group["avatar"],
            "description": group["description"],
            "source": group["source"] or "local",
            "memberCount": group["member_count"],
            "idOnTheSource": group["id_on_the_source"] or group["group_id"],
        }
    )


def role_result(name: str) -> dict[str, Any]:
    return {"id": name, "type": "role", "name": name, "source": "local", "idOnTheSource": name}


def relevance(item: dict[str, Any], query: str) -> int:
    """LibreChat's `calculateRelevanceScore`."""
    pattern = query.lower()
    keys = (
        ("name", "email", "username")
        if item["type"] == "user"
        else ("name", "email", "description")
    )
    best = 0
    for key in keys:
        value = item.get(key)
        if not value:
            continue
        text = str(value).lower()
        if text == pattern:
            score = 100
        elif text.startswith(pattern):
            score = 80
        elif pattern in text:
            score = 50
        else:
            score = 10
        best = max(best, score)
    return best


def by_relevance(items: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """LibreChat's `sortPrincipalsByRelevance`: score, users first, then by name."""
    return sorted(
        items,
        key=lambda i: (
            -relevance(i, query),
            i["type"] != "user",
            str(i.get("name") or i.get("email") or ""),
        ),
    )
