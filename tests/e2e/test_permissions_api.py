"""`/api/permissions/*` on SQLite and PostgreSQL + Redis: LibreChat's shapes, guards and
errors; bad input answers 4xx and records nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from tests.e2e.conftest import Api

P = "/api/permissions"


@pytest.fixture(autouse=True)
def _links_and_agents_served(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sharing is gated by the role's flags, granted only for served features; these tests
    run as a deployment that serves shared links and agents (their contexts come later)."""
    import api.permissions.guards as guards

    monkeypatch.setattr(guards, "SERVED", guards.SERVED | {"SHARED_LINKS", "AGENTS"})


def user_id(api: Api, headers: dict[str, str]) -> UUID:
    return UUID(api.client.get("/api/user", headers=headers).json()["id"])


class People:
    def __init__(self, api: Api) -> None:
        self.admin = api.user("admin@example.com")  # the first account is ADMIN
        self.owner = api.user("owner@example.com")
        self.bob = api.user("bob@example.com")
        self.owner_id = user_id(api, self.owner)
        self.bob_id = user_id(api, self.bob)


def test_roles_of_a_resource_type_are_librechats(api: Api) -> None:
    headers = api.user("someone@example.com")
    agent = api.client.get(f"{P}/agent/roles", headers=headers)
    mcp = api.client.get(f"{P}/mcpServer/roles", headers=headers)
    link = api.client.get(f"{P}/sharedLink/roles", headers=headers)
    bad = api.client.get(f"{P}/planet/roles", headers=headers)
    assert agent.status_code == 200
    assert agent.json() == [
        {
            "accessRoleId": "agent_viewer",
            "name": "com_ui_role_viewer",
            "description": "com_ui_role_viewer_desc",
            "permBits": 1,
        },
        {
            "accessRoleId": "agent_editor",
            "name": "com_ui_role_editor",
            "description": "com_ui_role_editor_desc",
            "permBits": 3,
        },
        {
            "accessRoleId": "agent_owner",
            "name": "com_ui_role_owner",
            "description": "com_ui_role_owner_desc",
            "permBits": 15,
        },
    ]
    assert mcp.json()[0]["name"] == "com_ui_mcp_server_role_viewer"
    assert [r["accessRoleId"] for r in link.json()] == ["sharedLink_viewer", "sharedLink_owner"]
    assert bad.status_code == 400
    assert bad.json() == {"error": "Failed to get roles", "details": "Invalid resourceType: planet"}
    assert api.client.get(f"{P}/agent/roles").status_code == 401


def test_owner_reads_and_updates_principals(api: Api) -> None:
    people = People(api)
    api.container.permissions.create_owner("sharedLink", "L1", people.owner_id)
    body = {
        "updated": [
            {
                "type": "user",
                "id": str(people.bob_id),
                "name": "Bob",
                "accessRoleId": "sharedLink_viewer",
            }
        ],
        "removed": [],
        "public": True,
        "publicAccessRoleId": "sharedLink_viewer",
    }
    put = api.client.put(f"{P}/sharedLink/L1", json=body, headers=people.owner)
    got = api.client.get(f"{P}/sharedLink/L1", headers=people.owner)
    assert put.status_code == 200, put.text
    assert put.json() == {
        "message": "Permissions updated successfully",
        "results": {
            "principals": [
                {
                    "type": "user",
                    "id": str(people.bob_id),
                    "name": "Bob",
                    "accessRoleId": "sharedLink_viewer",
                },
                {"type": "public", "id": None, "accessRoleId": "sharedLink_viewer"},
            ],
            "public": True,
            "publicAccessRoleId": "sharedLink_viewer",
        },
    }
    assert got.status_code == 200
    document = got.json()
    assert document["resourceType"] == "sharedLink" and document["resourceId"] == "L1"
    assert document["public"] is True and document["publicAccessRoleId"] == "sharedLink_viewer"
    by_id = {p["id"]: p for p in document["principals"]}
    assert by_id[str(people.owner_id)]["accessRoleId"] == "sharedLink_owner"
    assert by_id[str(people.bob_id)] == {
        "type": "user",
        "id": str(people.bob_id),
        "name": "Test User",
        "email": "bob@example.com",
        "source": "local",
        "idOnTheSource": str(people.bob_id),
        "accessRoleId": "sharedLink_viewer",
    }
    # public off again: the principals stay, public goes
    off = api.client.put(
        f"{P}/sharedLink/L1",
        json={"updated": [], "removed": [], "public": False},
        headers=people.owner,
    )
    assert off.json()["results"] == {"principals": [], "public": False}
    assert api.client.get(f"{P}/sharedLink/L1", headers=people.owner).json()["public"] is False


