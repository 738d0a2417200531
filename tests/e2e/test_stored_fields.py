"""A value the read models cannot hold is refused at the request (a 400 naming the field,
nothing recorded) instead of stalling a projection for every user after a 201."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Api
from tests.e2e.test_conversations_api import ROOT, _chat

BAD_MESSAGES = {
    "tokenCount": [2**64, "9", -1, 2**31],
    "sender": ["x" * 201, "a\u0000b"],
    "text": ["a\u0000b", 7],
    "model": ["m" * 201],
    "endpoint": ["e" * 101],
    "content": [[{"type": "text", "text": "a\u0000"}], "parts"],
    "isCreatedByUser": ["yes"],
}
MESSAGE_CASES = [(k, v) for k, values in BAD_MESSAGES.items() for v in values]


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 400, response.text
    assert field in response.json()["message"]


@pytest.mark.parametrize(("field", "value"), MESSAGE_CASES, ids=[k for k, _ in MESSAGE_CASES])
def test_a_message_field_the_transcript_cannot_hold_is_400(
    api: Api, field: str, value: Any
) -> None:
    me = api.user("poster@example.com")
    cid = _chat(api, me)["conversation"]["conversationId"]
    before, head = (
        api.client.get(f"/api/messages/{cid}", headers=me).json(),
        api.events("conversations"),
    )
    body = {"messageId": str(uuid.uuid4()), "parentMessageId": ROOT, "text": "ok", field: value}
    _refused(api.client.post(f"/api/messages/{cid}", headers=me, json=body), field)
    assert api.events("conversations") == head
    assert api.client.get(f"/api/messages/{cid}", headers=me).json() == before


def test_an_edit_with_a_nul_is_400(api: Api) -> None:
    me = api.user("editor@example.com")
    final = _chat(api, me)
    cid, mid = final["conversation"]["conversationId"], final["responseMessage"]["messageId"]
    head = api.events("conversations")
    edit = api.client.put(f"/api/messages/{cid}/{mid}", headers=me, json={"text": "a\u0000"})
    _refused(edit, "text")
    assert api.events("conversations") == head


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("/api/convos/update", {"arg": {"title": "a\u0000b"}}, "title"),
        ("/api/convos/duplicate", {"title": "a\u0000b"}, "title"),
    ],
    ids=["rename", "duplicate"],
)
def test_a_title_with_a_nul_is_400(api: Api, route: str, body: dict[str, Any], field: str) -> None:
    me = api.user("titler@example.com")
    cid = _chat(api, me)["conversation"]["conversationId"]
    body = {**body, "arg": {**body["arg"], "conversationId": cid}} if "arg" in body else body
    body = body if "arg" in body else {**body, "conversationId": cid}
    head = api.events("conversations")
    _refused(api.client.post(route, headers=me, json=body), field)
    assert api.events("conversations") == head
    listed = api.client.get("/api/convos", headers=me)
    assert listed.status_code == 200 and len(listed.json()["conversations"]) == 1


@pytest.mark.parametrize(
    ("method", "route", "body", "field"),
    [
        ("POST", "/api/tags", {"tag": "a\u0000b"}, "tag"),
        ("POST", "/api/tags", {"tag": "ok", "description": "a\u0000b"}, "description"),
        ("PUT", "/api/tags/old", {"position": 2**40}, "position"),
        ("PUT", "/api/tags/convo/{cid}", {"tags": ["a\u0000b"]}, "tag"),
    ],
    ids=["name", "description", "position", "on-conversation"],
)
def test_a_tag_the_tag_tables_cannot_hold_is_400(
    api: Api, method: str, route: str, body: dict[str, Any], field: str
) -> None:
    me = api.user("tagger@example.com")
    cid = _chat(api, me)["conversation"]["conversationId"]
    assert api.client.post("/api/tags", headers=me, json={"tag": "old"}).status_code == 200
    head = api.events("conversations")
    response = api.client.request(method, route.format(cid=cid), headers=me, json=body)
    _refused(response, field)
    assert api.events("conversations") == head
    assert [t["tag"] for t in api.client.get("/api/tags", headers=me).json()] == ["old"]


BAD_TURNS = [
    ("text", "a\u0000b"),
    ("temperature", "hot"),
    ("max_tokens", "9"),
    ("promptPrefix", "a\u0000b"),
    ("isRegenerate", "true"),
]


@pytest.mark.parametrize(("field", "value"), BAD_TURNS, ids=[k for k, _ in BAD_TURNS])
def test_a_chat_turn_field_the_read_models_cannot_hold_is_400(
    api: Api, field: str, value: Any
) -> None:
    me = api.user("chatter@example.com")
    head = api.events("conversations")
    body = {"text": "hello", "parentMessageId": ROOT, field: value}
    _refused(api.client.post("/api/agents/chat/echo", headers=me, json=body), field)
    assert api.events("conversations") == head
    assert api.client.get("/api/convos", headers=me).json()["conversations"] == []


def _export(**message: Any) -> bytes:
    bad = {"messageId": "m1", "parentMessageId": ROOT, "text": "hi", "isCreatedByUser": True}
    return json.dumps(
        {"conversationId": "c1", "title": "t", "messages": [{**bad, **message}]}
    ).encode()


def _chatgpt(title: str, text: str) -> dict[str, Any]:
    message = {"author": {"role": "user"}, "content": {"parts": [text]}, "create_time": 1.0}
    return {"id": title, "title": title, "mapping": {"n1": {"message": message, "parent": None}}}


@pytest.mark.parametrize(
    ("message", "field"),
    [({"sender": "s" * 201}, "sender"), ({"text": "a\u0000b"}, "text"), ({"model": 5}, "model")],
    ids=["sender", "text", "model"],
)
def test_an_import_the_transcript_cannot_hold_is_400(
    api: Api, message: dict[str, Any], field: str
) -> None:
    me = api.user("importer@example.com")
    head = api.events("conversations")
    upload = {"file": ("export.json", io.BytesIO(_export(**message)), "application/json")}
    _refused(api.client.post("/api/convos/import", headers=me, files=upload), field)
    assert api.events("conversations") == head
    assert api.client.get("/api/convos", headers=me).json()["conversations"] == []


def test_an_import_with_one_bad_conversation_records_none(api: Api) -> None:
    me = api.user("batch@example.com")
    head = api.events("conversations")
    export = [_chatgpt("good", "hello"), _chatgpt("bad", "a\u0000b")]
    upload = {"file": ("export.json", io.BytesIO(json.dumps(export).encode()), "application/json")}
    # the import file is checked as a whole first: the message says where in it the NUL is
    _refused(api.client.post("/api/convos/import", headers=me, files=upload), "parts[0]")
    assert api.events("conversations") == head
    assert api.client.get("/api/convos", headers=me).json()["conversations"] == []
