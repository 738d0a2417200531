"""LibreChat's search over HTTP: the search box switch, message hits and the filtered chat list."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e.conftest import Api

NO_PARENT = "00000000-0000-0000-0000-000000000000"


def _convo(api: Api, me: dict[str, str], title: str, *texts: str) -> str:
    cid = str(uuid.uuid4())
    user_id = api.client.get("/api/user", headers=me).json()["id"]
    api.container.conversations.start(uuid.UUID(user_id), uuid.UUID(cid), title=title)
    for text in texts:
        body = {
            "messageId": str(uuid.uuid4()),
            "parentMessageId": NO_PARENT,
            "sender": "User",
            "isCreatedByUser": True,
            "text": text,
            "endpoint": "echo",
            "model": "echo",
        }
        assert api.client.post(f"/api/messages/{cid}", headers=me, json=body).status_code == 201
    return cid


def _search(api: Api, me: dict[str, str], **params: Any) -> Any:
    return api.client.get("/api/messages", headers=me, params=params)


def test_search_is_enabled_unless_switched_off(api: Api, api_for: Any) -> None:
    me = api.user("on@example.com")
    assert api.client.get("/api/search/enable", headers=me).json() is True
    off = api_for("sqlite", search=False)
    assert off.client.get("/api/search/enable", headers=off.user("off@example.com")).json() is False


def test_message_hits_carry_their_conversation_as_librechat(api: Api) -> None:
    me = api.user("hits@example.com")
    cid = _convo(api, me, "Marine biology", "octopus arms are clever")
    found = _search(api, me, search="octopus")  # read-your-writes: no waiting here
    assert found.status_code == 200
    body = found.json()
    assert body["nextCursor"] is None
    [hit] = body["messages"]
    assert hit["conversationId"] == cid and hit["title"] == "Marine biology"
    assert hit["text"] == "octopus arms are clever" and hit["isCreatedByUser"] is True
    assert hit["sender"] == "User" and hit["endpoint"] == "echo"
    assert {"messageId", "parentMessageId", "createdAt", "model", "iconURL"} <= hit.keys()


def test_message_hits_page_on_with_next_cursor(api: Api) -> None:
    me = api.user("pages@example.com")
    _convo(api, me, "Many", *[f"narwhal {i}" for i in range(5)])
    seen: list[str] = []
    cursor = None
    while True:
        params = {"search": "narwhal", "pageSize": "2", **({"cursor": cursor} if cursor else {})}
        body = _search(api, me, **params).json()
        seen += [m["messageId"] for m in body["messages"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert len(seen) == 5 == len(set(seen))


def test_chat_list_search_keeps_only_matching_chats(api: Api) -> None:
    me = api.user("list@example.com")
    lisbon = _convo(api, me, "Trip to Lisbon", "hello")
    _convo(api, me, "Groceries", "hello")
    listed = api.client.get("/api/convos", headers=me, params={"search": "lisbon"}).json()
    assert [c["conversationId"] for c in listed["conversations"]] == [lisbon]
    assert listed["conversations"][0]["title"] == "Trip to Lisbon"
    none = api.client.get("/api/convos", headers=me, params={"search": "paris"}).json()
    assert none == {"conversations": [], "nextCursor": None}
    everything = api.client.get("/api/convos", headers=me, params={"search": "  "}).json()
    assert len(everything["conversations"]) == 2


def test_nobody_finds_another_users_messages_or_chats(api: Api) -> None:
    alice, bob = api.user("alice@example.com"), api.user("bob@example.com")
    _convo(api, alice, "Heron watching", "a grey heron")
    assert _search(api, bob, search="heron").json() == {"messages": [], "nextCursor": None}
    found = api.client.get("/api/convos", headers=bob, params={"search": "heron"}).json()
    assert found["conversations"] == []


def test_bad_searches_are_400_and_change_nothing(api: Api) -> None:
    me = api.user("bad@example.com")
    for params in (
        {"search": "x" * 257},
        {"search": "ok", "cursor": "not-a-cursor"},
        {"search": "ok", "cursor": "eyJvZmZzZXQiOiAtMX0="},  # {"offset": -1}
        {"search": "ok", "pageSize": "0"},
        {"search": "ok", "pageSize": "many"},
    ):
        response = _search(api, me, **params)
        assert response.status_code == 400, (params, response.text)
        assert "message" in response.json() or "error" in response.json()
    long = api.client.get("/api/convos", headers=me, params={"search": "y" * 257})
    assert long.status_code == 400
    assert long.json()["message"] == "search must be 256 characters or fewer"


def test_punctuation_only_finds_nothing(api: Api) -> None:
    me = api.user("punct@example.com")
    _convo(api, me, "Quotes", 'she said "hi" * OR NOT')
    for text in ('"', "*", "()", "NOT", "'"):
        assert _search(api, me, search=text).status_code == 200
    assert _search(api, me, search='"hi"').json()["messages"][0]["text"].startswith("she said")
