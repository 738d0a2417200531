"""Low-balance alerts end to end: a chat turn crosses the threshold, the alert is served over
HTTP and delivered, signed, to a local webhook that fails at first (retried), once per id."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from uuid import UUID

import pytest
from httpx_sse import EventSource

from application.billing.config import BalanceSettings
from custom.features.low_balance.delivery import IDEMPOTENCY, SIGNATURE, TIMESTAMP, verify
from tests.e2e.conftest import Api

ROOT = "00000000-0000-0000-0000-000000000000"
SECRET = "a webhook secret of the test"
URL = "/api/custom/low-balance/alerts"


class Receiver:
    """A local webhook: answers 500 to the first `failing` requests, then 204."""

    def __init__(self, failing: int) -> None:
        self.failing = failing
        self.received: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(receiver.received) < receiver.failing else 204
                receiver.received.append((dict(self.headers), body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def accepted(self) -> list[tuple[dict[str, str], bytes, int]]:
        return [r for r in self.received if r[2] == 204]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver(failing=2)
    yield made
    made.server.shutdown()


def _settings(url: str, threshold: int = 4990, **extra: Any) -> dict[str, Any]:
    config = {"threshold": threshold, "webhook_url": url, "webhook_secret": SECRET, **extra}
    return {
        "balance": BalanceSettings(enabled=True, start_balance=5000),
        "custom_enable": {"low_balance": True},
        "custom": {"low_balance": config},
    }


def _turn(api: Api, me: dict[str, str]) -> None:
    body = {"text": "hello there", "conversationId": None, "parentMessageId": ROOT}
    started = api.client.post("/api/agents/chat/echo", headers=me, json=body).json()
    path = f"/api/agents/chat/stream/{started['streamId']}"
    with api.client.stream("GET", path, headers=me) as stream:
        assert list(EventSource(stream).iter_sse())[-1].json()["final"] is True


def _until(check: Callable[[], Any], seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def _alerts(api: Api, me: dict[str, str]) -> list[dict[str, Any]]:
    response = api.client.get(URL, headers=me)
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.json()["alerts"]
    return found


@pytest.mark.parametrize("kind", ["sqlite", "distributed"])
def test_a_turn_below_the_threshold_alerts_once_signed_and_retried(
    api_for: Callable[..., Api], kind: str, receiver: Receiver
) -> None:
    api = api_for(kind, **_settings(receiver.url))
    me, other = api.user("low@example.com"), api.user("rich@example.com")
    _turn(api, me)  # 5000 - 30: below 4990
    alerts = _until(lambda: _alerts(api, me))
    my_id = api.client.get("/api/user", headers=me).json()["id"]
    assert [(a["user"], a["balance"], a["threshold"]) for a in alerts] == [(my_id, "4970", "4990")]
    assert _alerts(api, other) == []  # owner-scoped
    headers, body, _ = _until(receiver.accepted)[0]
    assert len(receiver.received) == 3  # two 500s, retried with backoff, then accepted
    assert headers[IDEMPOTENCY] == alerts[0]["id"]
    assert verify(SECRET, headers[TIMESTAMP], body, headers[SIGNATURE])
    assert _until(lambda: _alerts(api, me)[0]["delivery"] == "delivered")
    report = api.container.plugin_report()["low_balance"]
    assert report["status"] == "loaded" and report["failures"] >= 2
    scraped = api.client.get("/metrics").text  # each refusal: the delivery's and the actor's
    assert f'chronicle_plugin_failures{{plugin="low_balance"}} {report["failures"]:.1f}' in scraped
    # a second turn stays below: no new crossing, nothing delivered again
    _turn(api, me)
    time.sleep(1.5)
    assert len(_alerts(api, me)) == 1 and len(receiver.accepted()) == 1


@pytest.mark.parametrize("kind", ["sqlite", "distributed"])
def test_rebuilding_the_alerts_gives_the_same_rows_and_delivers_nothing_again(
    api_for: Callable[..., Api], kind: str, receiver: Receiver
) -> None:
    receiver.failing = 0
    api = api_for(kind, **_settings(receiver.url, threshold=1000))
    me = api.user("rebuild@example.com")
    user_id = UUID(api.client.get("/api/user", headers=me).json()["id"])
    billing = api.container.billing
    for step, balance in enumerate([500, 2000, 100, 50, 3000, 10]):  # three crossings
        billing.set(user_id, balance, f"admin-{step}")
    _until(lambda: len(receiver.accepted()) == 3)
    before = _until(
        lambda: (
            [a for a in _alerts(api, me) if a["delivery"] == "delivered"] == _alerts(api, me)
            and len(_alerts(api, me)) == 3
            and _alerts(api, me)
        )
    )
    assert [a["balance"] for a in before] == ["10", "100", "500"]  # newest first
    engine = api.container.projections
    engine.start_rebuild("low_balance_alerts")
    engine.catch_up("low_balance_alerts")
    assert not engine.is_building("low_balance_alerts")
    assert _alerts(api, me) == before
    time.sleep(1.5)
    keys = [headers[IDEMPOTENCY] for headers, _, _ in receiver.accepted()]
    assert sorted(keys) == sorted(a["id"] for a in before)


def test_without_a_webhook_alerts_are_recorded_and_never_delivered(
    api_for: Callable[..., Api],
) -> None:
    settings = _settings("http://unused", threshold=1000)
    del settings["custom"]["low_balance"]["webhook_url"]
    api = api_for("sqlite", **settings)
    me = api.user("quiet@example.com")
    user_id = UUID(api.client.get("/api/user", headers=me).json()["id"])
    api.container.billing.set(user_id, 10, "admin-1")
    alerts = _until(lambda: _alerts(api, me))
    assert [(a["balance"], a["delivery"]) for a in alerts] == [("10", "pending")]
    report = api.container.plugin_report()["low_balance"]
    assert report == {"status": "loaded", "failures": 0, "last_error": None}


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"threshold": "lots"}, "threshold"),
        ({"threshold": -1}, "threshold"),
        ({"webhook_url": "ftp://x"}, "webhook_url"),
        ({"webhook_url": "http://x", "webhook_secret": "short"}, "webhook_secret"),
        ({"thresold": 5}, "thresold"),
    ],
)
def test_a_bad_configuration_fails_the_plugin_not_the_api(
    api_for: Callable[..., Api], config: dict[str, Any], named: str
) -> None:
    api = api_for("sqlite", custom_enable={"low_balance": True}, custom={"low_balance": config})
    report = api.container.plugin_report()["low_balance"]
    assert report["status"] == "failed" and named in str(report["last_error"])
    details = api.client.get("/readyz", params={"details": "true"}).json()
    assert details["status"] == "ok" and details["plugins"]["low_balance"]["status"] == "failed"
    assert api.client.get("/readyz").text == "OK"
    assert api.client.get(URL, headers=api.user("fine@example.com")).status_code == 404
