"""Probes, metrics, logs, OpenAPI, error shapes and the startup answers the web client needs."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import eventsourcing.persistence
import psycopg
import pytest
import redis
import sqlalchemy as sa
from litestar import get
from litestar.testing import TestClient, create_test_client

from api.app import create_app
from api.errors import HANDLERS
from api.observability import JsonFormatter
from application.settings import Settings
from tests.conftest import PG_ADMIN_URL
from tests.e2e.conftest import PASSWORD, Api

IDENTITY_ROUTES = ["/api/auth/register", "/api/auth/login", "/api/auth/refresh", "/api/auth/logout"]
GARBAGE = [
    b"{",
    b"\x00\xff\xfe",
    b"[]",
    b"null",
    b'{"email": {"$ne": null}, "password": {"$ne": null}}',
    b'{"name": 1e999, "email": true, "password": 12, "confirm_password": [null]}',
    b'{"email": "' + "é".encode() * 5000 + b'", "password": "x"}',
    b'"' + b"\\u0000" * 100 + b'"',
]


def test_liveness_probes_answer_ok(api: Api) -> None:
    for path in ("/health", "/livez", "/readyz"):
        response = api.client.get(path)
        assert response.status_code == 200 and response.text == "OK", path


def test_readiness_is_503_when_redis_is_unreachable(api_for: Callable[..., Api]) -> None:
    api = api_for("distributed")
    healthy = api.container.redis
    # A real client for a port nobody listens on: Redis as a crashed server looks.
    api.container.redis = redis.Redis(port=1, socket_connect_timeout=0.5)
    try:
        response = api.client.get("/readyz")
    finally:
        api.container.redis.close()
        api.container.redis = healthy
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": True, "redis": False},
    }
    assert api.client.get("/readyz").text == "OK"


def test_metrics_expose_latency_events_and_lag(api: Api) -> None:
    api.register("metrics@example.com")
    api.client.get("/health")
    text = api.client.get("/metrics").text
    assert 'chronicle_http_request_duration_seconds_count{method="POST",' in text
    assert 'route="/api/auth/register",status="200"' in text
    assert 'chronicle_events_appended_total{context="identity"}' in text
    assert "chronicle_projection_lag_events{" in text


def test_unmatched_paths_do_not_become_metric_labels(embedded_api: Api) -> None:
    embedded_api.client.get("/no/such/page/123")
    text = embedded_api.client.get("/metrics").text
    assert "/no/such/page" not in text and 'route="unmatched",status="404"' in text


def test_each_request_logs_one_json_line(embedded_api: Api, caplog: Any) -> None:
    with caplog.at_level(logging.INFO, logger="chronicle.access"):
        embedded_api.client.get("/api/roles/USER")
    records = [r for r in caplog.records if r.name == "chronicle.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["method"] == "GET" and line["route"] == "/api/roles/{role_name}"
    assert line["status"] == 401 and line["duration_ms"] >= 0 and line["level"] == "INFO"


def test_the_openapi_document_loads(embedded_api: Api) -> None:
    response = embedded_api.client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Chronicle"
    assert "/api/auth/login" in response.json()["paths"]


def test_unknown_routes_and_methods_are_json(embedded_api: Api) -> None:
    for path in ("/nope", "/api/nope", "/api/auth/nope"):
        response = embedded_api.client.get(path)
        assert response.status_code == 404 and response.json() == {"message": "Not Found"}
    wrong = embedded_api.client.delete("/api/auth/login")
    assert wrong.status_code == 405 and wrong.json()["message"]


@get("/boom", sync_to_thread=False)
def _boom() -> None:
    raise RuntimeError("secret internals: /etc/passwd")


def test_an_unexpected_error_is_a_bare_500_logged_server_side(caplog: Any) -> None:
    with create_test_client([_boom], exception_handlers=HANDLERS, logging_config=None) as client:
        response = client.get("/boom")
    assert response.status_code == 500 and response.json() == {"message": "Internal Server Error"}
    logged = [r for r in caplog.records if r.name == "chronicle.api"]
    assert logged and logged[0].exc_info and "secret internals" not in response.text


@pytest.mark.parametrize("path", IDENTITY_ROUTES)
def test_garbage_bodies_never_cause_a_500(api: Api, path: str) -> None:
    headers = api.user("garbage@example.com")
    before = api.events()
    for content in GARBAGE:
        for content_type in ("application/json", "text/plain", "multipart/form-data"):
            response = api.client.post(
                path, content=content, headers={**headers, "content-type": content_type}
            )
            assert response.status_code < 500, (path, content[:20], content_type)
            assert response.text
    # Only the failed-login audit events may be recorded: no user, no session.
    assert api.client.get("/api/user", headers=headers).status_code == 200
    assert api.events() - before <= len(GARBAGE) * 3


def test_config_grows_once_signed_in(embedded_api: Api) -> None:
    anonymous = embedded_api.client.get("/api/config").json()
    assert anonymous["emailLoginEnabled"] is True and anonymous["registrationEnabled"] is True
    assert anonymous["appTitle"] and anonymous["minPasswordLength"] == 8
    assert anonymous["socialLoginEnabled"] is False and "balance" not in anonymous
    signed_in = embedded_api.client.get(
        "/api/config", headers=embedded_api.user("cfg@example.com")
    ).json()
    assert signed_in["balance"]["enabled"] is False and "sharedLinksEnabled" in signed_in
    assert signed_in.items() >= {k: v for k, v in anonymous.items() if k != "interface"}.items()


STARTUP_ANSWERS: list[tuple[str, Any]] = [
    ("/api/search/enable", True),
    ("/api/presets", []),
    ("/api/files", []),
    ("/api/files/config", {}),
    ("/api/endpoints/token-config", {"echo": {"echo": {}}}),  # echo has no context window
    ("/api/user/settings/favorites", []),
    ("/api/agents/chat/active", {"activeJobIds": []}),
    ("/api/tags", []),
]


def test_startup_routes_answer_well_formed_empties(embedded_api: Api) -> None:
    headers = embedded_api.user("start@example.com")
    for path, expected in STARTUP_ANSWERS:
        response = embedded_api.client.get(path, headers=headers)
        assert response.status_code == 200 and response.json() == expected, path
        assert embedded_api.client.get(path).status_code == 401, path
    assert embedded_api.client.get("/api/balance", headers=headers).status_code == 204
    assert embedded_api.client.get("/api/banner").status_code == 200
    models = embedded_api.client.get("/api/models", headers=headers).json()
    endpoints = embedded_api.client.get("/api/endpoints", headers=headers).json()
    # as LibreChat: `agents` is an endpoint whose models are its providers' (not listed)
    assert models and set(models) == set(endpoints) - {"agents"}
    assert all(isinstance(e["order"], int) for e in endpoints.values())


def test_an_app_without_a_container_builds_and_closes_its_own(
    settings_for: Callable[..., Settings],
) -> None:
    # Given only settings: nothing is connected until the app starts
    app = create_app(settings=settings_for("sqlite"))
    with TestClient(app) as client:
        # When it serves a registration and a login
        body = {"name": "Own Container", "email": "own@example.com"}
        body |= {"password": PASSWORD, "confirm_password": PASSWORD}
        assert client.post("/api/auth/register", json=body).status_code == 200
        login = client.post(
            "/api/auth/login", json={"email": "own@example.com", "password": PASSWORD}
        )
        container = app.state.container
        assert login.status_code == 200
        assert container._running  # its workers run while the app runs
    # Then its workers are stopped when the app stops
    assert container._running == []


def _drop_connections(database_url: str) -> int:
    """What a PostgreSQL restart does to every open connection of one database."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


