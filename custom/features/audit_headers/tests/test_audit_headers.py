"""Request audit headers end to end: ids, the positions a write produced, and waiting on them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from custom.features.audit_headers.plugin import format_marks, parse_marks
from tests.e2e.conftest import Api

MODES = ["sqlite", "distributed"]
ON = {"audit_headers": True}


@pytest.mark.parametrize("kind", MODES)
def test_a_write_reports_its_positions_and_a_read_can_wait_for_them(
    api_for: Callable[..., Api], kind: str
) -> None:
    api = api_for(kind, custom_enable=ON)
    me = api.user("audit@example.com")
    saved = api.client.post("/api/presets", headers=me, json={"title": "Poet", "endpoint": "x"})
    assert saved.status_code == 201
    positions = parse_marks(saved.headers["x-chronicle-positions"])
    assert set(positions) == {"conversations"}
    assert positions["conversations"] == api.events("conversations")
    assert len(saved.headers["x-request-id"]) == 32
    wait = {"X-Chronicle-Wait-For": format_marks(positions)}
    listed = api.client.get("/api/presets", headers={**me, **wait})
    assert listed.headers["x-chronicle-consistent"] == "true"
    assert [p["title"] for p in listed.json()] == ["Poet"]
    # a read writes nothing: no positions
    assert "x-chronicle-positions" not in listed.headers


def test_a_client_request_id_is_echoed_and_an_unsafe_one_replaced(
    api_for: Callable[..., Api],
) -> None:
    api = api_for("sqlite", custom_enable=ON)
    echoed = api.client.get("/api/config", headers={"X-Request-Id": "trace-42"})
    assert echoed.headers["x-request-id"] == "trace-42"
    replaced = api.client.get("/api/config", headers={"X-Request-Id": "a b" * 100})
    assert replaced.headers["x-request-id"] != "a b" * 100
    assert "x-request-id" not in api.client.get("/health").headers  # outside /api


@pytest.mark.parametrize(
    "header", ["billing", "billing:x", "nowhere:3", "billing:-1", "billing:" + "9" * 30, ","]
)
def test_a_bad_wait_for_header_is_a_400_in_librechats_shape(
    api_for: Callable[..., Api], header: str
) -> None:
    api = api_for("sqlite", custom_enable=ON)
    response = api.client.get("/api/config", headers={"X-Chronicle-Wait-For": header})
    assert response.status_code == 400
    assert "X-Chronicle-Wait-For" in response.json()["message"]


def test_disabled_it_adds_nothing(api_for: Callable[..., Api]) -> None:
    api = api_for("sqlite", custom_enable={"audit_headers": False})
    me = api.user("quiet@example.com")
    saved = api.client.post("/api/presets", headers=me, json={"title": "Poet", "endpoint": "x"})
    assert "x-request-id" not in saved.headers
    assert "x-chronicle-positions" not in saved.headers
    assert api.container.plugin_report()["audit_headers"]["status"] == "disabled"
