"""`GET /api/audit/users/:id/logins`: an auditor reads a user's sign-ins from the identity
events; nobody else may, and bad input is a 400 that reveals nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import Api


def test_an_auditor_sees_successes_failures_and_logouts_in_order(api: Api) -> None:
    admin = api.user("root@example.com")  # the first user is ADMIN
    bob = api.user("bob@example.com")
    bob_id = api.user_id(bob)
    refused = api.client.post(
        "/api/auth/login", json={"email": "bob@example.com", "password": "wrong password"}
    )
    assert refused.status_code == 422
    api.login("bob@example.com")

    response = api.client.get(f"/api/audit/users/{bob_id}/logins", headers=admin)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["userId"] == bob_id
    outcomes = [login["outcome"] for login in body["logins"]]
    assert outcomes == ["success", "failure", "success"]
    failure = body["logins"][1]
    assert failure["reason"] and failure["sessionId"] is None
    assert all(login["ip"] for login in body["logins"])
    seqs = [login["seq"] for login in body["logins"]]
    assert seqs == sorted(seqs)


def test_the_period_bounds_the_history(api: Api) -> None:
    admin = api.user("root@example.com")
    bob_id = api.user_id(api.user("bob@example.com"))
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()

    url = f"/api/audit/users/{bob_id}/logins"
    after = api.client.get(url, params={"from": later}, headers=admin)
    before = api.client.get(url, params={"to": later}, headers=admin)

    assert after.status_code == 200 and after.json()["logins"] == []
    assert [login["outcome"] for login in before.json()["logins"]] == ["success"]


def test_only_auditors_may_read_and_bad_input_is_400(api: Api) -> None:
    admin = api.user("root@example.com")
    bob = api.user("bob@example.com")
    bob_id = api.user_id(bob)
    carol = api.user("carol@example.com")

    assert api.client.get(f"/api/audit/users/{bob_id}/logins", headers=carol).status_code == 403
    assert api.client.get(f"/api/audit/users/{bob_id}/logins", headers=bob).status_code == 403
    assert api.client.get(f"/api/audit/users/{bob_id}/logins").status_code == 401
    bad_id = api.client.get("/api/audit/users/not-a-uuid/logins", headers=admin)
    bad_from = api.client.get(f"/api/audit/users/{bob_id}/logins?from=yesterday", headers=admin)
    unknown = api.client.get(
        "/api/audit/users/00000000-0000-4000-8000-000000000000/logins", headers=admin
    )
    assert (bad_id.status_code, bad_from.status_code, unknown.status_code) == (400, 400, 404)
    assert "from" in bad_from.json()["message"]
