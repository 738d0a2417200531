"""Register, log in, refresh with rotation, log out, exactly as LibreChat's client does."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infrastructure.tokens import JwtTokens
from tests.e2e.conftest import PASSWORD, Api
from tests.e2e.test_chat_api import _read, _start

USER_FIELDS = {
    "_id",
    "id",
    "name",
    "username",
    "email",
    "emailVerified",
    "avatar",
    "provider",
    "role",
    "plugins",
    "twoFactorEnabled",
    "termsAccepted",
    "personalization",
    "favorites",
    "createdAt",
    "updatedAt",
}


def _login(api: Api, email: str, password: str = PASSWORD) -> Any:
    return api.client.post("/api/auth/login", json={"email": email, "password": password})


def _bearer(response: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _forger(api: Api, lifetime: timedelta = timedelta(minutes=5)) -> JwtTokens:
    """Tokens signed with the server's own secrets, to build expired ones."""
    tokens = api.container.tokens
    return JwtTokens(tokens._secret, tokens._refresh_secret, lifetime)


def test_the_whole_session_flow(api: Api) -> None:
    # Given a registered user
    assert api.register("alice@example.com").status_code == 200
    # When they log in, read their profile, refresh and log out
    login = _login(api, "alice@example.com")
    first_refresh = login.cookies["refreshToken"]
    me = api.client.get("/api/user", headers=_bearer(login))
    refreshed = api.client.post("/api/auth/refresh")
    logout = api.client.post("/api/auth/logout", headers=_bearer(refreshed))
    # Then each step answers as LibreChat does
    assert login.status_code == me.status_code == refreshed.status_code == 200
    assert me.json()["email"] == "alice@example.com" and me.json()["_id"] == me.json()["id"]
    assert refreshed.cookies["refreshToken"] != first_refresh
    assert refreshed.json()["user"] == me.json()
    assert logout.status_code == 200 and logout.json() == {"message": "Logout successful"}
    # And the session is over: the last refresh token no longer works
    assert "refreshToken" not in api.client.cookies
    api.client.cookies.set("refreshToken", refreshed.cookies["refreshToken"])
    ended = api.client.post("/api/auth/refresh")
    assert ended.status_code == 401
    assert ended.text == "Refresh token expired or not found for this user"


def test_login_answers_the_public_user_and_sets_strict_cookies(api: Api) -> None:
    api.register("frank@example.com", name="Frank Smith")
    login = _login(api, "frank@example.com")
    user = login.json()["user"]
    assert set(user) == USER_FIELDS and login.json()["token"].count(".") == 2
    assert user["createdAt"].endswith("Z") and user["avatar"] is None and user["plugins"] == []
    assert user["personalization"] == {"memories": True} and user["provider"] == "local"
    cookies = {c.split("=", 1)[0]: c.lower() for c in login.headers.get_list("set-cookie")}
    assert set(cookies) == {"refreshToken", "token_provider"}
    for cookie in cookies.values():
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert "expires=" in cookie
    assert login.cookies["token_provider"] == "librechat"


def test_first_user_is_admin_and_the_next_is_user(api: Api) -> None:
    first = api.user("first@example.com")
    second = api.user("second@example.com")
    assert api.client.get("/api/user", headers=first).json()["role"] == "ADMIN"
    assert api.client.get("/api/user", headers=second).json()["role"] == "USER"


def test_roles_are_readable_by_their_holders_only(api: Api) -> None:
    admin = api.user("boss@example.com")
    user = api.user("staff@example.com")
    own = api.client.get("/api/roles/USER", headers=user)
    assert own.status_code == 200 and own.json()["name"] == "USER"
    assert all(
        isinstance(flag, bool)
        for group in own.json()["permissions"].values()
        for flag in group.values()
    )
    assert {"PROMPTS", "BOOKMARKS", "AGENTS", "MULTI_CONVO"} <= set(own.json()["permissions"])
    forbidden = api.client.get("/api/roles/ADMIN", headers=user)
    assert forbidden.status_code == 403 and forbidden.json() == {"message": "Unauthorized"}
    assert api.client.get("/api/roles/ADMIN", headers=admin).json()["name"] == "ADMIN"
    assert api.client.get("/api/roles/ROBOT", headers=admin).status_code == 404
    assert api.client.get("/api/roles/USER").status_code == 401


