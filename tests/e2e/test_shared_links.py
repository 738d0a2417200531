"""Shared links (/api/share): LibreChat's routes, shapes and refusals, on SQLite and
PostgreSQL. A link shows its snapshot anonymised afresh on every response."""

from __future__ import annotations

from typing import Any

import pytest
from httpx_sse import EventSource

from projections.sharing.view_counts import views_of
from tests.e2e.conftest import Api

ROOT = "00000000-0000-0000-0000-000000000000"
NON_EMPTY = "targetMessageId must be a non-empty string"
NO_CONVO = "Conversation not found or access denied"


def _answer(response: Any) -> tuple[int, Any]:
    return response.status_code, response.json()


def _chat(
    api: Api, me: dict[str, str], text: str, cid: str | None = None, parent: str = ROOT
) -> dict[str, Any]:
    body = {"text": text, "conversationId": cid, "parentMessageId": parent}
    started = api.client.post("/api/agents/chat/echo", headers=me, json=body)
    assert started.status_code == 200, started.text
    stream_id = started.json()["streamId"]
    with api.client.stream("GET", f"/api/agents/chat/stream/{stream_id}", headers=me) as stream:
        frames = [sse.json() for sse in EventSource(stream).iter_sse()]
    final: dict[str, Any] = frames[-1]
    return final


def _conversation(api: Api, me: dict[str, str], text: str = "hello") -> tuple[str, dict[str, Any]]:
    final = _chat(api, me, text)
    return final["conversation"]["conversationId"], final


def _share(api: Api, me: dict[str, str], cid: str, **body: Any) -> Any:
    return api.client.post(f"/api/share/{cid}", headers=me, json=body)


def test_create_list_get_and_delete_a_link(api: Api) -> None:
    me = api.user("sharer@example.com")
    cid, _ = _conversation(api, me)
    created = _share(api, me, cid)
    assert created.status_code == 200, created.text
    link = created.json()
    assert set(link) == {"_id", "shareId", "conversationId"} and link["conversationId"] == cid
    share_id = link["shareId"]
    assert len(share_id) == 21
    again = _share(api, me, cid)
    assert (again.status_code, again.json()) == (409, {"message": "Share already exists"})
    found = api.client.get(f"/api/share/link/{cid}", headers=me).json()
    assert found == {
        "_id": link["_id"],
        "success": True,
        "shareId": share_id,
        "snapshotFiles": True,
        "conversationId": cid,
    }
    convos = api.client.get("/api/convos", headers=me).json()["conversations"]
    assert [c["isShared"] for c in convos] == [True]  # the sidebar's badge
    listed = api.client.get("/api/share", headers=me).json()
    assert listed["hasNextPage"] is False and "nextCursor" not in listed
    [item] = listed["links"]
    assert item["shareId"] == share_id and item["conversationId"] == cid
    assert item["title"] and item["createdAt"].endswith("Z")
    deleted = api.client.delete(f"/api/share/{share_id}", headers=me)
    assert deleted.json() == {
        "_id": link["_id"],
        "success": True,
        "shareId": share_id,
        "message": "Share deleted successfully",
    }
    gone = api.client.get(f"/api/share/{share_id}", headers=me)
    assert (gone.status_code, gone.json()) == (404, {"message": "Shared link not found"})
    twice = api.client.delete(f"/api/share/{share_id}", headers=me)
    assert (twice.status_code, twice.json()) == (404, {"message": "Share not found"})
    convos = api.client.get("/api/convos", headers=me).json()["conversations"]
    assert [c["isShared"] for c in convos] == [False]
    none = api.client.get(f"/api/share/link/{cid}", headers=me).json()
    assert none == {"success": False, "shareId": None, "conversationId": cid}
    # deleted, it may be shared again: under a new shareId
    renewed = _share(api, me, cid).json()
    assert renewed["shareId"] != share_id


