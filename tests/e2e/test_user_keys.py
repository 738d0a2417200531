"""`/api/keys` as LibreChat's client uses it, on SQLite and PostgreSQL: stored under the user's
data key, expiry, other users never see them, and chat turns on a `user_provided` endpoint run
on the user's own key (the real `openai` SDK against the local fake provider)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest
from httpx_sse import EventSource

from application.chat.config import load_endpoints
from domain.keys.ring import KeyRing, ring_id
from domain.shared.events import REDACTED
from tests.e2e.conftest import Api
from tests.fakes.provider_server import running_provider_server

ROOT = "00000000-0000-0000-0000-000000000000"
MODES = ["sqlite", "distributed"]


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with running_provider_server() as url:
        yield url


@pytest.fixture(params=MODES)
def keyed_api(request: pytest.FixtureRequest, api_for: Callable[..., Api], provider: str) -> Api:
    """An app with a custom endpoint whose key each user provides."""
    custom = [
        {
            "name": "Mine",
            "apiKey": "user_provided",
            "baseURL": f"{provider}/v1",
            "models": {"default": ["fake-a"]},
            "titleConvo": False,
        },
        {
            "name": "MineURL",
            "apiKey": "user_provided",
            "baseURL": "user_provided",
            "models": {"default": ["fake-a"]},
            "titleConvo": False,
        },
    ]
    return api_for(str(request.param), endpoints=load_endpoints({}, {"custom": custom}))


def _put(api: Api, me: dict[str, str], body: Any) -> Any:
    return api.client.put("/api/keys", headers=me, json=body)


def _expiry(api: Api, me: dict[str, str], name: str) -> Any:
    response = api.client.get("/api/keys", headers=me, params={"name": name})
    assert response.status_code == 200, response.text
    return response.json()["expiresAt"]


def test_a_key_is_stored_read_by_its_expiry_and_deleted(keyed_api: Api) -> None:
    api, me = keyed_api, keyed_api.user("keys@example.com")
    assert _expiry(api, me, "Mine") is None
    later = int(time.time() * 1000) + 3_600_000
    value = json.dumps({"apiKey": "sk-user-1"})
    response = _put(api, me, {"name": "Mine", "value": value, "expiresAt": later})
    assert response.status_code == 201 and response.content == b""
    expires = _expiry(api, me, "Mine")
    assert expires.endswith("Z") and abs(_ms(expires) - later) < 1000
    assert _put(api, me, {"name": "Other", "value": "x", "expiresAt": None}).status_code == 201
    assert _expiry(api, me, "Other") == "never"
    # a date string with its zone is kept in UTC (SQLite keeps no zone)
    zoned = {"name": "Zoned", "value": "x", "expiresAt": "2999-01-01T12:00:00+02:00"}
    assert _put(api, me, zoned).status_code == 201
    assert _expiry(api, me, "Zoned") == "2999-01-01T10:00:00.000Z"
    assert api.client.delete("/api/keys/Mine", headers=me).status_code == 204
    assert _expiry(api, me, "Mine") is None and _expiry(api, me, "Other") == "never"
    assert api.client.delete("/api/keys/Mine", headers=me).status_code == 204  # again: fine
    refused = api.client.delete("/api/keys", headers=me)
    assert refused.status_code == 400
    assert refused.json() == {"error": "Specify either all=true to delete."}
    assert api.client.delete("/api/keys?all=true", headers=me).status_code == 204
    assert _expiry(api, me, "Other") is None


def test_another_user_never_sees_or_removes_my_keys(keyed_api: Api) -> None:
    api = keyed_api
    me, other = api.user("owner@example.com"), api.user("other@example.com")
    assert _put(api, me, {"name": "Mine", "value": '{"apiKey": "sk-mine"}'}).status_code == 201
    assert _expiry(api, other, "Mine") is None
    assert api.client.delete("/api/keys/Mine", headers=other).status_code == 204
    assert api.client.delete("/api/keys?all=true", headers=other).status_code == 204
    assert _expiry(api, me, "Mine") == "never"
    assert api.client.get("/api/keys", params={"name": "Mine"}).status_code == 401
    assert api.client.put("/api/keys", json={"name": "a", "value": "b"}).status_code == 401


BAD_BODIES: list[Any] = [
    {"value": "x"},
    {"name": "Mine"},
    {"name": "", "value": "x"},
    {"name": "Mine", "value": ""},
    {"name": 5, "value": "x"},
    {"name": "Mine", "value": "x\u0000"},
    {"name": "n\u0000", "value": "x"},
    {"name": "x" * 257, "value": "x"},
    {"name": "Mine", "value": "v" * 20_000},
    {"name": "Mine", "value": "x", "expiresAt": "next tuesday"},
    {"name": "Mine", "value": "x", "expiresAt": 1e300},
    {"name": "Mine", "value": "x", "expiresAt": True},
    {"name": "Mine", "value": "x", "expiresAt": 10**30},
    {"name": "Mine", "value": "x", "expiresAt": "0001-01-01T00:00:00+05:00"},
    {"name": "Mine", "value": "x", "expiresAt": "2026-13-45"},
    ["Mine", "x"],
    "text",
]


def test_bad_input_is_a_400_and_changes_nothing(keyed_api: Api) -> None:
    api, me = keyed_api, keyed_api.user("bad-keys@example.com")
    before = api.events()
    for body in BAD_BODIES:
        response = _put(api, me, body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"], body
    raw = api.client.put("/api/keys", headers=me, content=b"{not json")
    assert raw.status_code == 400
    long_name = api.client.get("/api/keys", headers=me, params={"name": "n" * 300})
    assert long_name.status_code == 400
    assert api.events() == before


def _turn(api: Api, me: dict[str, str], endpoint: str, text: str) -> list[tuple[str, Any]]:
    started = api.client.post(
        f"/api/agents/chat/{endpoint}",
        headers=me,
        json={"text": text, "conversationId": None, "parentMessageId": ROOT, "model": "fake-a"},
    )
    assert started.status_code == 200, started.text
    stream_id = started.json()["streamId"]
    with api.client.stream("GET", f"/api/agents/chat/stream/{stream_id}", headers=me) as stream:
        return [(sse.event, sse.json()) for sse in EventSource(stream).iter_sse()]


def test_a_turn_on_a_user_provided_endpoint_runs_on_the_users_own_key(keyed_api: Api) -> None:
    api, me = keyed_api, keyed_api.user("chat-key@example.com")
    other = api.user("chat-other@example.com")
    _put(api, me, {"name": "Mine", "value": json.dumps({"apiKey": "sk-user-1"})})
    _put(api, other, {"name": "Mine", "value": json.dumps({"apiKey": "sk-user-2"})})
    frames = _turn(api, me, "Mine", "hello [[key]]")
    assert frames[-1][1]["responseMessage"]["text"].endswith("key=sk-user-1")
    frames = _turn(api, other, "Mine", "hi [[key]]")
    assert frames[-1][1]["responseMessage"]["text"].endswith("key=sk-user-2")


def test_a_user_provided_url_comes_with_the_key(keyed_api: Api, provider: str) -> None:
    api, me = keyed_api, keyed_api.user("chat-url@example.com")
    _put(api, me, {"name": "MineURL", "value": json.dumps({"apiKey": "sk-u"})})
    error = _turn(api, me, "MineURL", "where")[-1]
    assert error[0] == "error" and json.loads(error[1]["error"]) == {"type": "no_base_url"}
    value = json.dumps({"apiKey": "sk-u", "baseURL": f"{provider}/v1"})
    _put(api, me, {"name": "MineURL", "value": value})
    frames = _turn(api, me, "MineURL", "there [[key]]")
    assert frames[-1][1]["responseMessage"]["text"].endswith("key=sk-u")


def test_no_key_or_an_expired_one_is_librechats_error_and_the_question_stays(
    keyed_api: Api,
) -> None:
    api, me = keyed_api, keyed_api.user("no-key@example.com")
    event, data = _turn(api, me, "Mine", "without a key")[-1]
    assert event == "error" and json.loads(data["error"]) == {"type": "no_user_key"}
    past = int(time.time() * 1000) - 1000
    _put(api, me, {"name": "Mine", "value": '{"apiKey": "sk-old"}', "expiresAt": past})
    assert _expiry(api, me, "Mine") is None  # expired keys are gone, as LibreChat's TTL does
    event, data = _turn(api, me, "Mine", "with an old key")[-1]
    error = json.loads(data["error"])
    assert event == "error" and error["type"] == "expired_user_key"
    assert error["endpoint"] == "Mine" and error["expiredAt"]
    _put(api, me, {"name": "Mine", "value": "not json"})
    event, data = _turn(api, me, "Mine", "with a broken key")[-1]
    assert json.loads(data["error"]) == {"type": "invalid_user_key"}


def test_deleting_the_user_shreds_their_keys(keyed_api: Api) -> None:
    api, me = keyed_api, keyed_api.user("shred-keys@example.com")
    user_id = UUID(api.client.get("/api/user", headers=me).json()["id"])
    _put(api, me, {"name": "Mine", "value": '{"apiKey": "sk-secret"}'})
    store = api.container.stores["identity"]
    assert store.load(KeyRing, ring_id(user_id)).keys["Mine"].value == '{"apiKey": "sk-secret"}'
    assert api.client.delete("/api/user/delete", headers=me).status_code == 200
    store.cache is None or store.cache.clear()
    assert store.load(KeyRing, ring_id(user_id)).keys["Mine"].value == REDACTED
    with api.container.reads.connect() as conn:
        from projections.keys.user_keys import key_expiry

        api.container.consistency.wait(user_id, ["user_keys"])
        assert key_expiry(conn, user_id, "Mine") == (False, None)


def _ms(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)