@pytest.mark.parametrize("kind", ["sqlite", "distributed"])
def test_a_reused_refresh_token_revokes_the_session(api_for: Callable[..., Api], kind: str) -> None:
    # Given a session whose refresh token was rotated once (no grace window for reuse)
    api = api_for(kind, refresh_reuse_grace_s=0)
    api.register("bob@example.com")
    stolen = _login(api, "bob@example.com").cookies["refreshToken"]
    rotated = api.client.post("/api/auth/refresh").cookies["refreshToken"]
    # When the superseded token is presented again
    api.client.cookies.set("refreshToken", stolen)
    reuse = api.client.post("/api/auth/refresh")
    # Then it is refused, and the current token is revoked with it
    api.client.cookies.set("refreshToken", rotated)
    assert reuse.status_code == 401
    assert reuse.text == "Refresh token expired or not found for this user"
    assert api.client.post("/api/auth/refresh").status_code == 401


def test_a_duplicate_email_answers_the_same_and_creates_nobody(api: Api) -> None:
    first = api.register("carol@example.com")
    before = api.events()
    again = api.register("Carol@Example.com", name="Someone Else")
    assert again.status_code == first.status_code == 200 and again.json() == first.json()
    assert api.events() == before
    assert _login(api, "carol@example.com").json()["user"]["name"] == "Test User"


def test_registration_can_be_closed(api_for: Callable[..., Api]) -> None:
    api = api_for("sqlite", allow_registration=False)
    before = api.events()
    response = api.register("gina@example.com")
    assert response.status_code == 403
    assert response.json() == {"message": "Registration is not allowed."}
    assert api.events() == before
    assert api.client.get("/api/config").json()["registrationEnabled"] is False


def test_refresh_without_a_cookie_says_so(api: Api) -> None:
    response = api.client.post("/api/auth/refresh")
    assert response.status_code == 200 and response.text == "Refresh token not provided"


def test_a_forged_refresh_cookie_is_refused(api: Api) -> None:
    api.client.cookies.set("refreshToken", "not.a.jwt")
    response = api.client.post("/api/auth/refresh")
    assert response.status_code == 403 and response.text == "Invalid refresh token"


def test_an_expired_refresh_cookie_is_refused(api: Api) -> None:
    api.register("hank@example.com")
    cookie = _login(api, "hank@example.com").cookies["refreshToken"]
    claims = api.container.tokens.read_refresh(cookie)
    past = datetime.now(UTC) - timedelta(minutes=1)
    expired = _forger(api).refresh(claims.user_id, claims.session_id, past)
    api.client.cookies.set("refreshToken", expired)
    before = api.events()
    assert api.client.post("/api/auth/refresh").status_code == 403
    assert api.events() == before


def test_logout_needs_a_bearer_token_and_keeps_the_session(api: Api) -> None:
    api.register("ivy@example.com")
    _login(api, "ivy@example.com")
    refused = api.client.post("/api/auth/logout")
    assert refused.status_code == 401 and refused.json() == {"message": "Unauthorized"}
    assert api.client.post("/api/auth/refresh").status_code == 200


# ------------------------------------------------------------------ bad input changes nothing
VALID = {"name": "Alice", "email": "x@example.com", "password": PASSWORD}


@pytest.mark.parametrize(
    "body",
    [
        {**VALID, "name": "Al", "confirm_password": PASSWORD},
        {**VALID, "email": "not-an-email", "confirm_password": PASSWORD},
        {**VALID, "password": "short", "confirm_password": "short"},
        {**VALID, "confirm_password": "something else"},
        {"name": 5, "email": ["x"], "password": None},
        {},
    ],
)
def test_invalid_registrations_are_404_and_change_nothing(api: Api, body: dict[str, Any]) -> None:
    before = api.events()
    response = api.client.post("/api/auth/register", json=body)
    assert response.status_code == 404 and response.json()["message"]  # LibreChat's zod answer
    assert api.events() == before


