"""/api/admin/groups and /api/admin/grants: LibreChat's guards, shapes and errors; a member
removed from a group, or a revoked grant, stops counting from the user's next request."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain.permissions.model import Principal
from tests.e2e.conftest import Api

GROUPS, GRANTS = "/api/admin/groups", "/api/admin/grants"
NOBODY = "00000000-0000-4000-8000-000000000000"


def _people(api: Api) -> tuple[dict[str, str], dict[str, str], str, str]:
    admin = api.user("boss@example.com")
    api.register("ann@example.com", name="Annabel Lee")
    user = api.login("ann@example.com")
    return admin, user, api.user_id(admin), api.user_id(user)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


# --------------------------------------------------------------------------------- groups
def test_a_group_is_created_listed_changed_and_deleted(api: Api) -> None:
    admin, _, admin_id, user_id = _people(api)
    group = _ok(
        api.client.post(
            GROUPS,
            json={"name": " Writers ", "description": "Pens", "memberIds": [user_id, user_id]},
            headers=admin,
        ),
        201,
    )["group"]
    assert (group["name"], group["description"], group["source"]) == ("Writers", "Pens", "local")
    assert group["memberIds"] == [user_id]
    gid = group["_id"]
    listed = _ok(api.client.get(f"{GROUPS}?search=writ", headers=admin))
    assert listed["total"] == 1 and listed["groups"][0]["memberIds"] == [user_id]
    assert _ok(api.client.get(f"{GROUPS}?search=zzz", headers=admin))["total"] == 0
    assert _ok(api.client.get(f"{GROUPS}/{gid}", headers=admin))["group"] == group
    members = _ok(api.client.get(f"{GROUPS}/{gid}/members", headers=admin))
    assert members == {
        "members": [{"userId": user_id, "name": "Annabel Lee", "email": "ann@example.com"}],
        "total": 1,
        "limit": 50,
        "offset": 0,
    }
    added = _ok(
        api.client.post(f"{GROUPS}/{gid}/members", json={"userId": admin_id}, headers=admin)
    )
    assert added["group"]["memberIds"] == [user_id, admin_id]
    _ok(api.client.delete(f"{GROUPS}/{gid}/members/{user_id}", headers=admin))
    changed = _ok(api.client.patch(f"{GROUPS}/{gid}", json={"name": "Scribes"}, headers=admin))
    assert changed["group"]["name"] == "Scribes" and changed["group"]["memberIds"] == [admin_id]
    assert _ok(api.client.delete(f"{GROUPS}/{gid}", headers=admin)) == {"success": True, "id": gid}
    gone = api.client.get(f"{GROUPS}/{gid}", headers=admin)
    assert (gone.status_code, gone.json()["error"]) == (404, "Group not found")
    assert _ok(api.client.get(GROUPS, headers=admin))["total"] == 0


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        ("post", GROUPS, {}, 400, "name is required"),
        ("post", GROUPS, {"name": "x", "source": "ldap"}, 400, "Invalid source value"),
        ("post", GROUPS, {"name": "x", "email": "e" * 501}, 400,
         "email must not exceed 500 characters"),
        ("post", GROUPS, {"name": "x", "memberIds": ["nope"]}, 400,
         "Invalid user ID in memberIds: nope"),
        ("post", GROUPS, {"name": "x", "memberIds": [NOBODY]}, 404, "User not found"),
        ("post", GROUPS, {"name": "x", "memberIds": [NOBODY] * 501}, 400,
         "memberIds must not exceed 500 entries"),
        ("get", f"{GROUPS}/abc", None, 400, "Invalid group ID format"),
        ("get", f"{GROUPS}/{NOBODY}", None, 404, "Group not found"),
        ("patch", f"{GROUPS}/{NOBODY}", {}, 400, "No valid fields to update"),
        ("patch", f"{GROUPS}/{NOBODY}", {"name": " "}, 400, "name must be a non-empty string"),
        ("patch", f"{GROUPS}/{NOBODY}", {"name": "y"}, 404, "Group not found"),
        ("delete", f"{GROUPS}/{NOBODY}", None, 404, "Group not found"),
        ("post", f"{GROUPS}/{NOBODY}/members", {}, 400, "userId is required"),
        ("post", f"{GROUPS}/{NOBODY}/members", {"userId": "x"}, 400,
         "Only native user ObjectIds can be added via this endpoint"),
        ("post", f"{GROUPS}/{NOBODY}/members", {"userId": NOBODY}, 404, "Group not found"),
        ("delete", f"{GROUPS}/{NOBODY}/members/{NOBODY}", None, 404, "Group not found"),
        ("get", f"{GROUPS}?search={'s' * 201}", None, 400, "search must not exceed 200 characters"),
    ],
)  # fmt: skip
def test_bad_group_requests_are_refused_and_change_nothing(
    api: Api, method: str, path: str, body: Any, status: int, error: str
) -> None:
    admin = api.user("boss@example.com")
    before = api.events("sharing")
    kwargs = {"json": body} if body is not None else {}
    response = getattr(api.client, method)(path, headers=admin, **kwargs)
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert api.events("sharing") == before


def test_a_member_added_to_an_unknown_user_is_404(api: Api) -> None:
    admin, *_ = _people(api)
    gid = _ok(api.client.post(GROUPS, json={"name": "g"}, headers=admin), 201)["group"]["_id"]
    response = api.client.post(f"{GROUPS}/{gid}/members", json={"userId": NOBODY}, headers=admin)
    assert (response.status_code, response.json()["error"]) == (404, "User not found")


def test_groups_need_read_or_manage_groups_and_a_removed_member_loses_the_grant(api: Api) -> None:
    admin, user, admin_id, user_id = _people(api)
    gid = _ok(api.client.post(GROUPS, json={"name": "g"}, headers=admin), 201)["group"]["_id"]
    before = api.events("sharing")
    for method, path, body in [
        ("get", GROUPS, None),
        ("post", GROUPS, {"name": "mine"}),
        ("get", f"{GROUPS}/{gid}", None),
        ("patch", f"{GROUPS}/{gid}", {"name": "x"}),
        ("delete", f"{GROUPS}/{gid}", None),
        ("get", f"{GROUPS}/{gid}/members", None),
        ("post", f"{GROUPS}/{gid}/members", {"userId": user_id}),
        ("delete", f"{GROUPS}/{gid}/members/{admin_id}", None),
    ]:
        kwargs = {"json": body} if body is not None else {}
        refused = getattr(api.client, method)(path, headers=user, **kwargs)
        assert (refused.status_code, refused.json()["message"]) == (403, "Forbidden"), path
    assert api.events("sharing") == before
    # the group is granted the admin surface; a member holds it until removed
    grant = api.container.capabilities.grant
    for capability in ("access:admin", "read:groups"):
        grant(Principal.group(UUID(gid)), capability, UUID(admin_id))
    _ok(api.client.post(f"{GROUPS}/{gid}/members", json={"userId": user_id}, headers=admin))
    assert api.client.get(GROUPS, headers=user).status_code == 200
    assert api.client.post(GROUPS, json={"name": "mine"}, headers=user).status_code == 403
    _ok(api.client.delete(f"{GROUPS}/{gid}/members/{user_id}", headers=admin))
    assert api.client.get(GROUPS, headers=user).status_code == 403


# --------------------------------------------------------------------------------- grants
def test_grants_to_a_role_are_assigned_listed_and_revoked(api: Api) -> None:
    admin, user, *_ = _people(api)
    assert api.client.get("/api/admin/users", headers=user).status_code == 403
    created = _ok(
        api.client.post(
            GRANTS,
            json={"principalType": "role", "principalId": "USER", "capability": "access:admin"},
            headers=admin,
        ),
        201,
    )["grant"]
    assert (created["principalType"], created["principalId"], created["capability"]) == (
        "role",
        "USER",
        "access:admin",
    )
    body = {"principalType": "role", "principalId": "USER", "capability": "manage:users"}
    _ok(api.client.post(GRANTS, json=body, headers=admin), 201)
    # USER members hold them from their next request; manage implies read
    assert api.client.get("/api/admin/users", headers=user).status_code == 200
    effective = _ok(api.client.get(f"{GRANTS}/effective", headers=user))["capabilities"]
    assert set(effective) == {"access:admin", "manage:users", "read:users"}
    listed = _ok(api.client.get(GRANTS, headers=admin))
    assert listed["total"] == 2 and {g["capability"] for g in listed["grants"]} == {
        "access:admin",
        "manage:users",
    }
    # a USER holds access:admin but not read:roles: the list is empty, one role's refused
    assert _ok(api.client.get(GRANTS, headers=user))["grants"] == []
    refused = api.client.get(f"{GRANTS}/role/USER", headers=user)
    assert (refused.status_code, refused.json()["error"]) == (403, "Insufficient permissions")
    assert len(_ok(api.client.get(f"{GRANTS}/role/USER", headers=admin))["grants"]) == 2
    held = _ok(api.client.get(f"{GRANTS}/role/ADMIN", headers=admin))["grants"]
    assert {"access:admin", "read:audit_log"} <= {g["capability"] for g in held}
    # a capability is revoked by its URL-encoded name
    revoked = api.client.delete(f"{GRANTS}/role/USER/manage%3Ausers", headers=admin)
    assert _ok(revoked) == {"success": True}
    assert api.client.get("/api/admin/users", headers=user).status_code == 403


def test_a_grant_needs_manage_roles_and_the_capability_itself(api: Api) -> None:
    _, user, admin_id, user_id = _people(api)
    grant = api.container.capabilities.grant
    for capability in ("access:admin", "manage:roles"):
        grant(Principal.user(UUID(user_id)), capability, UUID(admin_id))
    before = api.events("sharing")
    body = {"principalType": "role", "principalId": "USER", "capability": "read:audit_log"}
    refused = api.client.post(GRANTS, json=body, headers=user)
    assert (refused.status_code, refused.json()["error"]) == (
        403,
        "Cannot grant a capability you do not possess",
    )
    assert api.events("sharing") == before
    body["capability"] = "manage:roles"
    assert api.client.post(GRANTS, json=body, headers=user).status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        ("post", GRANTS, {"principalType": "user", "principalId": "x", "capability": "read:users"},
         400, "Invalid principal type"),
        ("post", GRANTS, {"principalType": "role", "capability": "access:admin"}, 400,
         "Principal ID is required"),
        ("post", GRANTS, {"principalType": "role", "principalId": 5, "capability": "access:admin"},
         400, "Principal ID must be a string"),
        ("post", GRANTS, {"principalType": "role", "principalId": "USER", "capability": "fly"}, 400,
         "Invalid capability"),
        ("post", GRANTS, {"principalType": "role", "principalId": "NO", "capability": "read:usage"},
         400, "Role not found"),
        ("get", f"{GRANTS}/group/x", None, 400, "Invalid principal type"),
        ("delete", f"{GRANTS}/role/USER/fly", None, 400, "Invalid capability"),
        ("delete", f"{GRANTS}/user/x/read:users", None, 400, "Invalid principal type"),
    ],
)  # fmt: skip
def test_bad_grant_requests_are_refused_and_change_nothing(
    api: Api, method: str, path: str, body: Any, status: int, error: str
) -> None:
    admin = api.user("boss@example.com")
    before = api.events("sharing")
    kwargs = {"json": body} if body is not None else {}
    response = getattr(api.client, method)(path, headers=admin, **kwargs)
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert api.events("sharing") == before


def test_grant_routes_need_access_admin(api: Api) -> None:
    _, user, *_ = _people(api)
    for method, path in [
        ("get", GRANTS),
        ("get", f"{GRANTS}/effective"),
        ("get", f"{GRANTS}/role/USER"),
        ("post", GRANTS),
        ("delete", f"{GRANTS}/role/USER/read:users"),
    ]:
        kwargs = {"json": {}} if method == "post" else {}
        refused = getattr(api.client, method)(path, headers=user, **kwargs)
        assert (refused.status_code, refused.json()["message"]) == (403, "Forbidden"), path