def test_groups_and_roles_as_principals(api: Api) -> None:
    people = People(api)
    admin_id = user_id(api, people.admin)
    api.container.permissions.create_owner("agent", "A1", people.owner_id)
    team = api.container.groups.create("Team", by=admin_id, description="the team")
    api.container.groups.add_member(team.id, people.bob_id, by=admin_id)
    body = {
        "updated": [
            {"type": "group", "id": str(team.id), "accessRoleId": "agent_editor"},
            {"type": "role", "id": "USER", "accessRoleId": "agent_viewer"},
        ]
    }
    put = api.client.put(f"{P}/agent/A1", json=body, headers=people.admin)  # manage:agents
    principals = api.client.get(f"{P}/agent/A1", headers=people.admin).json()["principals"]
    bob = api.client.get(f"{P}/agent/A1/effective", headers=people.bob).json()
    assert put.status_code == 200, put.text
    assert {
        "type": "role",
        "id": "USER",
        "name": "USER",
        "description": "System role: USER",
        "accessRoleId": "agent_viewer",
    } in principals
    group = next(p for p in principals if p["type"] == "group")
    assert group == {
        "type": "group",
        "id": str(team.id),
        "name": "Team",
        "description": "the team",
        "source": "local",
        "idOnTheSource": str(team.id),
        "accessRoleId": "agent_editor",
    }
    assert bob == {"permissionBits": 3}
    # a member removed loses the group's bits on the next request
    api.container.groups.remove_member(team.id, people.bob_id, by=admin_id)
    assert api.client.get(f"{P}/agent/A1/effective", headers=people.bob).json() == {
        "permissionBits": 1
    }


def test_bad_updates_answer_4xx_and_record_nothing(api: Api) -> None:
    people = People(api)
    api.container.permissions.create_owner("sharedLink", "L1", people.owner_id)
    api.container.permissions.create_owner("agent", "A1", people.owner_id)
    bob = str(people.bob_id)
    before = api.events("sharing")
    cases: list[tuple[str, Any, int, dict[str, Any]]] = [
        (
            "planet/X",
            {},
            400,
            {"error": "Bad Request", "message": "Unsupported resource type: planet"},
        ),
        ("sharedLink/L1", {"updated": "nope"}, 400, {"error": "Failed to update permissions"}),
        ("sharedLink/L1", [1, 2], 400, {"error": "Failed to update permissions"}),
        (
            "sharedLink/L1",
            {"updated": [{"type": "user", "id": bob}]},
            400,
            {"details": "accessRoleId is required for updated principals"},
        ),
        (
            "sharedLink/L1",
            {"updated": [{"type": "user", "id": bob, "accessRoleId": "agent_viewer"}]},
            400,
            {"details": "Role agent_viewer is for agent resources, not sharedLink"},
        ),
        (
            "sharedLink/L1",
            {"updated": [{"type": "user", "id": bob, "accessRoleId": "sharedLink_boss"}]},
            400,
            {"details": "Role sharedLink_boss not found"},
        ),
        (
            "sharedLink/L1",
            {
                "updated": [
                    {"type": "user", "id": "not-a-uuid", "accessRoleId": "sharedLink_viewer"}
                ]
            },
            400,
            {"details": "Invalid principal ID: not-a-uuid"},
        ),
        (
            "sharedLink/L1",
            {"updated": [{"type": "alien", "id": bob, "accessRoleId": "sharedLink_viewer"}]},
            400,
            {"details": "Invalid principal type: alien"},
        ),
        (
            "sharedLink/L1",
            {"updated": [{"type": "role", "id": "x" * 65, "accessRoleId": "sharedLink_viewer"}]},
            400,
            {"details": "Invalid role ID: at most 64 characters"},
        ),
        (
            "sharedLink/L1",
            {"updated": [{"type": "role", "id": "U\x00", "accessRoleId": "sharedLink_viewer"}]},
            400,
            {},
        ),
        (
            "sharedLink/L1",
            {"updated": [{"type": "user", "id": bob, "accessRoleId": "sharedLink_owner"}]},
            400,
            {"error": "Bad Request", "message": "Shared link owner permissions cannot be changed"},
        ),
        (
            "sharedLink/L1",
            {"removed": [{"type": "user", "id": str(people.owner_id)}]},
            400,
            {"message": "Shared link owner permissions cannot be changed"},
        ),
        (
            "agent/A1",
            {"removed": [{"type": "user", "id": str(people.owner_id)}]},
            400,
            {"details": "A resource must keep at least one owner"},
        ),
        (
            "agent/" + "a" * 129,
            {"updated": [{"type": "user", "id": bob, "accessRoleId": "agent_viewer"}]},
            400,
            {"details": "Invalid resource ID: at most 128 characters"},
        ),
    ]
    for path, body, status, expected in cases:
        answer = api.client.put(f"{P}/{path}", json=body, headers=people.admin)
        assert answer.status_code == status, (path, body, answer.text)
        assert expected.items() <= answer.json().items(), (path, body, answer.json())
    assert api.events("sharing") == before


