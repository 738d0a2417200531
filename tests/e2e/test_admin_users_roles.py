"""/api/admin/users and /api/admin/roles: LibreChat's guards, shapes and errors; role
membership is the user's role (an identity event), applied from the member's next request."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain.identity.events import UserRoleChanged
from domain.permissions.model import Principal
from tests.e2e.conftest import Api

BASE = "/api/admin/roles"


def _people(api: Api) -> tuple[dict[str, str], dict[str, str], str, str]:
    admin = api.user("boss@example.com")
    api.register("ann@example.com", name="Annabel Lee")
    user = api.login("ann@example.com")
    return admin, user, api.user_id(admin), api.user_id(user)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


# ---------------------------------------------------------------------------------- users
def test_admins_list_and_search_users(api: Api) -> None:
    admin, _, admin_id, user_id = _people(api)
    page = _ok(api.client.get("/api/admin/users", headers=admin))
    assert (page["total"], page["limit"], page["offset"]) == (2, 50, 0)
    newest = page["users"][0]
    assert newest["id"] == user_id and newest["email"] == "ann@example.com"
    assert set(newest) == {
        "id", "name", "username", "email", "avatar", "role", "provider", "createdAt", "updatedAt"
    }  # fmt: skip
    assert (
        _ok(api.client.get("/api/admin/users?limit=1&offset=1", headers=admin))["users"][0]["id"]
        == admin_id
    )
    found = _ok(api.client.get("/api/admin/users/search?q=anna", headers=admin))
    assert found == {
        "users": [
            {"id": user_id, "name": "Annabel Lee", "email": "ann@example.com", "username": ""}
        ],
        "total": 1,
        "capped": False,
    }
    # a prefix, case-insensitive; LIKE wildcards are literal
    assert _ok(api.client.get("/api/admin/users/search?q=ANN", headers=admin))["total"] == 1
    assert _ok(api.client.get("/api/admin/users/search?q=nab", headers=admin))["total"] == 0
    assert _ok(api.client.get("/api/admin/users/search?q=%25%25", headers=admin))["total"] == 0


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("", 'Query parameter "q" is required'),
        ("?q=%20a%20", "Query must be at least 2 characters"),
        ("?q=" + "x" * 201, "Query must not exceed 200 characters"),
        ("?q=ab%00", "Query contains invalid characters"),
    ],
)
def test_a_bad_search_is_400(api: Api, query: str, error: str) -> None:
    admin = api.user("boss@example.com")
    response = api.client.get(f"/api/admin/users/search{query}", headers=admin)
    assert (response.status_code, response.json()["error"]) == (400, error)


def test_users_need_access_admin_and_read_users(api: Api) -> None:
    _, user, admin_id, user_id = _people(api)
    for path in ("/api/admin/users", "/api/admin/users/search?q=bo"):
        refused = api.client.get(path, headers=user)
        assert (refused.status_code, refused.json()["message"]) == (403, "Forbidden")
        assert "boss" not in refused.text
    api.container.capabilities.grant(Principal.user(UUID(user_id)), "access:admin", UUID(admin_id))
    assert api.client.get("/api/admin/users", headers=user).status_code == 403
    api.container.capabilities.grant(Principal.user(UUID(user_id)), "manage:users", UUID(admin_id))
    assert api.client.get("/api/admin/users", headers=user).status_code == 200  # implied read


# ---------------------------------------------------------------------------------- roles
def test_a_custom_role_is_created_read_renamed_and_deleted(api: Api) -> None:
    admin, user, _, user_id = _people(api)
    created = _ok(
        api.client.post(
            BASE,
            json={
                "name": " editors ",
                "description": "Edit",
                "permissions": {"BOOKMARKS": {"USE": True}},
            },
            headers=admin,
        ),
        201,
    )["role"]
    assert created["name"] == "editors" and created["description"] == "Edit"
    assert created["permissions"]["BOOKMARKS"] == {"USE": True}
    assert created["permissions"]["TEMPORARY_CHAT"] == {"USE": False}  # custom: off by default
    duplicate = api.client.post(BASE, json={"name": "editors"}, headers=admin)
    assert (duplicate.status_code, duplicate.json()["error"]) == (
        409,
        'Role "editors" already exists',
    )
    listed = _ok(api.client.get(BASE, headers=admin))
    assert [r["name"] for r in listed["roles"]] == ["ADMIN", "USER", "editors"]
    assert listed["total"] == 3
    assert [r["name"] for r in _ok(api.client.get(f"{BASE}?offset=2", headers=admin))["roles"]] == [
        "editors"
    ]
    # a member reads their own role's document from their next request
    _ok(api.client.post(f"{BASE}/editors/members", json={"userId": user_id}, headers=admin))
    assert api.client.get("/api/user", headers=user).json()["role"] == "editors"
    own = _ok(api.client.get("/api/roles/editors", headers=user))
    assert own["permissions"]["BOOKMARKS"] == {"USE": True}
    members = _ok(api.client.get(f"{BASE}/editors/members", headers=admin))
    assert members == {
        "members": [{"userId": user_id, "name": "Annabel Lee", "email": "ann@example.com"}],
        "total": 1,
        "limit": 50,
        "offset": 0,
    }
    grant = api.container.capabilities.grant
    grant(Principal.role("editors"), "read:users", UUID(api.user_id(admin)))
    # a rename moves the members with it, in the same commit, and its grants
    renamed = _ok(api.client.patch(f"{BASE}/editors", json={"name": "writers"}, headers=admin))
    assert renamed["role"]["name"] == "writers" and renamed["role"]["description"] == "Edit"
    assert api.client.get("/api/user", headers=user).json()["role"] == "writers"
    assert api.client.get(f"{BASE}/editors", headers=admin).status_code == 404
    granted = api.container.capabilities.granted_to
    assert (granted(Principal.role("editors")), granted(Principal.role("writers"))) == (
        [],
        ["read:users"],
    )
    # a deleted role's members fall back to USER, from their next request
    assert _ok(api.client.delete(f"{BASE}/writers", headers=admin)) == {"success": True}
    assert api.client.get("/api/user", headers=user).json()["role"] == "USER"
    assert api.client.get("/api/roles/writers", headers=user).status_code == 403
    assert granted(Principal.role("writers")) == []  # a new "writers" inherits nothing
    changes = [
        e
        for e in _identity_events(api)
        if isinstance(e, UserRoleChanged) and str(e.originator_id) == user_id
    ]
    assert [(e.previous, e.role) for e in changes] == [
        ("USER", "editors"),
        ("editors", "writers"),
        ("writers", "USER"),
    ]


def _identity_events(api: Api) -> list[Any]:
    store = api.container.stores["identity"]
    return [store.mapper.to_domain_event(n) for n in store.recorder.select_notifications(1, 1000)]


def test_role_permissions_are_merged_and_shown_as_served(api: Api) -> None:
    admin, *_ = _people(api)
    _ok(api.client.post(BASE, json={"name": "ops"}, headers=admin), 201)
    body = {"permissions": {"BOOKMARKS": {"USE": True}, "PROMPTS": {"USE": True}, "NOPE": {}}}
    role = _ok(api.client.patch(f"{BASE}/ops/permissions", json=body, headers=admin))["role"]
    assert role["permissions"]["BOOKMARKS"] == {"USE": True}
    assert role["permissions"]["PROMPTS"]["USE"] is False  # stored, not served
    assert api.container.roles.get("ops").permissions == {
        "BOOKMARKS": {"USE": True},
        "PROMPTS": {"USE": True},
    }
    got = _ok(api.client.get(f"{BASE}/ops", headers=admin))["role"]
    assert got == role


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        ("post", BASE, {}, 400, "name is required"),
        ("post", BASE, {"name": "  "}, 400, "name is required"),
        ("post", BASE, {"name": "members"}, 400, "name is a reserved path segment"),
        ("post", BASE, {"name": "a\u0007b"}, 400, "name contains invalid characters"),
        ("post", BASE, {"name": "x" * 65}, 400, "name must not exceed 64 characters"),
        ("post", BASE, {"name": "ok", "description": 5}, 400, "description must be a string"),
        ("post", BASE, {"name": "ok", "permissions": []}, 400, "permissions must be an object"),
        ("post", BASE, {"name": "ok", "permissions": {"BOOKMARKS": {"USE": 1}}}, 400,
         "permissions must be an object"),
        ("post", BASE, {"name": "admin"}, 409, 'Role "admin" already exists'),
        ("patch", f"{BASE}/ADMIN", {"name": "boss"}, 403, "Cannot rename system role"),
        ("patch", f"{BASE}/nope", {"name": "USER"}, 403, "Cannot use a reserved system role name"),
        ("patch", f"{BASE}/nope", {"description": "x"}, 404, "Role not found"),
        ("delete", f"{BASE}/USER", None, 403, "Cannot delete system role"),
        ("delete", f"{BASE}/nope", None, 404, "Role not found"),
        ("patch", f"{BASE}/USER/permissions", {}, 400, "permissions object is required"),
        ("patch", f"{BASE}/nope/permissions", {"permissions": {}}, 404, "Role not found"),
        ("get", f"{BASE}/nope/members", None, 404, "Role not found"),
        ("post", f"{BASE}/ADMIN/members", {}, 400, "userId is required"),
        ("post", f"{BASE}/ADMIN/members", {"userId": "abc"}, 400, "Invalid user ID format"),
        ("post", f"{BASE}/USER/members", {"userId": "00000000-0000-4000-8000-000000000000"}, 403,
         "Cannot directly assign members to a system role"),
        ("post", f"{BASE}/ADMIN/members", {"userId": "00000000-0000-4000-8000-000000000000"}, 404,
         "User not found"),
        ("delete", f"{BASE}/USER/members/00000000-0000-4000-8000-000000000000", None, 403,
         "Cannot remove members from a system role"),
    ],
)  # fmt: skip
def test_bad_role_requests_are_refused_and_change_nothing(
    api: Api, method: str, path: str, body: Any, status: int, error: str
) -> None:
    admin = api.user("boss@example.com")
    before = api.events("identity")
    kwargs = {"json": body} if body is not None else {}
    response = getattr(api.client, method)(path, headers=admin, **kwargs)
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert api.events("identity") == before


def test_the_last_admin_cannot_be_removed(api: Api) -> None:
    admin, user, admin_id, user_id = _people(api)
    last = api.client.delete(f"{BASE}/ADMIN/members/{admin_id}", headers=admin)
    assert (last.status_code, last.json()["error"]) == (400, "Cannot remove the last admin user")
    not_member = api.client.delete(f"{BASE}/ADMIN/members/{user_id}", headers=admin)
    assert not_member.json()["error"] == "User is not a member of this role"
    _ok(api.client.post(f"{BASE}/ADMIN/members", json={"userId": user_id}, headers=admin))
    assert _ok(api.client.get("/api/admin/users", headers=user))["total"] == 2  # now an admin
    _ok(api.client.delete(f"{BASE}/ADMIN/members/{user_id}", headers=admin))
    # the revoked admin is refused from their next request on
    assert api.client.get("/api/admin/users", headers=user).status_code == 403


def test_roles_need_read_or_manage_roles(api: Api) -> None:
    admin, user, admin_id, user_id = _people(api)
    _ok(api.client.post(BASE, json={"name": "ops"}, headers=admin), 201)
    before = api.events("identity")
    calls = [
        ("get", BASE, None),
        ("get", f"{BASE}/ops", None),
        ("get", f"{BASE}/ops/members", None),
        ("post", BASE, {"name": "mine"}),
        ("patch", f"{BASE}/ops", {"description": "x"}),
        ("delete", f"{BASE}/ops", None),
        ("patch", f"{BASE}/ops/permissions", {"permissions": {}}),
        ("post", f"{BASE}/ops/members", {"userId": user_id}),
        ("delete", f"{BASE}/ops/members/{user_id}", None),
    ]
    for method, path, body in calls:
        kwargs = {"json": body} if body is not None else {}
        refused = getattr(api.client, method)(path, headers=user, **kwargs)
        assert (refused.status_code, refused.json()["message"]) == (403, "Forbidden"), path
    assert api.events("identity") == before
    grant = api.container.capabilities.grant
    grant(Principal.user(UUID(user_id)), "access:admin", UUID(admin_id))
    grant(Principal.user(UUID(user_id)), "read:roles", UUID(admin_id))
    assert api.client.get(f"{BASE}/ops", headers=user).status_code == 200
    assert api.client.post(BASE, json={"name": "mine"}, headers=user).status_code == 403
