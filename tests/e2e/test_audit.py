"""The auditors' routes: balance as of a moment (from events), entries over a period."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import pytest

from application.billing.config import BalanceSettings
from tests.e2e.conftest import Api

ON = BalanceSettings(enabled=True, start_balance=1000)


def _id(api: Api, headers: dict[str, str]) -> str:
    return str(UUID(api.client.get("/api/user", headers=headers).json()["id"]))


@pytest.mark.parametrize("mode", ["sqlite", "distributed"])
def test_an_admin_reads_a_users_balance_at_any_moment_and_its_entries(
    api_for: Callable[..., Api], mode: str
) -> None:
    api = api_for(mode, balance=ON)
    admin = api.user("admin@example.com")  # the first user registered is the ADMIN
    user = api.user("user@example.com")
    user_id = _id(api, user)
    api.client.get("/api/balance", headers=user)
    between = datetime.now(UTC)
    time.sleep(0.01)
    api.container.billing.add(UUID(user_id), 250, "audit-test-1")
    base = f"/api/audit/accounts/{user_id}"
    now = api.client.get(f"{base}/balance", headers=admin)
    assert now.status_code == 200 and now.json()["tokenCredits"] == 1250
    then = api.client.get(f"{base}/balance", params={"asOf": between.isoformat()}, headers=admin)
    assert then.json()["tokenCredits"] == 1000 and then.json()["user"] == user_id
    assert (
        api.client.get(
            f"{base}/balance", params={"asOf": "2000-01-01T00:00:00Z"}, headers=admin
        ).json()["tokenCredits"]
        == 0
    )

    api.container.projections.catch_up("transactions")
    listed = api.client.get(f"{base}/entries", headers=admin).json()
    assert [(e["transferId"], e["kind"], e["amount"]) for e in listed["entries"]] == [
        ("startBalance", "credit", 1000),
        ("audit-test-1", "credit", 250),
    ]
    later = api.client.get(f"{base}/entries", params={"from": between.isoformat()}, headers=admin)
    assert [e["transferId"] for e in later.json()["entries"]] == ["audit-test-1"]
    earlier = api.client.get(f"{base}/entries", params={"to": between.isoformat()}, headers=admin)
    assert [e["transferId"] for e in earlier.json()["entries"]] == ["startBalance"]


def test_only_an_admin_may_audit_and_bad_input_is_a_400(api_for: Callable[..., Api]) -> None:
    api = api_for("sqlite", balance=ON)
    admin = api.user("admin@example.com")
    user = api.user("user@example.com")
    base = f"/api/audit/accounts/{_id(api, admin)}"
    for path in ("balance", "entries"):
        refused = api.client.get(f"{base}/{path}", headers=user)
        assert refused.status_code == 403 and refused.json() == {"message": "Forbidden"}
        assert api.client.get(f"{base}/{path}").status_code == 401
        bad_id = api.client.get(f"/api/audit/accounts/nope/{path}", headers=admin)
        assert bad_id.status_code == 400 and bad_id.json() == {"message": "Invalid user id"}
    for query in ({"asOf": "yesterday"}, {"asOf": "0001-01-01T00:00:00+05:00"}):
        bad = api.client.get(f"{base}/balance", params=query, headers=admin)
        assert bad.status_code == 400 and "asOf" in bad.json()["message"]
    bad = api.client.get(f"{base}/entries", params={"from": "\x00"}, headers=admin)
    assert bad.status_code == 400 and "from" in bad.json()["message"]
    unknown = api.client.get(f"/api/audit/accounts/{UUID(int=7)}/balance", headers=admin)
    assert unknown.status_code == 404 and unknown.json() == {"message": "Balance not found"}
