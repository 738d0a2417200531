"""`PUT /api/roles/:roleName/<type>` (LibreChat's roles.js): MANAGE_ROLES only, a partial body
merged over the role's flags and recorded as an event; `GET /api/roles/:roleName` reflects
it, granting only what Chronicle serves."""

from __future__ import annotations

import pytest

from api.identity.role_permissions import TYPES
from domain.identity.events import RoleDefined, RolePermissionsUpdated
from domain.identity.roles import FLAGS
from tests.e2e.conftest import Api


def _topics(api: Api, after: int) -> list[str]:
    store = api.container.stores["identity"]
    return [n.topic for n in store.recorder.select_notifications(start=after + 1, limit=100)]


def test_an_admin_sets_flags_on_a_role_and_the_update_is_an_event(api: Api) -> None:
    admin = api.user("boss@example.com")
    before = api.events()
    response = api.client.put(
        "/api/roles/USER/prompts", json={"SHARE": True, "USE": True, "BOGUS": 1}, headers=admin
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "USER"
    # PROMPTS is not served: the flags are kept but the role grants nothing of it
    assert body["permissions"]["PROMPTS"] == dict.fromkeys(
        ("USE", "CREATE", "SHARE", "SHARE_PUBLIC"), False
    )
    assert _topics(api, before) == [RoleDefined.TOPIC, RolePermissionsUpdated.TOPIC]
    assert api.container.roles.get("USER").permissions == {"PROMPTS": {"SHARE": True, "USE": True}}
    # the same flags again change nothing, and record nothing
    again = api.client.put("/api/roles/USER/prompts", json={"SHARE": True}, headers=admin)
    assert again.status_code == 200
    assert _topics(api, before) == [RoleDefined.TOPIC, RolePermissionsUpdated.TOPIC]


def test_a_stored_flag_of_a_served_feature_is_what_get_role_answers(api: Api) -> None:
    admin = api.user("boss@example.com")
    user = api.user("staff@example.com")
    assert api.client.get("/api/roles/USER", headers=user).json()["permissions"]["BOOKMARKS"] == {
        "USE": True
    }
    api.container.roles.update_permissions(
        "USER", {"BOOKMARKS": {"USE": False}}, api.container.roles.get("USER").id
    )
    document = api.client.get("/api/roles/USER", headers=user).json()
    assert document["permissions"]["BOOKMARKS"] == {"USE": False}
    assert document["permissions"]["TEMPORARY_CHAT"] == {"USE": True}
    assert api.client.get("/api/roles/ADMIN", headers=admin).json()["permissions"]["BOOKMARKS"] == {
        "USE": True
    }


@pytest.mark.parametrize("segment", list(TYPES))
def test_every_type_route_refuses_non_admins_and_bad_bodies(api: Api, segment: str) -> None:
    admin = api.user("boss@example.com")
    user = api.user("staff@example.com")
    before = api.events()
    path = f"/api/roles/USER/{segment}"
    flag = FLAGS[TYPES[segment][0]][0]
    forbidden = api.client.put(path, json={flag: True}, headers=user)
    assert (forbidden.status_code, forbidden.json()["message"]) == (403, "Forbidden")
    assert api.client.put(path, json={flag: True}).status_code == 401
    bad = api.client.put(path, json={flag: "yes"}, headers=admin)
    assert (bad.status_code, bad.json()["message"]) == (400, TYPES[segment][1])
    assert api.client.put(path, json=[1], headers=admin).status_code == 400
    missing = api.client.put(f"/api/roles/NOPE/{segment}", json={}, headers=admin)
    assert (missing.status_code, missing.json()) == (404, {"message": "Role not found"})
    assert api.events() == before


def test_reading_another_role_needs_read_roles(api: Api) -> None:
    admin = api.user("boss@example.com")
    user = api.user("staff@example.com")
    api.container.roles.create("EDITORS", "", {}, api.container.roles.get("ADMIN").id)
    # a user learns nothing of a role not theirs, existing or not
    for name in ("ADMIN", "EDITORS", "NOPE"):
        refused = api.client.get(f"/api/roles/{name}", headers=user)
        assert (refused.status_code, refused.json()) == (403, {"message": "Unauthorized"})
    assert api.client.get("/api/roles/EDITORS", headers=admin).json()["name"] == "EDITORS"
    assert api.client.get("/api/roles/NOPE", headers=admin).status_code == 404
