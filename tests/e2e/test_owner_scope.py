"""Ids a client chooses (message ids, conversation ids, tag names) reach read-model keys: two
users who pick the same ids never touch each other's rows."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e.conftest import Api
from tests.e2e.test_conversations_api import ROOT, _chat


def _transcript(api: Api, headers: dict[str, str], cid: str) -> list[dict[str, Any]]:
    response = api.client.get(f"/api/messages/{cid}", headers=headers)
    assert response.status_code == 200, response.text
    return sorted(response.json(), key=lambda m: m["createdAt"])


def _post(api: Api, headers: dict[str, str], cid: str, message_id: str, text: str) -> Any:
    return api.client.post(
        f"/api/messages/{cid}",
        headers=headers,
        json={"messageId": message_id, "parentMessageId": ROOT, "text": text},
    )


def test_transcript_keeps_a_message_when_another_user_posts_its_id(api: Api) -> None:
    # Given Alice's conversation and Mallory's own one
    alice, mallory = api.user("alice@example.com"), api.user("mallory@example.com")
    theirs = _chat(api, alice, "my secret plan")["conversation"]["conversationId"]
    mine = _chat(api, mallory, "hello")["conversation"]["conversationId"]
    before = _transcript(api, alice, theirs)
    victim = before[0]["messageId"]
    # When Mallory posts, edits and deletes a message in her chat under Alice's message id
    assert _post(api, mallory, mine, victim, "gotcha").status_code == 201
    edited = api.client.put(
        f"/api/messages/{mine}/{victim}", headers=mallory, json={"text": "edited"}
    )
    assert edited.status_code == 200, edited.text
    feedback = api.client.put(
        f"/api/messages/{mine}/{victim}/feedback",
        headers=mallory,
        json={"feedback": {"rating": "thumbsUp"}},
    )
    assert feedback.status_code == 200, feedback.text
    # Then Alice's transcript is what it was
    assert _transcript(api, alice, theirs) == before
    # And Mallory sees her own message, edited, in her own chat
    texts = {m["messageId"]: m["text"] for m in _transcript(api, mallory, mine)}
    assert texts[victim] == "edited"
    deleted = api.client.delete(f"/api/messages/{mine}/{victim}", headers=mallory)
    assert deleted.status_code == 204
    assert _transcript(api, alice, theirs) == before
    assert victim not in {m["messageId"] for m in _transcript(api, mallory, mine)}


def test_transcript_keeps_both_messages_when_one_user_reuses_an_id(api: Api) -> None:
    me = api.user("reuser@example.com")
    first = _chat(api, me, "one")["conversation"]["conversationId"]
    second = _chat(api, me, "two")["conversation"]["conversationId"]
    shared = str(uuid.uuid4())
    assert _post(api, me, first, shared, "in the first").status_code == 201
    assert _post(api, me, second, shared, "in the second").status_code == 201
    assert {m["text"] for m in _transcript(api, me, first)} >= {"in the first"}
    assert {m["text"] for m in _transcript(api, me, second)} >= {"in the second"}


def test_chat_cannot_continue_another_users_conversation(api: Api) -> None:
    alice, mallory = api.user("alice@example.com"), api.user("mallory@example.com")
    theirs = _chat(api, alice, "private")["conversation"]["conversationId"]
    head = api.events("conversations")
    started = api.client.post(
        "/api/agents/chat/echo",
        headers=mallory,
        json={"text": "mine now", "conversationId": theirs, "parentMessageId": ROOT},
    )
    assert started.status_code == 404
    assert api.events("conversations") == head
    listed = api.client.get("/api/convos", headers=mallory).json()["conversations"]
    assert listed == []
    assert _transcript(api, alice, theirs)[0]["text"] == "private"


def test_tags_of_the_same_name_stay_apart_between_users(api: Api) -> None:
    alice, bob = api.user("alice@example.com"), api.user("bob@example.com")
    theirs = _chat(api, alice, "a")["conversation"]["conversationId"]
    mine = _chat(api, bob, "b")["conversation"]["conversationId"]
    for headers, cid in ((alice, theirs), (bob, mine)):
        tagged = api.client.put(f"/api/tags/convo/{cid}", headers=headers, json={"tags": ["work"]})
        assert tagged.status_code == 200, tagged.text
    renamed = api.client.put("/api/tags/work", headers=bob, json={"tag": "job"})
    assert renamed.status_code == 200, renamed.text
    assert api.client.delete("/api/tags/job", headers=bob).status_code == 200
    tags = api.client.get("/api/tags", headers=alice).json()
    assert [(t["tag"], t["count"]) for t in tags] == [("work", 1)]
    listed = api.client.get("/api/convos?tags=work", headers=alice).json()["conversations"]
    assert [c["conversationId"] for c in listed] == [theirs]
    assert api.client.get("/api/tags", headers=bob).json() == []
