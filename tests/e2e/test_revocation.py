"""Deleted and banned accounts lose their tokens at once; two tabs refreshing stay signed in."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from litestar.testing import TestClient

from api.app import create_app
from tests.e2e.conftest import PASSWORD, Api
from tests.e2e.test_chat_api import _read, _start

UNAUTHORIZED = {"message": "Unauthorized"}


def _signed_in(api: Api, email: str) -> tuple[dict[str, str], str, uuid.UUID]:
    """Bearer headers, refresh cookie and id of a new user."""
    assert api.register(email).status_code == 200
    login = api.client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    return headers, login.cookies["refreshToken"], uuid.UUID(login.json()["user"]["id"])


def _refresh(api: Api, cookie: str) -> Any:
    """A refresh that sends exactly this cookie (an explicit header wins over the jar)."""
    return api.client.post("/api/auth/refresh", headers={"Cookie": f"refreshToken={cookie}"})


def _every_route_refuses(api: Api, headers: dict[str, str]) -> None:
    calls = [
        ("GET", "/api/convos", None),
        ("GET", "/api/user", None),
        ("GET", "/api/balance", None),
        ("POST", "/api/agents/chat/echo", {"text": "hi", "conversationId": None}),
        ("POST", "/api/convos/update", {"arg": {"conversationId": str(uuid.uuid4())}}),
        ("DELETE", "/api/user/delete", None),
    ]
    for method, path, body in calls:
        response = api.client.request(method, path, headers=headers, json=body)
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED), (path, response)


def test_a_deleted_accounts_token_is_401_on_every_route(api: Api) -> None:
    # Given a user with a conversation
    me, _, _ = _signed_in(api, "leaving@example.com")
    _read(api, me, _start(api, me, "hello")["streamId"])
    # When they delete their account
    assert api.client.delete("/api/user/delete", headers=me).status_code == 200
    # Then their still unexpired access token opens nothing, reads or writes
    _every_route_refuses(api, me)


def test_a_deletion_on_one_api_process_is_401_on_another(api_for: Callable[..., Api]) -> None:
    # Given two API processes sharing PostgreSQL and Redis, the user known to both
    first, second = api_for("distributed"), api_for("distributed")
    me, _, _ = _signed_in(first, "leaving@example.com")
    assert second.client.get("/api/convos", headers=me).status_code == 200
    # When the account is deleted through the first
    assert first.client.delete("/api/user/delete", headers=me).status_code == 200
    # Then the second refuses the token at its very next request
    _every_route_refuses(second, me)


def test_a_deleted_accounts_token_stays_401_when_redis_loses_its_keys(
    api_for: Callable[..., Api],
) -> None:
    api = api_for("distributed")
    me, _, _ = _signed_in(api, "leaving@example.com")
    assert api.client.delete("/api/user/delete", headers=me).status_code == 200
    # When Redis restarts empty (or evicts the keys)
    prefix = api.container.settings.redis_prefix
    for key in api.container.redis.scan_iter(f"{prefix}:revoked:*"):
        api.container.redis.delete(key)
    # Then the key store, which recorded the deletion, still refuses the token
    _every_route_refuses(api, me)


def test_a_deleted_accounts_token_stays_401_while_redis_is_down(
    api_for: Callable[..., Api],
) -> None:
    api = api_for("distributed")
    me, _, _ = _signed_in(api, "leaving@example.com")
    assert api.client.delete("/api/user/delete", headers=me).status_code == 200
    # When the revocation set's Redis becomes unreachable
    from infrastructure.revocations import RedisRevokedSubjects

    down = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    api.container.revocations.revoked = RedisRevokedSubjects(down, "unreachable")
    # Then the check asks the key store and still refuses
    response = api.client.get("/api/convos", headers=me)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_a_deleted_accounts_token_stays_401_after_a_restart(
    container_for: Callable[..., Any],
) -> None:
    # Given an embedded deployment where an account was deleted
    before = container_for("sqlite", workers=True)  # as `make run` (deletion reads the list)
    with TestClient(create_app(before)) as client:
        api = Api(client, before)
        me, _, _ = _signed_in(api, "leaving@example.com")
        assert client.delete("/api/user/delete", headers=me).status_code == 200
    # When the process restarts on the same data
    after = container_for("sqlite", workers=True)
    with TestClient(create_app(after)) as client:
        # Then the old token is still refused
        _every_route_refuses(Api(client, after), me)


def test_a_write_with_a_shredded_subjects_token_is_401_not_500(api: Api) -> None:
    # Given a user whose key was destroyed behind the revocation set's back
    me, _, user_id = _signed_in(api, "shredded@example.com")
    assert api.client.get("/api/convos", headers=me).status_code == 200
    api.container.keystore.destroy(user_id)
    # When they write, then the answer is LibreChat's 401, not a crash
    response = api.client.post(
        "/api/agents/chat/echo", headers=me, json={"text": "hi", "conversationId": None}
    )
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_a_ban_refuses_every_token_until_it_is_lifted(api: Api) -> None:
    me, cookie, user_id = _signed_in(api, "banned@example.com")
    api.container.identity.revoke_subject(user_id, "banned")
    assert api.client.get("/api/convos", headers=me).status_code == 401
    assert _refresh(api, cookie).status_code == 401
    api.container.identity.restore_subject(user_id)
    assert api.client.get("/api/convos", headers=me).status_code == 200
    assert _refresh(api, cookie).status_code == 200


def test_a_ban_with_an_end_lifts_by_itself(api: Api) -> None:
    me, _, user_id = _signed_in(api, "banned@example.com")
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    api.container.identity.revoke_subject(user_id, "banned", until=until)
    assert api.client.get("/api/convos", headers=me).status_code == 401
    time.sleep((until - datetime.now(UTC)).total_seconds() + 0.2)
    assert api.client.get("/api/convos", headers=me).status_code == 200


def test_two_tabs_refreshing_at_once_both_stay_signed_in(api: Api) -> None:
    # Given a session, and two tabs holding its refresh token
    _, cookie, _ = _signed_in(api, "tabs@example.com")
    # When both refresh at the same moment
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: _refresh(api, cookie), range(2)))
    # Then both are signed in with the same new refresh token, and the session lives on
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].cookies["refreshToken"] == answers[1].cookies["refreshToken"]
    for answer in answers:
        headers = {"Authorization": f"Bearer {answer.json()['token']}"}
        assert api.client.get("/api/convos", headers=headers).status_code == 200
    assert _refresh(api, answers[0].cookies["refreshToken"]).status_code == 200


@pytest.mark.parametrize("kind", ["sqlite", "distributed"])
def test_a_superseded_refresh_token_is_answered_within_the_grace_window_only(
    api_for: Callable[..., Api], kind: str
) -> None:
    # Given a session rotated once, with a two-second grace window
    api = api_for(kind, refresh_reuse_grace_s=2)
    _, cookie, _ = _signed_in(api, "late@example.com")
    rotated = _refresh(api, cookie).cookies["refreshToken"]
    # When the superseded token comes back at once, it gets the same new token
    again = _refresh(api, cookie)
    assert again.status_code == 200 and again.cookies["refreshToken"] == rotated
    # But when it comes back after the window, it is refused and the session with it
    time.sleep(2.1)
    assert _refresh(api, cookie).status_code == 401
    assert _refresh(api, rotated).status_code == 401