def test_the_view_is_anonymised_afresh_per_response(api: Api) -> None:
    me = api.user("anon-owner@example.com")
    cid, final = _conversation(api, me, "secret plans")
    share_id = _share(api, me, cid).json()["shareId"]
    viewer = api.user("viewer@example.com")
    first = api.client.get(f"/api/share/{share_id}", headers=viewer)
    assert first.status_code == 200 and first.headers["cache-control"] == "private, no-store"
    body = first.json()
    assert set(body) == {"shareId", "title", "createdAt", "updatedAt", "conversationId", "messages"}
    assert body["conversationId"].startswith("convo_") and cid not in first.text
    question, answer = body["messages"]
    assert [question["text"], answer["text"]] == ["secret plans", "Echo: secret plans"]
    assert question["parentMessageId"] == ROOT  # the root sentinel is kept
    assert answer["parentMessageId"] == question["messageId"]
    assert all(m["messageId"].startswith("msg_") for m in body["messages"])
    assert {m["conversationId"] for m in body["messages"]} == {body["conversationId"]}
    for original in (final["requestMessage"]["messageId"], final["responseMessage"]["messageId"]):
        assert original not in first.text
    assert "model" not in answer and "endpoint" not in answer  # the model is not disclosed
    second = api.client.get(f"/api/share/{share_id}", headers=viewer).json()
    assert second["conversationId"] != body["conversationId"]
    assert {m["messageId"] for m in second["messages"]}.isdisjoint(
        m["messageId"] for m in body["messages"]
    )
    with api.container.reads.connect() as conn:
        assert views_of(conn, share_id) == 2  # counted in a table, no event per view
    for route in ("files/f1", "files/f1/download", "files/f1/preview"):
        file = api.client.get(f"/api/share/{share_id}/{route}", headers=viewer)
        assert _answer(file) == (404, {"message": "File not found in shared link"})  # no files
        assert api.client.get(f"/api/share/{share_id}/{route}").status_code == 401


def test_anonymous_viewers_need_public_links_allowed(api: Api) -> None:
    me = api.user("closed@example.com")
    cid, _ = _conversation(api, me)
    share_id = _share(api, me, cid).json()["shareId"]
    anonymous = api.client.get(f"/api/share/{share_id}")
    assert _answer(anonymous) == (401, {"message": "Authentication required"})
    assert api.client.get(f"/api/share/{share_id}/config").status_code == 401
    config = api.client.get("/api/config", headers=me).json()
    assert config["sharedLinksEnabled"] is True and config["publicSharedLinksEnabled"] is False


@pytest.mark.parametrize("mode", ["sqlite", "distributed"])
def test_a_public_link_opens_anonymously_when_allowed(api_for: Any, mode: str) -> None:
    api = api_for(mode, allow_shared_links_public=True)
    me = api.user("open@example.com")
    cid, _ = _conversation(api, me, "for everyone")
    share_id = _share(api, me, cid).json()["shareId"]
    viewed = api.client.get(f"/api/share/{share_id}")
    assert viewed.status_code == 200
    messages = viewed.json()["messages"]
    assert [m["text"] for m in messages] == ["for everyone", "Echo: for everyone"]
    assert all(m["messageId"].startswith("msg_") for m in messages)
    config = api.client.get(f"/api/share/{share_id}/config")
    assert config.status_code == 200 and config.json() == {"appTitle": "Chronicle"}
    assert api.client.get("/api/config", headers=me).json()["publicSharedLinksEnabled"] is True
    missing = api.client.get("/api/share/nosuchshare")
    assert (missing.status_code, missing.json()) == (404, {"message": "Shared link not found"})


def test_a_link_made_private_opens_only_by_its_acl(api: Api) -> None:
    me = api.user("private@example.com")
    cid, _ = _conversation(api, me)
    link = _share(api, me, cid).json()
    share_id, resource = link["shareId"], f"/api/permissions/sharedLink/{link['_id']}"
    other = api.user("snoop@example.com")
    assert api.client.get(f"/api/share/{share_id}", headers=other).status_code == 200
    # the owner owns the link, and the public may view it (LibreChat's creation grants)
    principals = api.client.get(resource, headers=me).json()
    assert principals["public"] is True and principals["publicAccessRoleId"] == "sharedLink_viewer"
    mine = api.client.get(f"{resource}/effective", headers=me).json()
    assert mine == {"permissionBits": 15}
    private = api.client.put(resource, headers=me, json={"public": False})
    assert private.status_code == 200, private.text
    assert api.client.get(f"/api/share/{share_id}", headers=me).status_code == 200
    refused = api.client.get(f"/api/share/{share_id}", headers=other)
    missing = api.client.get("/api/share/nosuchshare", headers=other)
    assert _answer(refused) == _answer(missing) == (404, {"message": "Shared link not found"})
    forked = api.client.post(f"/api/share/{share_id}/fork", headers=other, json={})
    assert forked.status_code == 404
    assert api.client.get(f"/api/share/{share_id}").status_code == 401
    # a grant to one user opens it for them, and for no one else
    other_id = api.client.get("/api/user", headers=other).json()["id"]
    viewer = {"type": "user", "id": other_id, "accessRoleId": "sharedLink_viewer"}
    granted = api.client.put(resource, headers=me, json={"updated": [viewer]})
    assert granted.status_code == 200, granted.text
    assert api.client.get(f"/api/share/{share_id}", headers=other).status_code == 200
    third = api.user("third@example.com")
    assert api.client.get(f"/api/share/{share_id}", headers=third).status_code == 404
    # deleting the link takes its grants
    api.client.delete(f"/api/share/{share_id}", headers=me)
    assert api.client.get(f"{resource}/effective", headers=me).json() == {"permissionBits": 0}


