"""LibreChat's limiters and bans over HTTP, on both run modes (Redis in the distributed one)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from application.chat.catalog import Endpoint
from infrastructure.chat.echo import EchoModel
from tests.e2e.conftest import PASSWORD, Api

ROOT = "00000000-0000-0000-0000-000000000000"
MODES = ["sqlite", "distributed"]
BANNED = "Your account has been temporarily banned due to violations of our service."
TOO_MANY_LOGINS = "Too many login attempts, please try again after 5 minutes."


def _login(api: Api, email: str, password: str = PASSWORD) -> Any:
    return api.client.post("/api/auth/login", json={"email": email, "password": password})


def _chat(api: Api, headers: dict[str, str]) -> Any:
    return api.client.post(
        "/api/agents/chat/echo",
        headers=headers,
        json={"text": "hi", "conversationId": None, "parentMessageId": ROOT},
    )


def _topics(api: Api) -> list[str]:
    recorder = api.container.stores["identity"].recorder
    return [n.topic for n in recorder.select_notifications(start=1, limit=10_000)]


@pytest.mark.parametrize("mode", MODES)
def test_logins_beyond_login_max_are_429_and_not_recorded(
    api_for: Callable[..., Api], mode: str
) -> None:
    api = api_for(mode, login_max=3)
    api.register("victim@example.com")
    for _ in range(3):
        assert _login(api, "victim@example.com", "wrong password").status_code == 422
    failures = _topics(api).count("identity.UserLoginFailed")
    refused = [_login(api, "victim@example.com", "wrong password") for _ in range(20)]
    assert {r.status_code for r in refused} == {429}
    assert refused[0].json() == {"message": TOO_MANY_LOGINS}
    assert failures == 3
    assert _topics(api).count("identity.UserLoginFailed") == failures
    assert _login(api, "victim@example.com").status_code == 429  # the right password too


@pytest.mark.parametrize("mode", MODES)
def test_registrations_beyond_register_max_are_429_and_create_nobody(
    api_for: Callable[..., Api], mode: str
) -> None:
    api = api_for(mode, register_max=2)
    assert api.register("one@example.com").status_code == 200
    assert api.register("two@example.com").status_code == 200
    before = api.events()
    third = api.register("three@example.com")
    assert third.status_code == 429
    assert third.json() == {
        "message": "Too many accounts created, please try again after 60 minutes"
    }
    assert api.events() == before


@pytest.mark.parametrize("mode", MODES)
def test_messages_beyond_message_ip_max_are_429_with_the_limit_details(
    api_for: Callable[..., Api], mode: str
) -> None:
    api = api_for(mode, limit_message_ip=True, message_ip_max=2)
    me = api.user("chatty@example.com")
    assert [_chat(api, me).status_code for _ in range(2)] == [200, 200]
    refused = _chat(api, me)
    assert refused.status_code == 429
    details = '{"type":"message_limit","max":2,"limiter":"ip","windowInMinutes":1}'
    assert refused.json() == {"message": details}
    convos = api.client.get("/api/convos", headers=me).json()["conversations"]
    assert len(convos) == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_start_beyond_concurrent_message_max_is_429(
    api_for: Callable[..., Api], mode: str
) -> None:
    api = api_for(mode, limit_concurrent_messages=True, concurrent_message_max=1)
    api.container.chat.catalog.add(Endpoint("slow", EchoModel(0.2), ["slow"], label="Slow"))
    me = api.user("impatient@example.com")
    first = api.client.post(
        "/api/agents/chat/slow",
        headers=me,
        json={"text": "a long answer please", "conversationId": None, "parentMessageId": ROOT},
    )
    assert first.status_code == 200, first.text
    second = _chat(api, me)
    assert second.status_code == 429
    assert second.json() == {
        "type": "concurrent",
        "limit": 1,
        "pendingRequests": 2,
        "score": 1,
        "generationProtocolVersion": 2,
    }


def _banning(api_for: Callable[..., Api], mode: str, **overrides: object) -> Api:
    return api_for(
        mode,
        ban_violations=True,
        ban_interval=2,
        limit_message_user=True,
        message_user_max=1,
        **overrides,
    )


@pytest.mark.parametrize("mode", MODES)
def test_a_score_reaching_ban_interval_bans_user_and_ip_with_an_event(
    api_for: Callable[..., Api], mode: str
) -> None:
    api = _banning(api_for, mode)
    me = api.user("abuser@example.com")
    assert [_chat(api, me).status_code for _ in range(3)] == [200, 429, 429]
    assert _topics(api).count("identity.UserBanned") == 1
    banned = _chat(api, me)
    assert banned.status_code == 403
    assert banned.json() == {"message": BANNED}
    assert _login(api, "abuser@example.com").json() == {"message": BANNED}
    # the banned account's token is refused on every route, not only where bans are checked
    assert api.client.get("/api/convos", headers=me).status_code == 401
    # the IP is banned with the user: a fresh registration from it is refused too
    assert api.register("sock-puppet@example.com").status_code == 403


@pytest.mark.parametrize("mode", MODES)
def test_violations_ban_nobody_unless_ban_violations_is_set(
    api_for: Callable[..., Api], mode: str
) -> None:
    api = api_for(mode, ban_interval=1, limit_message_user=True, message_user_max=1)
    me = api.user("tolerated@example.com")
    assert [_chat(api, me).status_code for _ in range(4)] == [200, 429, 429, 429]
    assert "identity.UserBanned" not in _topics(api)
    assert _login(api, "tolerated@example.com").status_code == 200


@pytest.mark.parametrize("mode", MODES)
def test_a_ban_ends_after_ban_duration(api_for: Callable[..., Api], mode: str) -> None:
    api = _banning(api_for, mode, ban_duration_ms=1500, message_user_window=0.02)
    me = api.user("patient@example.com")
    assert [_chat(api, me).status_code for _ in range(4)] == [200, 429, 429, 403]
    assert api.client.get("/api/convos", headers=me).status_code == 401
    time.sleep(1.6)
    assert _chat(api, me).status_code == 200
    assert api.client.get("/api/convos", headers=me).status_code == 200


def test_two_processes_share_limits_in_distributed_mode(api_for: Callable[..., Api]) -> None:
    first = api_for("distributed", login_max=2)
    second = api_for("distributed", login_max=2)  # same database and Redis: a second process
    first.register("shared@example.com")
    assert _login(first, "shared@example.com").status_code == 200
    assert _login(second, "shared@example.com").status_code == 200
    assert _login(second, "shared@example.com").json() == {"message": TOO_MANY_LOGINS}
    assert _login(first, "shared@example.com").status_code == 429


@pytest.mark.parametrize("mode", MODES)
def test_imports_beyond_import_user_max_are_429(api_for: Callable[..., Api], mode: str) -> None:
    api = api_for(mode, import_user_max=1)
    me = api.user("bulk@example.com")
    body = b'{"conversations": []}'

    def upload() -> Any:
        files = {"file": ("export.json", body, "application/json")}
        return api.client.post("/api/convos/import", headers=me, files=files)

    upload()  # counted whatever it answers
    refused = upload()
    assert refused.status_code == 429
    assert refused.json() == {"message": "Too many conversation import requests. Try again later"}


def test_a_ban_made_by_one_process_is_enforced_by_another(api_for: Callable[..., Api]) -> None:
    first = _banning(api_for, "distributed")
    second = _banning(api_for, "distributed")  # same database and Redis
    me = first.user("roamer@example.com")
    assert [_chat(first, me).status_code for _ in range(3)] == [200, 429, 429]
    assert _chat(second, me).json() == {"message": BANNED}
    assert _login(second, "roamer@example.com").status_code == 403