@pytest.mark.parametrize(
    ("field", "value", "received"),
    [("name", 5, "number"), ("email", ["x"], "array"), ("confirm_password", None, "null")],
)
def test_registration_field_of_the_wrong_type_is_404_naming_it(
    api: Api, field: str, value: Any, received: str
) -> None:
    before = api.events()
    body = {**VALID, "confirm_password": PASSWORD, field: value}
    response = api.client.post("/api/auth/register", json=body)
    # LibreChat's errorsToString of zod's issue
    assert response.status_code == 404
    assert response.json() == {"message": f"{field}: Expected string, received {received}"}
    assert api.events() == before


def test_closed_registration_is_403_before_the_body_is_read(api_for: Callable[..., Api]) -> None:
    # LibreChat's validateRegistration runs before the controller validates the body
    api = api_for("sqlite", allow_registration=False)
    before = api.events()
    for content in (b"[1, 2]", b'{"name": 5}'):
        response = api.client.post(
            "/api/auth/register", content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 403
        assert response.json() == {"message": "Registration is not allowed."}
    assert api.events() == before


@pytest.mark.parametrize("content", [b"{not json", b'{"name": "x",', b"\xff\xfe", b""])
def test_malformed_json_is_400_invalid_request_data(api: Api, content: bytes) -> None:
    before = api.events()
    for path in ("/api/auth/register", "/api/auth/login"):
        response = api.client.post(
            path, content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, (path, response.text)
        assert response.json()["error"] == "Invalid request data" and response.json()["message"]
    assert api.events() == before


@pytest.mark.parametrize("content", [b"[1, 2]", b'"text"', b"null", b"42"])
def test_json_that_is_not_an_object_is_400(api: Api, content: bytes) -> None:
    before = api.events()
    for path in ("/api/auth/register", "/api/auth/login"):
        response = api.client.post(
            path, content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400 and response.json()["error"] == "Invalid request data"
    assert api.events() == before


@pytest.mark.parametrize(
    "body",
    [
        {"email": "dave@example.com"},
        {"password": PASSWORD},
        {"email": 5, "password": PASSWORD},
        {"email": "dave@example.com", "password": ["x"]},
        {"email": {"$gt": ""}, "password": {"$gt": ""}},
        {"email": "", "password": ""},
    ],
)
def test_login_with_missing_or_mistyped_fields_is_invalid_credentials(
    api: Api, body: dict[str, Any]
) -> None:
    api.register("dave@example.com")
    before = api.events()
    response = api.client.post("/api/auth/login", json=body)
    assert response.status_code == 400 and response.json() == {"message": "Invalid credentials"}
    assert api.events() == before


def test_wrong_password_is_422_and_recorded(api: Api) -> None:
    api.register("dave@example.com")
    before = api.events()
    response = _login(api, "dave@example.com", "wrong password")
    assert response.status_code == 422 and response.json() == {"message": "Incorrect password."}
    assert "refreshToken" not in response.cookies
    assert api.events() == before + 1  # the failed login is in the audit trail


def test_unknown_email_is_422_and_changes_nothing(api: Api) -> None:
    before = api.events()
    unknown = _login(api, "nobody@example.com")
    assert unknown.status_code == 422 and unknown.json() == {"message": "Email does not exist."}
    assert api.events() == before


def test_tampered_expired_and_missing_access_tokens_are_401(api: Api) -> None:
    token = api.user("erin@example.com")["Authorization"].split()[1]
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    expired = _forger(api, timedelta(seconds=-5)).access(uuid.uuid4(), "", "local", "")
    for header in (f"Bearer {tampered}", f"Bearer {expired}", "Bearer", "Basic abc", token):
        response = api.client.get("/api/user", headers={"Authorization": header})
        assert response.status_code == 401 and response.json() == {"message": "Unauthorized"}
    assert api.client.get("/api/user").status_code == 401


def test_a_token_for_a_user_that_does_not_exist_is_401(api: Api) -> None:
    ghost = _forger(api).access(uuid.uuid4(), "ghost", "local", "ghost@example.com")
    for path in ("/api/user", "/api/roles/USER"):
        response = api.client.get(path, headers={"Authorization": f"Bearer {ghost}"})
        assert response.status_code == 401 and response.json() == {"message": "Unauthorized"}


def test_an_oversized_body_is_413_and_changes_nothing(api: Api) -> None:
    before = api.events()
    limit = api.container.settings.max_body_bytes
    big = b'{"name": "' + b"x" * (limit + 1) + b'"}'
    response = api.client.post(
        "/api/auth/register", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"message": "Request entity too large"}
    assert api.events() == before


def test_deleting_the_account_shreds_it_and_frees_the_email(api: Api) -> None:
    # Given a user with a conversation, and someone else
    login = _login_after_register(api, "leaving@example.com")
    other = api.user("staying@example.com")
    me = _bearer(login)
    user_id = uuid.UUID(login.json()["user"]["id"])
    for headers, text in ((me, "my secret"), (other, "theirs")):
        _read(api, headers, _start(api, headers, text)["streamId"])
    # When they delete their account
    deleted = api.client.delete("/api/user/delete", headers=me)
    # Then it is gone everywhere they could look
    assert deleted.status_code == 200 and deleted.json() == {"message": "User deleted"}
    assert api.client.get("/api/user", headers=me).status_code == 401
    assert api.client.get("/api/convos", headers=me).status_code == 401  # their token is revoked
    api.client.cookies.set("refreshToken", login.cookies["refreshToken"])
    assert api.client.post("/api/auth/refresh").status_code == 401
    assert api.client.delete("/api/user/delete", headers=me).status_code == 401
    # And their personal data is unreadable in the log itself, the rest intact
    events = list(api.container.stores["identity"].events.get(user_id))
    assert events[0].email == "[deleted]" and events[-1].__class__.__name__ == "UserDeleted"
    assert len(api.client.get("/api/convos", headers=other).json()["conversations"]) == 1
    # And a rebuild, which reads the contexts in its own order, does not bring them back
    engine = api.container.projections
    for name in ("conversation_list", "transcript"):
        engine.start_rebuild(name)
        engine.catch_up(name)
    with api.container.db.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT count(*) FROM conversations WHERE user_id = ?"
            if conn.dialect.name == "sqlite"
            else "SELECT count(*) FROM conversations WHERE user_id = %s",
            (str(user_id),),
        ).scalar()
    assert rows == 0
    # And the email can be registered again, as a new user
    assert api.register("leaving@example.com").status_code == 200
    again = _login(api, "leaving@example.com").json()["user"]["id"]
    assert again != str(user_id)


def _login_after_register(api: Api, email: str) -> Any:
    assert api.register(email).status_code == 200
    return _login(api, email)


def test_config_allows_account_deletion_when_the_route_works(embedded_api: Api) -> None:
    me = embedded_api.user("deletable@example.com")
    assert embedded_api.client.get("/api/config", headers=me).json()["allowAccountDeletion"]
    assert embedded_api.client.delete("/api/user/delete", headers=me).status_code == 200


def test_account_deletion_refused_to_users_when_disallowed(api_for: Callable[..., Api]) -> None:
    api = api_for("sqlite", allow_account_deletion=False)
    admin = api.user("first-is-admin@example.com")
    me = api.user("kept@example.com")
    assert api.client.get("/api/config", headers=me).json()["allowAccountDeletion"] is False
    before = api.events()
    refused = api.client.delete("/api/user/delete", headers=me)
    assert refused.status_code == 403
    assert refused.json() == {"message": "You do not have permission to delete this account"}
    assert api.events() == before and api.client.get("/api/user", headers=me).status_code == 200
    # LibreChat lets an admin through regardless
    assert api.client.delete("/api/user/delete", headers=admin).status_code == 200