def test_the_snapshot_holds_the_messages_of_its_time_until_republished(api: Api) -> None:
    me = api.user("snapshot@example.com")
    cid, first = _conversation(api, me, "one")
    link = _share(api, me, cid).json()
    share_id = link["shareId"]
    before = api.client.get(f"/api/share/{share_id}", headers=me).json()
    _chat(api, me, "two", cid, first["responseMessage"]["messageId"])
    shown = api.client.get(f"/api/share/{share_id}", headers=me).json()
    assert [m["text"] for m in shown["messages"]] == ["one", "Echo: one"]
    # the link references its messages, as LibreChat's: an edit of one of them shows
    question = first["requestMessage"]["messageId"]
    edited = api.client.put(f"/api/messages/{cid}/{question}", headers=me, json={"text": "uno"})
    assert edited.status_code == 200, edited.text
    shown = api.client.get(f"/api/share/{share_id}", headers=me).json()
    assert [m["text"] for m in shown["messages"]] == ["uno", "Echo: one"]
    updated = api.client.patch(f"/api/share/{share_id}", headers=me, json={})
    assert updated.status_code == 200, updated.text
    assert updated.json() == link  # the same shareId and _id
    after = api.client.get(f"/api/share/{share_id}", headers=me).json()
    assert [m["text"] for m in after["messages"]] == ["uno", "Echo: one", "two", "Echo: two"]
    assert after["updatedAt"] != before["updatedAt"] and after["createdAt"] == before["createdAt"]


def test_a_target_shares_the_branch_levels_up_to_it(api: Api) -> None:
    me = api.user("target@example.com")
    cid, first = _conversation(api, me, "one")
    _chat(api, me, "two", cid, first["responseMessage"]["messageId"])
    target = first["responseMessage"]["messageId"]
    created = _share(api, me, cid, targetMessageId=target)
    assert created.json()["targetMessageId"] == target
    shown = api.client.get(f"/api/share/{created.json()['shareId']}", headers=me).json()
    assert [m["text"] for m in shown["messages"]] == ["one", "Echo: one"]
    # a second link of the same target is refused, and (as LibreChat looks for any link
    # when none is named) one of the whole conversation; one of another target is not
    assert _share(api, me, cid, targetMessageId=target).status_code == 409
    assert _share(api, me, cid).status_code == 409
    other = _share(api, me, cid, targetMessageId=first["requestMessage"]["messageId"])
    assert other.status_code == 200


def test_bad_requests_are_refused_in_librechats_words_and_record_nothing(api: Api) -> None:
    me = api.user("careful@example.com")
    cid, _ = _conversation(api, me)
    before = api.events("sharing")
    refusals = [
        (_share(api, me, cid, targetMessageId=5), 400, NON_EMPTY),
        (_share(api, me, cid, targetMessageId="  "), 400, NON_EMPTY),
        (_share(api, me, cid, targetMessageId=None), 400, NON_EMPTY),
        (_share(api, me, cid, snapshotFiles="yes"), 400, "snapshotFiles must be a boolean"),
        (_share(api, me, cid, targetMessageId="nope"), 400, "Target message not found"),
        (_share(api, me, ROOT, targetMessageId="x"), 404, NO_CONVO),
        (_share(api, me, "not-an-id"), 404, NO_CONVO),
    ]  # fmt: skip
    for response, status, message in refusals:
        assert (response.status_code, response.json()) == (status, {"message": message})
    other = api.user("other-careful@example.com")
    theirs = _share(api, other, cid)
    assert (theirs.status_code, theirs.json()["message"]) == (
        404,
        "Conversation not found or access denied",
    )
    assert api.events("sharing") == before
    share_id = _share(api, me, cid).json()["shareId"]
    after_create = api.events("sharing")
    assert api.client.patch(f"/api/share/{share_id}", headers=other, json={}).status_code == 404
    assert api.client.delete(f"/api/share/{share_id}", headers=other).json() == {
        "message": "Share not found"
    }
    bad_patch = api.client.patch(
        f"/api/share/{share_id}", headers=me, json={"targetMessageId": "x"}
    )
    assert _answer(bad_patch) == (400, {"message": "Target message not found"})
    assert api.events("sharing") == after_create
    long = api.client.get("/api/share", headers=me, params={"search": "x" * 257})
    assert _answer(long) == (400, {"message": "search must be 256 characters or fewer"})
    cursor = api.client.get("/api/share", headers=me, params={"cursor": "yesterday"})
    assert _answer(cursor) == (400, {"message": "cursor is not valid for this sort"})
    assert api.client.get("/api/share", params={}).status_code == 401


