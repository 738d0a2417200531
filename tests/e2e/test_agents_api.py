"""/api/agents on SQLite and PostgreSQL + Redis: LibreChat's shapes, versions, the ACL
(creator owns; VIEW / EDIT / DELETE enforced; no leak), and bad input refused with nothing
recorded."""

from __future__ import annotations

import base64
import json
from typing import Any
from uuid import UUID

from tests.e2e.conftest import Api

A = "/api/agents"
AGENT = {
    "name": "Helper",
    "description": "Answers questions",
    "instructions": "Be brief.",
    "provider": "openAI",
    "model": "gpt-4o-mini",
    "model_parameters": {"temperature": 0.2, "secret": "x"},
    "tools": ["calculator"],
    "category": "it",
    "conversation_starters": ["Hi"],
}


def user_id(api: Api, headers: dict[str, str]) -> str:
    return str(api.client.get("/api/user", headers=headers).json()["id"])


def create(api: Api, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = api.client.post(A, json={**AGENT, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def share(api: Api, owner: dict[str, str], agent: dict[str, Any], who: str, role: str) -> None:
    body = {"updated": [{"type": "user", "id": who, "accessRoleId": role}], "public": False}
    put = api.client.put(f"/api/permissions/agent/{agent['_id']}", json=body, headers=owner)
    assert put.status_code == 200, put.text


def test_create_get_update_versions_revert_delete(api: Api) -> None:
    owner = api.user("owner@example.com")  # the first account: ADMIN
    agent = create(api, owner)
    assert agent["id"].startswith("agent_") and len(agent["id"]) == 27
    assert UUID(agent["_id"])
    assert agent["author"] == user_id(api, owner)
    assert agent["name"] == "Helper" and agent["version"] == 1
    assert agent["tools"] == ["calculator"] and agent["category"] == "it"
    assert agent["createdAt"].endswith("Z")

    got = api.client.get(f"{A}/{agent['id']}", headers=owner).json()
    assert got["name"] == "Helper"
    assert got["model_parameters"] == {"temperature": 0.2}  # the safe ones only
    assert "instructions" not in got and "tools" not in got
    expanded = api.client.get(f"{A}/{agent['id']}/expanded", headers=owner).json()
    assert expanded["instructions"] == "Be brief."

    patched = api.client.patch(
        f"{A}/{agent['id']}", json={"name": "Helper 2", "description": None}, headers=owner
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Helper 2" and patched.json()["version"] == 2
    assert "description" not in patched.json()
    versions = api.client.get(f"{A}/{agent['id']}/versions", headers=owner).json()
    assert [v["name"] for v in versions] == ["Helper", "Helper 2"]

    reverted = api.client.post(
        f"{A}/{agent['id']}/revert", json={"version_index": 0}, headers=owner
    )
    assert reverted.status_code == 200, reverted.text
    assert reverted.json()["name"] == "Helper" and reverted.json()["version"] == 3
    assert reverted.json()["description"] == "Answers questions"
    missing = api.client.post(f"{A}/{agent['id']}/revert", json={}, headers=owner)
    assert missing.status_code == 400 and missing.json() == {"error": "version_index is required"}

    listed = api.client.get(A, headers=owner).json()
    assert listed["object"] == "list" and listed["has_more"] is False
    assert [(a["id"], a["name"], a["isEditable"]) for a in listed["data"]] == [
        (agent["id"], "Helper", True)
    ]
    assert listed["first_id"] == listed["last_id"] == agent["id"]

    copy = api.client.post(f"{A}/{agent['id']}/duplicate", headers=owner)
    assert copy.status_code == 201, copy.text
    twin = copy.json()["agent"]
    assert twin["id"] != agent["id"] and twin["name"].startswith("Helper (")
    assert twin["instructions"] == "Be brief."

    gone = api.client.delete(f"{A}/{agent['id']}", headers=owner)
    assert gone.status_code == 200 and gone.json() == {"message": "Agent deleted"}
    after = api.client.get(f"{A}/{agent['id']}", headers=owner)
    assert after.status_code == 404
    assert after.json() == {"error": "Not Found", "message": "agent not found"}
    assert [a["id"] for a in api.client.get(A, headers=owner).json()["data"]] == [twin["id"]]


def test_shared_with_viewer_refused_to_others(api: Api) -> None:
    owner = api.user("owner@example.com")  # ADMIN: its role may share agents
    viewer, stranger = api.user("bob@example.com"), api.user("carol@example.com")
    agent = create(api, owner)
    path = f"{A}/{agent['id']}"
    forbidden = {"error": "Forbidden", "message": "Insufficient permissions to access this agent"}
    assert api.client.get(path, headers=viewer).status_code == 403
    assert api.client.get(A, headers=viewer).json()["data"] == []

    share(api, owner, agent, user_id(api, viewer), "agent_viewer")
    seen = api.client.get(path, headers=viewer)
    assert seen.status_code == 200 and seen.json()["name"] == "Helper"
    assert "author" not in seen.json()
    listed = api.client.get(A, headers=viewer).json()["data"]
    assert [(a["id"], a["isEditable"]) for a in listed] == [(agent["id"], False)]
    editable = api.client.get(A, params={"requiredPermission": 2}, headers=viewer).json()
    assert editable["data"] == []
    assert api.client.get(f"{path}/expanded", headers=viewer).json() == forbidden
    before = api.events("agents")
    assert api.client.patch(path, json={"name": "Mine"}, headers=viewer).status_code == 403
    assert api.client.delete(path, headers=viewer).status_code == 403
    assert api.client.post(f"{path}/duplicate", headers=viewer).status_code == 403

    for call in (
        api.client.get(path, headers=stranger),
        api.client.patch(path, json={"name": "x"}, headers=stranger),
        api.client.delete(path, headers=stranger),
    ):
        assert call.status_code == 403 and call.json() == forbidden
    assert api.client.get(A, headers=stranger).json()["data"] == []
    assert api.events("agents") == before
    unknown = api.client.get(f"{A}/agent_doesnotexist000000000", headers=stranger)
    assert unknown.status_code == 404
    acl = "/api/permissions/agent"
    assert api.client.get(f"{acl}/{UUID(int=7)}", headers=stranger).status_code == 404
    assert api.client.get(f"{acl}/{agent['_id']}", headers=stranger).status_code == 403

    share(api, owner, agent, user_id(api, viewer), "agent_editor")
    edited = api.client.patch(path, json={"name": "Edited"}, headers=viewer)
    assert edited.status_code == 200 and edited.json()["name"] == "Edited"
    assert "author" not in edited.json()


def test_bad_input_is_refused_and_records_nothing(api: Api) -> None:
    owner = api.user("owner@example.com")
    agent = create(api, owner)
    before = api.events("agents")
    bad_bodies = [
        {"name": "x"},  # no provider
        {**AGENT, "provider": 5},
        {**AGENT, "name": "n" * 257},
        {**AGENT, "tools": ["ok", 3]},
        {**AGENT, "tools": [""]},
        {**AGENT, "instructions": "a\x00b"},
        {**AGENT, "model_parameters": {"k": "a\x00"}},
        {**AGENT, "recursion_limit": 0},
        {**AGENT, "conversation_starters": ["s"] * 33},
        {**AGENT, "avatar": {"filepath": 1}},
    ]
    for body in bad_bodies:
        response = api.client.post(A, json=body, headers=owner)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"] == "Invalid request data"
    for body in ({"provider": None}, {"model": ""}, {"name": "n" * 300}, {"tools": "calc"}):
        response = api.client.patch(f"{A}/{agent['id']}", json=body, headers=owner)
        assert response.status_code == 400, (body, response.text)
    revert = api.client.post(f"{A}/{agent['id']}/revert", json={"version_index": 9}, headers=owner)
    assert revert.status_code == 400
    bad_list = api.client.get(A, params={"cursor": "%%%", "limit": "x"}, headers=owner)
    assert bad_list.status_code == 200
    assert api.events("agents") == before


def test_list_pages_search_category_and_categories(api: Api) -> None:
    owner = api.user("owner@example.com")
    made = [
        create(api, owner, name=f"Agent {i}", category="hr" if i % 2 else "it") for i in range(5)
    ]
    page = api.client.get(A, params={"limit": 2}, headers=owner).json()
    assert page["has_more"] is True and len(page["data"]) == 2
    cursor = json.loads(base64.b64decode(page["after"]))
    assert set(cursor) == {"updatedAt", "_id"}
    seen = [a["id"] for a in page["data"]]
    while page["has_more"]:
        page = api.client.get(A, params={"limit": 2, "cursor": page["after"]}, headers=owner).json()
        seen += [a["id"] for a in page["data"]]
    assert seen == [a["id"] for a in reversed(made)]
    found = api.client.get(A, params={"search": "agent 3"}, headers=owner).json()["data"]
    assert [a["name"] for a in found] == ["Agent 3"]
    hr = api.client.get(A, params={"category": "hr"}, headers=owner).json()["data"]
    assert sorted(a["name"] for a in hr) == ["Agent 1", "Agent 3"]
    assert api.client.get(A, params={"search": "%"}, headers=owner).json()["data"] == []
    categories = api.client.get(f"{A}/categories", headers=owner).json()
    counts = {c["value"]: c.get("count") for c in categories}
    assert counts["hr"] == 2 and counts["it"] == 3 and categories[-1]["value"] == "all"
