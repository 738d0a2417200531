"""GET /api/balance and the balance in /api/config, against the billing ledger."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from application.billing.config import BalanceSettings
from tests.e2e.conftest import Api

ON = BalanceSettings(enabled=True, start_balance=5000)
# LibreChat's balanceSchema defaults, as its /api/config serves them
LIBRECHAT_DEFAULTS = {
    "enabled": False,
    "startBalance": 20000,
    "autoRefillEnabled": False,
    "refillIntervalValue": 30,
    "refillIntervalUnit": "days",
    "refillAmount": 10000,
}
REFILL = BalanceSettings(
    enabled=True, auto_refill_enabled=True, refill_interval_value=7, refill_amount=300
)


def _user_id(api: Api, headers: dict[str, str]) -> UUID:
    return UUID(api.client.get("/api/user", headers=headers).json()["id"])


def test_balance_is_204_and_config_says_disabled_by_default(api: Api) -> None:
    headers = api.user("ada@example.com")
    response = api.client.get("/api/balance", headers=headers)
    assert response.status_code == 204 and response.content == b""
    served = api.client.get("/api/config", headers=headers).json()["balance"]
    assert served == {**LIBRECHAT_DEFAULTS, "enabled": False}


@pytest.mark.parametrize("kind", ["sqlite", "distributed"])
def test_registration_grants_the_start_balance_when_enabled(
    api_for: Callable[..., Api], kind: str
) -> None:
    api = api_for(kind, balance=ON)
    headers = api.user("ada@example.com")
    body = api.client.get("/api/balance", headers=headers).json()
    assert body == {
        "user": str(_user_id(api, headers)),
        "tokenCredits": 5000,
        "autoRefillEnabled": False,
    }
    served = api.client.get("/api/config", headers=headers).json()["balance"]
    assert served == {**LIBRECHAT_DEFAULTS, "enabled": True, "startBalance": 5000}


@pytest.mark.parametrize("kind", ["sqlite", "distributed"])
def test_add_and_set_change_only_that_users_balance(api_for: Callable[..., Api], kind: str) -> None:
    api = api_for(kind, balance=ON)
    ada, bob = api.user("ada@example.com"), api.user("bob@example.com")
    billing = api.container.billing
    billing.add(_user_id(api, ada), 2500, "top-up-1")
    billing.add(_user_id(api, ada), 2500, "top-up-1")  # a retry: counted once
    assert api.client.get("/api/balance", headers=ada).json()["tokenCredits"] == 7500
    billing.set(_user_id(api, ada), "1234.5", "set-1")
    assert api.client.get("/api/balance", headers=ada).json()["tokenCredits"] == 1234.5
    assert api.client.get("/api/balance", headers=bob).json()["tokenCredits"] == 5000


def test_auto_refill_shows_the_refill_fields(api_for: Callable[..., Api]) -> None:
    api = api_for("sqlite", balance=REFILL)
    body = api.client.get("/api/balance", headers=api.user("ada@example.com")).json()
    assert body["tokenCredits"] == 20000 and body["autoRefillEnabled"] is True
    assert body["refillIntervalValue"] == 7 and body["refillIntervalUnit"] == "days"
    assert body["refillAmount"] == 300 and body["lastRefill"].endswith("Z")


def test_a_user_registered_while_balance_was_off_gets_the_start_balance_on_first_read(
    container_for: Callable[..., Any], api_for: Callable[..., Api]
) -> None:
    before = api_for("sqlite")
    headers = before.user("ada@example.com")
    assert before.container.stores["billing"].head() == 0
    before.container.close()
    after = api_for("sqlite", balance=ON)
    body = after.client.get("/api/balance", headers=headers).json()
    assert body["tokenCredits"] == 5000
    after.client.get("/api/balance", headers=headers)
    assert after.container.stores["billing"].head() == 2  # opened and granted, once


@pytest.mark.parametrize("kind", ["sqlite", "distributed"])
def test_deleting_the_account_removes_its_balance_row(
    api_for: Callable[..., Api], kind: str
) -> None:
    api = api_for(kind, balance=ON)
    headers = api.user("ada@example.com")
    user_id = _user_id(api, headers)
    assert api.client.get("/api/balance", headers=headers).status_code == 200
    assert api.client.delete("/api/user/delete", headers=headers).status_code == 200
    api.container.projections.catch_up("balances")
    with api.container.db.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT user_id FROM balances WHERE user_id = :u"), {"u": str(user_id)}
        ).all()
    assert rows == []