def test_a_viewer_forks_a_shared_conversation_into_their_own(api: Api) -> None:
    me = api.user("forked-from@example.com")
    cid, first = _conversation(api, me, "one")
    _chat(api, me, "two", cid, first["responseMessage"]["messageId"])
    share_id = _share(api, me, cid).json()["shareId"]
    viewer = api.user("forker@example.com")
    shown = api.client.get(f"/api/share/{share_id}", headers=viewer).json()
    forked = api.client.post(f"/api/share/{share_id}/fork", headers=viewer, json={})
    assert forked.status_code == 201, forked.text
    copy = forked.json()
    new_id = copy["conversation"]["conversationId"]
    assert new_id != cid and copy["conversation"]["title"] == shown["title"]
    assert [m["text"] for m in copy["messages"]] == ["one", "Echo: one", "two", "Echo: two"]
    assert copy["messages"][1]["parentMessageId"] == copy["messages"][0]["messageId"]
    assert api.client.get(f"/api/convos/{new_id}", headers=viewer).status_code == 200
    assert api.client.get(f"/api/convos/{new_id}", headers=me).status_code == 404
    # the branch the viewer had open, checked against the revision they read
    tip = api.client.post(
        f"/api/share/{share_id}/fork",
        headers=viewer,
        json={"targetMessageIndex": 1, "shareRevision": shown["updatedAt"]},
    ).json()
    assert [m["text"] for m in tip["messages"]] == ["one", "Echo: one"]
    stale = api.client.post(
        f"/api/share/{share_id}/fork",
        headers=viewer,
        json={"targetMessageIndex": 1, "shareRevision": "2000-01-01T00:00:00.000Z"},
    )
    assert (stale.status_code, stale.json()) == (409, {"message": "Shared link was updated"})
    assert api.client.post(f"/api/share/{share_id}/fork", json={}).status_code == 401


def test_links_page_with_a_cursor_and_sort_by_title(api: Api) -> None:
    me = api.user("pages@example.com")
    ids = []
    for text in ("a", "b", "c"):
        cid, _ = _conversation(api, me, text)
        ids.append(_share(api, me, cid).json()["shareId"])
    page = api.client.get("/api/share", headers=me, params={"pageSize": "2"}).json()
    assert [link["shareId"] for link in page["links"]] == ids[:0:-1] and page["hasNextPage"]
    rest = api.client.get(
        "/api/share", headers=me, params={"pageSize": "2", "cursor": page["nextCursor"]}
    ).json()
    assert [link["shareId"] for link in rest["links"]] == ids[:1] and not rest["hasNextPage"]
    oldest = api.client.get("/api/share", headers=me, params={"sortDirection": "asc"}).json()
    assert [link["shareId"] for link in oldest["links"]] == ids
    by_title = api.client.get(
        "/api/share", headers=me, params={"sortBy": "title", "pageSize": "1"}
    ).json()
    second = api.client.get(
        "/api/share",
        headers=me,
        params={"sortBy": "title", "pageSize": "1", "cursor": by_title["nextCursor"]},
    ).json()
    assert by_title["links"][0]["shareId"] != second["links"][0]["shareId"]


def test_a_deleted_conversation_takes_its_links(api: Api) -> None:
    me = api.user("cleanup@example.com")
    cid, _ = _conversation(api, me)
    share_id = _share(api, me, cid).json()["shareId"]
    deleted = api.client.request(
        "DELETE", "/api/convos", headers=me, json={"arg": {"conversationId": cid}}
    )
    assert deleted.status_code == 201
    api.container.projections.catch_up("shared_links")
    assert api.client.get(f"/api/share/{share_id}", headers=me).status_code == 404
    assert api.client.get("/api/share", headers=me).json()["links"] == []


def test_shared_links_switched_off(api_for: Any) -> None:
    api = api_for("sqlite", allow_shared_links=False)
    me = api.user("off@example.com")
    cid, _ = _conversation(api, me)
    share_id = _share(api, me, cid).json()["shareId"]  # LibreChat still serves the owner's routes
    assert api.client.get(f"/api/share/{share_id}", headers=me).status_code == 404
    assert api.client.get("/api/config", headers=me).json()["sharedLinksEnabled"] is False


def test_a_deleted_account_takes_its_links(api: Api) -> None:
    me = api.user("leaving@example.com")
    cid, _ = _conversation(api, me)
    share_id = _share(api, me, cid).json()["shareId"]
    viewer = api.user("stays@example.com")
    assert api.client.get(f"/api/share/{share_id}", headers=viewer).status_code == 200
    assert api.client.delete("/api/user/delete", headers=me).status_code == 200
    api.container.projections.catch_up("shared_links")
    assert api.client.get(f"/api/share/{share_id}", headers=viewer).status_code == 404
