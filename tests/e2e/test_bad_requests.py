"""Requests that used to crash (500) get a 400 in LibreChat's shape and record nothing."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Api
from tests.e2e.test_conversations_api import _chat

ROOT = "00000000-0000-0000-0000-000000000000"
DEEP = "[" * 5000 + "]" * 5000
FAR_FUTURE = "9999-12-31T23:59:59-23:59"


def _bodies(cid: str, mid: str) -> list[tuple[str, str, str]]:
    """(method, path, body) with a deeply nested value where each route takes JSON."""
    return [
        (
            "POST",
            "/api/agents/chat/echo",
            f'{{"text": "hi", "parentMessageId": "{ROOT}", "promptPrefix": {DEEP}}}',
        ),
        ("POST", f"/api/messages/{cid}", f'{{"messageId": "{uuid.uuid4()}", "content": {DEEP}}}'),
        ("PUT", f"/api/messages/{cid}/{mid}/feedback", f'{{"feedback": {DEEP}}}'),
        ("POST", "/api/convos/update", f'{{"arg": {{"conversationId": "{cid}"}}, "x": {DEEP}}}'),
        ("POST", "/api/tags", f'{{"tag": "t", "unused": {DEEP}}}'),
        ("POST", "/api/auth/login", f'{{"email": "a@example.com", "password": {DEEP}}}'),
    ]


def _events(api: Api) -> tuple[int, int]:
    return api.events("conversations"), api.events("identity")


def test_deeply_nested_json_is_400_anywhere_in_a_body(embedded_api: Api) -> None:
    api = embedded_api
    me = api.user("deep@example.com")
    final = _chat(api, me)
    cid, mid = final["conversation"]["conversationId"], final["responseMessage"]["messageId"]
    before = _events(api)
    for method, path, body in _bodies(cid, mid):
        response = api.client.request(
            method, path, content=body, headers={**me, "Content-Type": "application/json"}
        )
        assert response.status_code == 400, (path, response.text)
        assert "nested too deeply" in response.json()["message"]
    assert _events(api) == before


def test_json_nested_past_the_limit_is_400(embedded_api: Api) -> None:
    """Deep enough to decode, deeper than any LibreChat payload: refused before the mapper,
    the read models and the presenters walk it again."""
    api = embedded_api
    me = api.user("deep@example.com")
    final = _chat(api, me)
    cid = final["conversation"]["conversationId"]
    before = _events(api)
    content = json.dumps(
        [{"type": "text", "text": "x", "extra": json.loads("[" * 200 + "]" * 200)}]
    )
    response = api.client.post(
        f"/api/messages/{cid}",
        headers={**me, "Content-Type": "application/json"},
        content=f'{{"messageId": "{uuid.uuid4()}", "content": {content}}}',
    )
    assert response.status_code == 400, response.text
    assert _events(api) == before


def test_deeply_nested_import_file_is_400(embedded_api: Api) -> None:
    api = embedded_api
    me = api.user("deep@example.com")
    export = (
        f'{{"conversationId": "c1", "title": "x", "messages": [{{"messageId": "m", "x": {DEEP}}}]}}'
    )
    response = api.client.post(
        "/api/convos/import",
        headers=me,
        files={"file": ("deep.json", export.encode(), "application/json")},
    )
    assert response.status_code == 400, response.text
    assert api.events("conversations") == 0


def test_import_file_with_wrong_shapes_is_400_and_imports_nothing(embedded_api: Api) -> None:
    api = embedded_api
    me = api.user("shapes@example.com")
    good = {"id": "a", "title": "fine", "mapping": {}}
    bad = {"id": "b", "title": "bad", "mapping": {"n": {"message": {"author": "user"}}}}
    response = api.client.post(
        "/api/convos/import",
        headers=me,
        files={"file": ("chatgpt.json", json.dumps([good, bad]).encode(), "application/json")},
    )
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Invalid import file"
    assert api.events("conversations") == 0


@pytest.mark.parametrize(
    "path", ["/api/auth/login", "/api/auth/register", "/api/convos/update", "/api/tags"]
)
def test_body_that_is_not_utf8_is_400(embedded_api: Api, path: str) -> None:
    api = embedded_api
    me = api.user("bytes@example.com")
    before = _events(api)
    response = api.client.post(
        path,
        headers={**me, "Content-Type": "application/json"},
        content=b'{"email": "\xff\xfe@example.com", "tag": "\xff", "arg": {"title": "\xc3"}}',
    )
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Request body is not valid UTF-8"
    assert _events(api) == before


def test_import_file_with_a_lone_surrogate_is_400(embedded_api: Api) -> None:
    """`\\ud800` is valid JSON syntax but no UTF-8 text: nothing downstream can store it."""
    api = embedded_api
    me = api.user("bytes@example.com")
    export = b'{"conversationId": "c1", "title": "\\ud800", "messages": []}'
    response = api.client.post(
        "/api/convos/import", headers=me, files={"file": ("x.json", export, "application/json")}
    )
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Invalid JSON file"
    assert api.events("conversations") == 0


def test_message_cursor_past_year_9999_is_400(api: Api) -> None:
    me = api.user("cursor@example.com")
    cid = _chat(api, me)["conversation"]["conversationId"]
    response = api.client.get(
        "/api/messages", headers=me, params={"conversationId": cid, "cursor": FAR_FUTURE}
    )
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Invalid cursor"


def test_conversation_cursor_past_year_9999_is_400(api: Api) -> None:
    me = api.user("cursor@example.com")
    payload = {"primary": FAR_FUTURE, "secondary": FAR_FUTURE, "id": str(uuid.uuid4())}
    cursor = base64.b64encode(json.dumps(payload).encode()).decode()
    response = api.client.get("/api/convos", headers=me, params={"cursor": cursor})
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Invalid cursor"


def test_delete_convos_without_a_body_says_what_is_missing(api: Api) -> None:
    me = api.user("nobody@example.com")
    response = api.client.delete("/api/convos", headers=me)
    assert response.status_code == 400
    assert response.json() == {"error": "no parameters provided"}


def test_missing_body_is_400_with_a_readable_message(api: Api) -> None:
    me = api.user("nobody@example.com")
    response = api.client.post("/api/convos/update", headers=me)
    assert response.status_code == 400
    assert response.json()["message"] == "Request body is required"


def _tags(api: Api, headers: dict[str, str]) -> list[Any]:
    return [t["tag"] for t in api.client.get("/api/tags", headers=headers).json()]


def test_tag_on_someone_elses_conversation_is_404_and_creates_nothing(api: Api) -> None:
    owner, other = api.user("owner@example.com"), api.user("other@example.com")
    cid = _chat(api, owner)["conversation"]["conversationId"]
    response = api.client.post(
        "/api/tags",
        headers=other,
        json={"tag": "stolen", "addToConversation": True, "conversationId": cid},
    )
    assert response.status_code == 404, response.text
    assert _tags(api, other) == []
    assert api.client.get(f"/api/convos/{cid}", headers=owner).json()["tags"] == []


def test_chat_start_without_text_is_400_twice_and_records_no_conversation(api: Api) -> None:
    """A repeated clientRequestId used to meet the empty conversation its first, refused,
    attempt had recorded, and crash on it."""
    me = api.user("chat@example.com")
    before = api.events("conversations")
    body = {"clientRequestId": str(uuid.uuid4()), "parentMessageId": ROOT}
    for _ in range(2):
        response = api.client.post("/api/agents/chat", headers=me, json=body)
        assert response.status_code == 400, response.text
    assert api.events("conversations") == before


@pytest.mark.parametrize("position", [2**40, 2**70])
def test_tag_position_out_of_range_is_400_and_the_tag_list_keeps_updating(
    api: Api, position: int
) -> None:
    """Such a position used to be recorded and then stop the conversation list projection
    (a 32-bit column; SQLite's 64-bit limit): every later tag and chat change went missing."""
    me = api.user("tags@example.com")
    assert api.client.post("/api/tags", headers=me, json={"tag": "a"}).status_code == 200
    response = api.client.put(
        "/api/tags/a",
        headers={**me, "Content-Type": "application/json"},
        content=f'{{"position": {position}}}',
    )
    assert response.status_code == 400, response.text
    assert api.client.post("/api/tags", headers=me, json={"tag": "b"}).status_code == 200
    assert _tags(api, me) == ["a", "b"]


def test_nul_character_in_a_body_is_400_and_the_tag_list_keeps_updating(api: Api) -> None:
    """PostgreSQL text refuses NUL: recorded, it stopped the conversation list projection."""
    me = api.user("nul@example.com")
    response = api.client.post("/api/tags", headers=me, json={"tag": "a\u0000b"})
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Invalid tag: must not contain NUL characters"
    assert api.client.post("/api/tags", headers=me, json={"tag": "b"}).status_code == 200
    assert _tags(api, me) == ["b"]


def test_nul_character_in_a_query_parameter_is_400_on_postgresql(api_for: Any) -> None:
    """PostgreSQL refuses NUL in a query parameter too (SQLite just finds nothing)."""
    api = api_for("distributed")
    me = api.user("nul@example.com")
    for params in ({"search": "a\u0000"}, {"tags": "a\u0000"}):
        path = "/api/messages" if "search" in params else "/api/convos"
        response = api.client.get(path, headers=me, params=params)
        assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    ("body", "field"), [({"streamId": 5}, "streamId"), ({"conversationId": ""}, "conversationId")]
)
def test_abort_with_a_target_that_is_not_an_id_is_400_naming_it(
    embedded_api: Api, body: dict[str, Any], field: str
) -> None:
    me = embedded_api.user("abort-target@example.com")
    response = embedded_api.client.post("/api/agents/chat/abort", headers=me, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "INVALID_ABORT_TARGET"  # LibreChat's code
    assert response.json()["message"].startswith(f"Invalid {field}: ")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/tags", {"tag": 5}, "tag"),
        ("/api/convos/update", {"arg": {"conversationId": ROOT, "title": ["x"]}}, "arg.title"),
    ],
)
def test_a_field_of_the_wrong_type_is_400_naming_it(
    embedded_api: Api, path: str, body: dict[str, Any], field: str
) -> None:
    me = embedded_api.user("typed@example.com")
    before = _events(embedded_api)
    response = embedded_api.client.post(path, headers=me, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith(f"Invalid {field}: Expected `str")
    assert _events(embedded_api) == before