@pytest.mark.parametrize(
    "error",
    [
        psycopg.OperationalError("server closed the connection unexpectedly"),
        sa.exc.OperationalError("SELECT 1", {}, psycopg.OperationalError("gone")),
        eventsourcing.persistence.OperationalError("connection failed"),
        redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
    ],
)
def test_an_unreachable_backing_service_is_a_503_to_retry(error: Exception) -> None:
    @get("/down", sync_to_thread=False)
    def down() -> None:
        raise error

    with create_test_client([down], exception_handlers=HANDLERS, logging_config=None) as client:
        response = client.get("/down")
    assert response.status_code == 503
    assert response.json() == {"message": "Service Unavailable"}
    assert response.headers["retry-after"] == "1"


def test_dropped_database_connections_are_a_503_then_recovered(
    api_for: Callable[..., Api],
) -> None:
    # Given a signed-in user whose list query just ran (the pool holds live connections)
    api = api_for("distributed", read_your_writes_timeout_s=0.2)
    headers = api.user("outage@example.com")
    assert api.client.get("/api/convos", headers=headers).status_code == 200
    # When the server drops every connection, right after they were used
    assert _drop_connections(api.container.settings.database_url) > 0
    answers = [api.client.get("/api/convos", headers=headers) for _ in range(3)]
    # Then a request that met a dead connection is a 503 to retry, never a 500...
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 503}, [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 503:
            assert answer.json() == {"message": "Service Unavailable"}
            assert answer.headers["retry-after"] == "1"
    # ... and the pool replaces its connections: the next requests succeed
    assert statuses[-1] == 200


def test_connections_idle_past_the_ping_interval_are_checked_first(pg_url: str) -> None:
    from infrastructure.database import create_engine

    engine = create_engine(pg_url, pool_size=2)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        time.sleep(1.1)
        assert _drop_connections(pg_url) == 1
        # the pooled connection is dead; the checkout ping notices and reconnects
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 2")).scalar() == 2
    finally:
        engine.dispose()


def test_a_write_during_a_redis_outage_is_kept_and_projected_once_redis_is_back(
    api_for: Callable[..., Api],
) -> None:
    # Given a user with a chat, in distributed mode
    api = api_for("distributed", read_your_writes_timeout_s=0.5)
    headers = api.user("redis-outage@example.com")
    user = api.client.get("/api/user", headers=headers).json()["id"]
    convo = uuid.uuid4()
    api.container.conversations.start(uuid.UUID(user), convo, endpoint="echo", model="echo")
    # When Redis goes away (every client of it: marks, pokes, the broker) and the user renames
    clients = [api.container.redis, api.container.broker.client]
    healthy = [c.connection_pool for c in clients]
    for client in clients:
        client.connection_pool = redis.ConnectionPool(port=1, socket_connect_timeout=0.2)
    try:
        response = api.client.post(
            "/api/convos/update",
            json={"arg": {"conversationId": str(convo), "title": "Renamed while Redis was down"}},
            headers=headers,
        )
    finally:
        for client, pool in zip(clients, healthy, strict=True):
            client.connection_pool.disconnect()
            client.connection_pool = pool
    # Then the write is answered and committed...
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Renamed while Redis was down"
    # ... and once Redis is back the sweep brings the list up to date
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        listed = api.client.get("/api/convos", headers=headers).json()["conversations"]
        if listed and listed[0]["title"] == "Renamed while Redis was down":
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the list never showed the rename: {listed}")