def test_search_principals(api: Api) -> None:
    people = People(api)
    admin_id = user_id(api, people.admin)
    api.container.groups.create("Bobcats", by=admin_id, email="cats@example.com")
    found = api.client.get(f"{P}/search-principals", params={"q": "bob"}, headers=people.admin)
    users = api.client.get(
        f"{P}/search-principals", params={"q": "bob", "types": "user"}, headers=people.admin
    )
    roles = api.client.get(
        f"{P}/search-principals",
        params={"q": "adm", "types": "role", "limit": "x"},
        headers=people.admin,
    )
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["query"] == "bob" and body["limit"] == 20 and body["types"] is None
    assert [(r["type"], r["name"]) for r in body["results"]] == [
        ("user", "Test User"),  # a tie (both start with "bob"): users first
        ("group", "Bobcats"),
    ]
    assert body["count"] == 2 and body["sources"] == {"local": 2, "entra": 0}
    assert users.json()["results"] == [
        {
            "id": str(people.bob_id),
            "type": "user",
            "name": "Test User",
            "email": "bob@example.com",
            "username": "",
            "provider": "local",
            "source": "local",
            "idOnTheSource": str(people.bob_id),
        }
    ]
    assert users.json()["types"] == ["user"]
    assert roles.json()["limit"] == 10
    assert roles.json()["results"] == [
        {
            "id": "ADMIN",
            "type": "role",
            "name": "ADMIN",
            "source": "local",
            "idOnTheSource": "ADMIN",
        }
    ]
    for params, message in [
        ({}, 'Query parameter "q" is required and must not be empty'),
        ({"q": "  "}, 'Query parameter "q" is required and must not be empty'),
        ({"q": "b"}, "Query must be at least 2 characters long"),
    ]:
        answer = api.client.get(f"{P}/search-principals", params=params, headers=people.admin)
        assert (answer.status_code, answer.json()) == (400, {"error": message})
    # USER's role has no people picker (LibreChat's defaults)
    refused = api.client.get(f"{P}/search-principals", params={"q": "bob"}, headers=people.bob)
    typed = api.client.get(
        f"{P}/search-principals", params={"q": "bob", "types": "group"}, headers=people.bob
    )
    assert (refused.status_code, refused.json()) == (
        403,
        {
            "error": "Forbidden",
            "message": "Insufficient permissions to search for users, groups, or roles",
        },
    )
    assert typed.json() == {
        "error": "Forbidden",
        "message": "Insufficient permissions to search for groups",
    }


def test_access_audit_as_of(api: Api) -> None:
    people = People(api)
    api.container.permissions.create_owner("agent", "A1", people.owner_id)
    first = api.client.put(
        f"{P}/agent/A1",
        json={
            "updated": [{"type": "user", "id": str(people.bob_id), "accessRoleId": "agent_viewer"}]
        },
        headers=people.admin,
    )
    assert first.status_code == 200
    route = "/api/audit/resources/agent/A1/access"
    now = api.client.get(route, headers=people.admin)
    past = api.client.get(route, params={"asOf": "2001-01-01T00:00:00Z"}, headers=people.admin)
    assert now.status_code == 200, now.text
    assert now.json()["users"] == {str(people.owner_id): 15, str(people.bob_id): 1}
    assert [c["action"] for c in now.json()["history"]] == ["opened", "granted", "granted"]
    assert now.json()["history"][2]["accessRoleId"] == "agent_viewer"
    assert past.json()["users"] == {} and past.json()["holders"] == []
    assert api.client.get(route, headers=people.bob).status_code == 403
    bad = api.client.get(route, params={"asOf": "yesterday"}, headers=people.admin)
    assert bad.status_code == 400
    assert (
        api.client.get("/api/audit/resources/planet/A1/access", headers=people.admin).status_code
        == 400
    )


def test_odd_ids_and_queries_never_fail_the_server(api: Api) -> None:
    people = People(api)
    for path in [
        f"{P}/agent/a%00b",
        f"{P}/agent/a%00b/effective",
        f"{P}/agent/{'x' * 300}/effective",
        f"{P}/agent/{'x' * 300}",
        "/api/audit/resources/agent/a%00b/access",
    ]:
        for who in (people.admin, people.bob):
            answer = api.client.get(path, headers=who)
            assert answer.status_code < 500, (path, answer.text)
    for q in ("a\x00b", "%_%", "x" * 2000):
        answer = api.client.get(f"{P}/search-principals", params={"q": q}, headers=people.admin)
        assert answer.status_code in (200, 400), (q, answer.text)
    long_limit = api.client.get(
        f"{P}/search-principals", params={"q": "bob", "limit": "9" * 40}, headers=people.admin
    )
    assert long_limit.json()["limit"] == 50
