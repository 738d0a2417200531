"""LibreChat's conversation, message and tag routes over HTTP, on both run modes."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import pytest
from httpx_sse import EventSource

from tests.e2e.conftest import Api

ROOT = "00000000-0000-0000-0000-000000000000"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"


def _chat(api: Api, headers: dict[str, str], text: str = "hello") -> dict[str, Any]:
    """A conversation made the way the client makes one: a chat turn (echo model)."""
    started = api.client.post(
        "/api/agents/chat/echo",
        headers=headers,
        json={"text": text, "conversationId": None, "parentMessageId": ROOT},
    )
    assert started.status_code == 200, started.text
    with api.client.stream(
        "GET", f"/api/agents/chat/stream/{started.json()['streamId']}", headers=headers
    ) as stream:
        frames = [sse.json() for sse in EventSource(stream).iter_sse()]
    return frames[-1]


def test_list_get_retitle_archive_pin_delete(api: Api) -> None:
    me = api.user("owner@example.com")
    final = _chat(api, me, "plan a trip to Oslo")
    cid = final["conversation"]["conversationId"]
    listed = api.client.get("/api/convos", headers=me).json()
    assert [c["conversationId"] for c in listed["conversations"]] == [cid]
    assert listed["nextCursor"] is None
    renamed = api.client.post(
        "/api/convos/update", headers=me, json={"arg": {"conversationId": cid, "title": " Oslo "}}
    )
    assert renamed.status_code == 201 and renamed.json()["title"] == "Oslo"
    assert (
        api.client.post(
            "/api/convos/pin", headers=me, json={"arg": {"conversationId": cid, "pinned": True}}
        ).json()["pinned"]
        is True
    )
    pinned = api.client.get("/api/convos?pinned=true&limit=100", headers=me).json()
    assert [c["conversationId"] for c in pinned["conversations"]] == [cid]
    archived = api.client.post(
        "/api/convos/archive", headers=me, json={"arg": {"conversationId": cid, "isArchived": True}}
    )
    assert archived.status_code == 200 and archived.json()["isArchived"] is True
    assert api.client.get("/api/convos", headers=me).json()["conversations"] == []
    assert (
        len(api.client.get("/api/convos?isArchived=true", headers=me).json()["conversations"]) == 1
    )
    deleted = api.client.request(
        "DELETE", "/api/convos", headers=me, json={"arg": {"conversationId": cid}}
    )
    assert deleted.status_code == 201
    assert deleted.json()["deletedCount"] == 1 and deleted.json()["messages"]["deletedCount"] == 2
    assert api.client.get(f"/api/convos/{cid}", headers=me).status_code == 404
    assert api.client.get(f"/api/messages/{cid}", headers=me).status_code == 404
    assert api.client.get("/api/convos?isArchived=true", headers=me).json()["conversations"] == []


def test_pages_with_ties_cover_everything_once(api: Api) -> None:
    me = api.user("pager@example.com")
    made = {_chat(api, me, "same title")["conversation"]["conversationId"] for _ in range(5)}
    for sort_by in ("title", "updatedAt", "createdAt"):
        seen, cursor = [], None
        while True:
            query = f"/api/convos?limit=2&sortBy={sort_by}" + (
                f"&cursor={cursor}" if cursor else ""
            )
            page = api.client.get(query, headers=me).json()
            seen += [c["conversationId"] for c in page["conversations"]]
            cursor = page["nextCursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(made), sort_by


def test_messages_post_edit_feedback_delete(api: Api) -> None:
    me = api.user("writer@example.com")
    final = _chat(api, me, "first question")
    cid = final["conversation"]["conversationId"]
    answer = final["responseMessage"]["messageId"]
    new_id = str(uuid.uuid4())
    posted = api.client.post(
        f"/api/messages/{cid}",
        headers=me,
        json={"messageId": new_id, "parentMessageId": answer, "text": "follow up"},
    )
    assert posted.status_code == 201 and posted.json()["parentMessageId"] == answer
    edited = api.client.put(
        f"/api/messages/{cid}/{new_id}", headers=me, json={"text": "follow-up, edited"}
    )
    assert edited.status_code == 200 and edited.json()["text"] == "follow-up, edited"
    good = {"feedback": {"rating": "thumbsUp", "tag": "accurate_reliable"}}
    assert (
        api.client.put(f"/api/messages/{cid}/{answer}/feedback", headers=me, json=good).json()[
            "feedback"
        ]["rating"]
        == "thumbsUp"
    )
    bad = api.client.put(
        f"/api/messages/{cid}/{answer}/feedback",
        headers=me,
        json={"feedback": {"rating": "thumbsUp", "tag": "inaccurate"}},
    )
    assert bad.status_code == 400 and bad.json() == {"error": "Invalid feedback"}
    transcript = api.client.get(f"/api/messages/{cid}", headers=me).json()
    assert [m["text"] for m in transcript] == [
        "first question",
        "Echo: first question",
        "follow-up, edited",
    ]
    assert api.client.delete(f"/api/messages/{cid}/{new_id}", headers=me).status_code == 204
    assert len(api.client.get(f"/api/messages/{cid}", headers=me).json()) == 2
    paged = api.client.get(f"/api/messages?conversationId={cid}&pageSize=1", headers=me).json()
    assert len(paged["messages"]) == 1 and paged["nextCursor"]


def test_fork_and_duplicate_copy_with_new_ids(api: Api) -> None:
    me = api.user("forker@example.com")
    final = _chat(api, me, "fork me")
    cid = final["conversation"]["conversationId"]
    target = final["responseMessage"]["messageId"]
    fork = api.client.post(
        "/api/convos/fork",
        headers=me,
        json={"conversationId": cid, "messageId": target, "option": "directPath"},
    )
    assert fork.status_code == 200
    copied = fork.json()["messages"]
    assert len(copied) == 2 and target not in {m["messageId"] for m in copied}
    duplicate = api.client.post(
        "/api/convos/duplicate", headers=me, json={"conversationId": cid, "title": "Copy"}
    )
    assert duplicate.status_code == 201 and duplicate.json()["conversation"]["title"] == "Copy"
    assert len(api.client.get("/api/convos", headers=me).json()["conversations"]) == 3


def test_tags_count_and_follow_renames(api: Api) -> None:
    me = api.user("tagger@example.com")
    cid = _chat(api, me)["conversation"]["conversationId"]
    assert api.client.post("/api/tags", headers=me, json={"tag": "work"}).status_code == 200
    assert api.client.put(f"/api/tags/convo/{cid}", headers=me, json={"tags": ["work"]}).json() == [
        "work"
    ]
    assert [(t["tag"], t["count"]) for t in api.client.get("/api/tags", headers=me).json()] == [
        ("work", 1)
    ]
    assert api.client.put("/api/tags/work", headers=me, json={"tag": "job"}).status_code == 200
    assert api.client.get(f"/api/convos/{cid}", headers=me).json()["tags"] == ["job"]
    tagged = api.client.get("/api/convos?tags=job", headers=me).json()["conversations"]
    assert [c["conversationId"] for c in tagged] == [cid]
    assert api.client.delete("/api/tags/job", headers=me).status_code == 200
    assert api.client.get(f"/api/convos/{cid}", headers=me).json()["tags"] == []


def test_import_is_idempotent(api: Api) -> None:
    me = api.user("importer@example.com")
    for name in ("librechat.json", "chatgpt.json", "claude.json"):
        for _ in range(2):
            response = api.client.post(
                "/api/convos/import",
                headers=me,
                files={"file": (name, (FIXTURES / name).read_bytes(), "application/json")},
            )
            assert response.status_code == 201, response.text
    titles = sorted(
        c["title"] for c in api.client.get("/api/convos", headers=me).json()["conversations"]
    )
    assert titles == ["Haiku about tea", "Packing list", "Rust lifetimes"]


def test_someone_elses_conversation_is_invisible(api: Api) -> None:
    owner = api.user("private@example.com")
    cid = _chat(api, owner)["conversation"]["conversationId"]
    other = api.user("snoop@example.com")
    before = api.events("conversations")
    assert api.client.get(f"/api/convos/{cid}", headers=other).status_code == 404
    assert api.client.get(f"/api/messages/{cid}", headers=other).status_code == 404
    assert (
        api.client.post(
            "/api/convos/update",
            headers=other,
            json={"arg": {"conversationId": cid, "title": "mine now"}},
        ).status_code
        == 404
    )
    assert (
        api.client.post(
            f"/api/messages/{cid}",
            headers=other,
            json={"messageId": str(uuid.uuid4()), "text": "hi"},
        ).status_code
        == 404
    )
    gone = api.client.request(
        "DELETE", "/api/convos", headers=other, json={"arg": {"conversationId": cid}}
    )
    assert gone.json()["deletedCount"] == 0
    assert api.client.get("/api/convos", headers=other).json()["conversations"] == []
    assert api.events("conversations") == before


@pytest.mark.parametrize(
    "query",
    [
        "cursor=not-base64!!",
        "cursor=" + base64.b64encode(b'{"x":1}').decode(),
        "limit=0",
        "limit=abc",
        "sortBy=nonsense",
        "sortDirection=sideways",
    ],
)
def test_bad_list_queries_are_400(api: Api, query: str) -> None:
    me = api.user("queries@example.com")
    response = api.client.get(f"/api/convos?{query}", headers=me)
    assert response.status_code == 400 and response.json()["error"]


def test_bad_bodies_are_400_and_change_nothing(api: Api) -> None:
    me = api.user("bodies@example.com")
    cid = _chat(api, me)["conversation"]["conversationId"]
    before = api.events("conversations")
    cases = [
        ("POST", "/api/convos/update", {"arg": {"conversationId": cid, "title": "x" * 1025}}),
        ("POST", "/api/convos/update", {"arg": {"conversationId": cid, "title": 5}}),
        ("POST", "/api/convos/archive", {"arg": {"conversationId": cid}}),
        ("POST", f"/api/messages/{cid}", {"messageId": "not-a-uuid", "text": "x"}),
        ("POST", f"/api/messages/{cid}", {"text": "no id"}),
        ("PUT", f"/api/tags/convo/{cid}", {"tags": "not-a-list"}),
        ("POST", "/api/convos/fork", {"conversationId": cid}),
        ("POST", "/api/agents/chat/echo", {"text": 42}),
        ("POST", "/api/agents/chat/nope", {"text": "hi"}),
    ]
    for method, path, body in cases:
        response = api.client.request(method, path, headers=me, json=body)
        assert response.status_code == 400, (path, body, response.status_code, response.text)
    garbage = api.client.post(
        "/api/convos/update",
        headers=me,
        content=b"{{{",
    )
    assert garbage.status_code == 400
    assert api.events("conversations") == before


def test_archive_all_and_delete_all(api: Api) -> None:
    me = api.user("bulk@example.com")
    other = api.user("bystander@example.com")
    mine = [_chat(api, me, f"question {n}")["conversation"]["conversationId"] for n in range(3)]
    theirs = _chat(api, other, "not yours")["conversation"]["conversationId"]
    archived = api.client.post("/api/convos/archive/all", headers=me)
    assert archived.status_code == 200 and archived.json() == {"archivedCount": 3}
    listed = api.client.get("/api/convos?isArchived=true", headers=me).json()["conversations"]
    assert sorted(c["conversationId"] for c in listed) == sorted(mine)
    assert api.client.get("/api/convos", headers=me).json()["conversations"] == []
    deleted = api.client.delete("/api/convos/all", headers=me)
    assert deleted.status_code == 201
    assert deleted.json()["deletedCount"] == 3
    assert deleted.json()["messages"]["deletedCount"] == 6
    assert api.client.get(f"/api/convos/{mine[0]}", headers=me).status_code == 404
    assert api.client.get(f"/api/messages/{mine[0]}", headers=me).status_code == 404
    # someone else's conversation was not touched
    assert api.client.get(f"/api/convos/{theirs}", headers=other).status_code == 200


def test_one_message_and_content_part_edits(api: Api) -> None:
    me = api.user("parts@example.com")
    final = _chat(api, me, "split me")
    cid, answer = final["conversation"]["conversationId"], final["responseMessage"]["messageId"]
    one = api.client.get(f"/api/messages/{cid}/{answer}", headers=me)
    assert one.status_code == 200 and [m["messageId"] for m in one.json()] == [answer]
    missing = api.client.get(f"/api/messages/{cid}/{uuid.uuid4()}", headers=me)
    assert missing.status_code == 200 and missing.json() == []
    # Edit the answer's first content part (type text)
    edited = api.client.put(
        f"/api/messages/{cid}/{answer}", headers=me, json={"text": "rewritten", "index": 0}
    )
    assert edited.status_code == 200, edited.text
    saved = api.client.get(f"/api/messages/{cid}/{answer}", headers=me).json()[0]
    assert saved["content"][0]["text"] == "rewritten"
    # An index past the parts, or of the wrong type, is a 400 and changes nothing
    for bad in ({"text": "x", "index": 7}, {"text": "x", "index": -1}, {"text": "x", "index": [0]}):
        response = api.client.put(f"/api/messages/{cid}/{answer}", headers=me, json=bad)
        assert response.status_code == 400, (bad, response.text)
        assert "error" in response.json()
    after = api.client.get(f"/api/messages/{cid}/{answer}", headers=me).json()[0]
    assert after == saved
