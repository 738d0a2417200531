"""Chat projects (LibreChat v0.8.8): CRUD, moving conversations, the convos filter, counts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api
from tests.e2e.test_conversations_api import _chat

MISSING = "0123456789abcdef01234567"


def _conversation(api: Api, headers: dict[str, str], text: str = "hello") -> str:
    cid: str = _chat(api, headers, text)["conversation"]["conversationId"]
    return cid


def _create(api: Api, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = api.client.post("/api/projects", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _move(api: Api, headers: dict[str, str], cid: str, project_id: Any) -> Any:
    return api.client.put(
        f"/api/projects/conversations/{cid}", json={"projectId": project_id}, headers=headers
    )


def _convos(api: Api, headers: dict[str, str], project: str) -> list[str]:
    response = api.client.get(f"/api/convos?projectId={project}", headers=headers)
    assert response.status_code == 200, response.text
    return [c["conversationId"] for c in response.json()["conversations"]]


def test_create_get_update_delete_in_librechats_shape(api: Api) -> None:
    me = api.user("projects@example.com")
    project = _create(api, me, name="  Thesis  ", description=" notes ")
    assert len(project["_id"]) == 24
    assert (project["name"], project["description"]) == ("Thesis", "notes")
    assert (project["conversationCount"], project["lastConversationAt"]) == (0, None)
    assert project["createdAt"].endswith("Z")
    pid = project["_id"]
    assert api.client.get(f"/api/projects/{pid}", headers=me).json()["name"] == "Thesis"
    updated = api.client.patch(f"/api/projects/{pid}", json={"name": "Thesis 2"}, headers=me)
    assert updated.status_code == 200
    assert (updated.json()["name"], updated.json()["description"]) == ("Thesis 2", "notes")
    gone = api.client.delete(f"/api/projects/{pid}", headers=me)
    assert gone.status_code == 200
    assert gone.json() == {"deletedCount": 1, "modifiedCount": 0}
    missing = api.client.get(f"/api/projects/{pid}", headers=me)
    assert (missing.status_code, missing.json()) == (404, {"error": "Project not found"})


def test_names_are_cut_to_librechats_limits(api: Api) -> None:
    me = api.user("limits@example.com")
    project = _create(api, me, name="n" * 150, description="d" * 1500)
    assert (len(project["name"]), len(project["description"])) == (100, 1000)


def test_conversations_move_in_and_out_and_filter_the_list(api: Api) -> None:
    me = api.user("move@example.com")
    pid = _create(api, me, name="Work")["_id"]
    inside, outside = _conversation(api, me, "in"), _conversation(api, me, "out")
    moved = _move(api, me, inside, pid)
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["previousProjectId"], body["projectId"]) == (None, pid)
    assert body["conversation"]["chatProjectId"] == pid
    assert _convos(api, me, pid) == [inside]
    assert _convos(api, me, "unassigned") == [outside]
    project = api.client.get(f"/api/projects/{pid}", headers=me).json()
    assert (project["conversationCount"], project["lastConversationId"]) == (1, inside)
    assert project["lastConversationAt"] is not None
    listed = api.client.get("/api/convos", headers=me).json()["conversations"]
    assert {c["conversationId"]: c["chatProjectId"] for c in listed} == {inside: pid, outside: None}
    out = _move(api, me, inside, None).json()
    assert (out["previousProjectId"], out["projectId"]) == (pid, None)
    assert _convos(api, me, pid) == []


def test_deleting_a_project_frees_its_conversations(api: Api) -> None:
    me = api.user("freed@example.com")
    pid = _create(api, me, name="Temp")["_id"]
    cid = _conversation(api, me)
    _move(api, me, cid, pid)
    gone = api.client.delete(f"/api/projects/{pid}", headers=me).json()
    assert gone == {"deletedCount": 1, "modifiedCount": 1}
    assert _convos(api, me, "unassigned") == [cid]
    assert api.client.get(f"/api/convos/{cid}", headers=me).json()["chatProjectId"] is None


def test_list_sorts_pages_and_searches(api: Api) -> None:
    me = api.user("pages@example.com")
    ids = [_create(api, me, name=name)["_id"] for name in ("beta", "alpha", "gamma")]
    cid = _conversation(api, me)
    _move(api, me, cid, ids[2])
    first = api.client.get("/api/projects?limit=2", headers=me).json()
    assert first["projects"][0]["_id"] == ids[2]  # the one with a conversation leads
    assert first["nextCursor"]
    rest = api.client.get(f"/api/projects?limit=2&cursor={first['nextCursor']}", headers=me).json()
    seen = [p["_id"] for p in first["projects"] + rest["projects"]]
    assert sorted(seen) == sorted(ids) and rest["nextCursor"] is None
    by_name = api.client.get("/api/projects?sortBy=name&sortDirection=asc", headers=me).json()
    assert [p["name"] for p in by_name["projects"]] == ["alpha", "beta", "gamma"]
    found = api.client.get("/api/projects?search=AMM", headers=me).json()
    assert [p["name"] for p in found["projects"]] == ["gamma"]
    garbage = api.client.get("/api/projects?cursor=%%%&limit=abc", headers=me)
    assert garbage.status_code == 200 and len(garbage.json()["projects"]) == 3


@pytest.mark.parametrize("body", [{}, {"name": "   "}, {"name": 5}, {"name": None}])
def test_a_project_without_a_name_is_refused(api: Api, body: dict[str, Any]) -> None:
    me = api.user("noname@example.com")
    before = api.events("conversations")
    response = api.client.post("/api/projects", json=body, headers=me)
    assert (response.status_code, response.json()) == (400, {"error": "name is required"})
    assert api.events("conversations") == before


def test_bad_updates_and_moves_change_nothing(api: Api) -> None:
    me = api.user("badmove@example.com")
    pid = _create(api, me, name="Keep")["_id"]
    cid = _conversation(api, me)
    before = api.events("conversations")
    blank = api.client.patch(f"/api/projects/{pid}", json={"name": " "}, headers=me)
    assert (blank.status_code, blank.json()) == (400, {"error": "name is required"})
    wrong = _move(api, me, cid, 7)
    assert (wrong.status_code, wrong.json()) == (
        400,
        {"error": "projectId must be a string or null"},
    )
    nowhere = _move(api, me, cid, MISSING)
    assert (nowhere.status_code, nowhere.json()) == (404, {"error": "Project not found"})
    no_chat = _move(api, me, "not-a-conversation", pid)
    assert (no_chat.status_code, no_chat.json()) == (404, {"error": "Conversation not found"})
    assert api.events("conversations") == before
    bad_filter = api.client.get("/api/convos?projectId=nope", headers=me)
    assert bad_filter.status_code == 400
    assert bad_filter.json()["message"] == "projectId must be a valid project id or unassigned"


def test_another_users_project_is_not_found(api: Api) -> None:
    alice, bob = api.user("alice-pr@example.com"), api.user("bob-pr@example.com")
    pid = _create(api, alice, name="Private")["_id"]
    bob_chat = _conversation(api, bob)
    alice_chat = _conversation(api, alice)
    before = api.events("conversations")
    for response in (
        api.client.get(f"/api/projects/{pid}", headers=bob),
        api.client.patch(f"/api/projects/{pid}", json={"name": "mine"}, headers=bob),
        api.client.delete(f"/api/projects/{pid}", headers=bob),
        _move(api, bob, bob_chat, pid),
    ):
        assert (response.status_code, response.json()) == (404, {"error": "Project not found"})
    own = _create(api, bob, name="Bob's")["_id"]
    stolen = _move(api, bob, alice_chat, own)
    assert (stolen.status_code, stolen.json()) == (404, {"error": "Conversation not found"})
    assert api.client.get("/api/projects", headers=bob).json()["projects"][0]["_id"] == own
    assert api.events("conversations") == before + 1  # only Bob's own project
    assert api.client.get(f"/api/projects/{pid}", headers=alice).json()["name"] == "Private"
    assert _convos(api, bob, pid) == []


def _chat_in(api: Api, headers: dict[str, str], project_id: str) -> dict[str, Any]:
    started = api.client.post(
        "/api/agents/chat/echo",
        headers=headers,
        json={
            "text": "in a project",
            "conversationId": None,
            "parentMessageId": "00000000-0000-0000-0000-000000000000",
            "chatProjectId": project_id,
        },
    )
    assert started.status_code == 200, started.text
    cid = started.json()["conversationId"]
    convo: dict[str, Any] = api.client.get(f"/api/convos/{cid}", headers=headers).json()
    return convo


def test_a_new_chat_can_start_inside_a_project(api: Api) -> None:
    me = api.user("chatin@example.com")
    pid = _create(api, me, name="Landing")["_id"]
    convo = _chat_in(api, me, pid)
    assert convo["chatProjectId"] == pid
    assert _convos(api, me, pid) == [convo["conversationId"]]


def test_a_chat_naming_someone_elses_project_starts_in_none(api: Api) -> None:
    alice, bob = api.user("alice-ci@example.com"), api.user("bob-ci@example.com")
    pid = _create(api, alice, name="Hers")["_id"]
    assert _chat_in(api, bob, pid)["chatProjectId"] is None
    assert _chat_in(api, bob, MISSING)["chatProjectId"] is None
