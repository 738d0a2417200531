"""Property: no request a client can send gets a 5xx.

Hypothesis draws operations from the OpenAPI document the app serves, fills their path
parameters, the query parameters the handlers read and their bodies (shaped after the
schema, with wrong types, unknown keys, deep nesting, bad bytes mixed in), and sends them as
a signed-in user who owns a real conversation, so handlers past authentication and past
ownership checks are exercised. Embedded mode; a fixed seed and budget keep it a few seconds."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from api.app import create_app
from application.bootstrap import bootstrap
from tests.conftest import make_settings
from tests.e2e.conftest import Api
from tests.e2e.test_conversations_api import _chat

BUDGET = 300
# Routes that end the session the fuzzing relies on; their own tests cover them.
SKIPPED = {("post", "/api/auth/logout"), ("delete", "/api/user/delete")}
# Query parameters the handlers read (Litestar's OpenAPI only lists declared ones).
QUERIES = {
    "/api/convos": [
        "limit",
        "cursor",
        "sortBy",
        "sortDirection",
        "isArchived",
        "pinned",
        "tags",
        "projectId",
    ],
    "/api/projects": ["limit", "cursor", "sortBy", "sortDirection", "search"],
    "/api/messages": ["conversationId", "cursor", "pageSize", "sortDirection", "search"],
    "/api/agents/chat/stream/{stream_id}": ["resume"],
}
# Keys of the bodies the OpenAPI document types as free-form objects.
FREE_KEYS = [
    "text", "conversationId", "parentMessageId", "messageId", "endpoint", "model",
    "promptPrefix", "temperature", "max_tokens", "editedContent", "clientRequestId",
    "isRegenerate", "isContinued", "overrideParentMessageId", "responseMessageId",
    "streamId", "email", "password", "confirm_password", "name", "username",
]  # fmt: skip


class Fuzzed:
    """The app, a signed-in user, and values that name real things of theirs."""

    def __init__(self, api: Api, headers: dict[str, str], known: list[str]) -> None:
        self.api, self.headers, self.known = api, headers, known
        self.operations = sorted(
            (method, path, op)
            for path, ops in api.client.get("/schema/openapi.json").json()["paths"].items()
            for method, op in ops.items()
            if (method, path) not in SKIPPED
        )
        self.schemas = api.client.get("/schema/openapi.json").json()["components"]["schemas"]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    data_dir = tmp_path_factory.mktemp("fuzz") / "var"
    container = bootstrap(make_settings(data_dir, title_wait_s=0.2), workers=True)
    try:
        with TestClient(create_app(container)) as client:
            api = Api(client, container)
            headers = api.user("fuzz@example.com")
            final = _chat(api, headers)
            project = client.post("/api/projects", json={"name": "fuzz"}, headers=headers)
            client.post("/api/presets", json={"presetId": "fuzz-preset"}, headers=headers)
            agent = client.post(
                "/api/agents",
                json={"name": "fuzz", "provider": "echo", "model": "echo"},
                headers=headers,
            ).json()
            known = [
                final["conversation"]["conversationId"],
                final["responseMessage"]["messageId"],
                final["responseMessage"]["parentMessageId"],
                project.json()["_id"],
                "fuzz-preset",
                "unassigned",
                agent["id"],
                agent["_id"],
            ]
            yield Fuzzed(api, headers, known)
    finally:
        container.close()


def _json_values() -> st.SearchStrategy[Any]:
    leaves = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**70), max_value=2**70)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=40)
    )
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=12,
    )


def _strings(known: list[str]) -> st.SearchStrategy[str]:
    dates = st.datetimes().map(lambda d: d.isoformat()) | st.just("9999-12-31T23:59:59-23:59")
    return (
        st.sampled_from(known)
        | st.uuids().map(str)
        | st.text(max_size=30)
        | dates
        | st.sampled_from(["", "new", "0", "-1", "101", "true", "updatedAt", "title", "asc"])
    )


def _value(schema: dict[str, Any], fz: Fuzzed, draw: Any) -> Any:
    """Mostly what the schema asks for; sometimes anything at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(_json_values())
    if "$ref" in schema:
        return _object(fz.schemas[schema["$ref"].rsplit("/", 1)[-1]], fz, draw)
    if "oneOf" in schema:
        return _value(draw(st.sampled_from(schema["oneOf"])), fz, draw)
    kind = schema.get("type")
    if kind == "object":
        return _object(schema, fz, draw)
    if kind == "array":
        items = schema.get("items", {})
        return [_value(items, fz, draw) for _ in range(draw(st.integers(0, 3)))]
    simple = {
        "string": _strings(fz.known),
        "boolean": st.booleans(),
        "integer": st.integers(-5, 200) | st.integers(),
        "null": st.none(),
    }
    return draw(simple.get(kind, _json_values()))


def _object(schema: dict[str, Any], fz: Fuzzed, draw: Any) -> dict[str, Any]:
    properties = schema.get("properties") or {key: {"type": "string"} for key in FREE_KEYS}
    chosen = draw(st.sets(st.sampled_from(sorted(properties)), max_size=len(properties)))
    body = {key: _value(properties[key], fz, draw) for key in sorted(chosen)}
    if draw(st.booleans()):
        body[draw(st.text(max_size=8))] = draw(_json_values())
    return body


def _raw(draw: Any) -> bytes:
    return draw(
        st.sampled_from([b"", b"null", b"[]", b"{", b'{"a": "\xff"}', b"[" * 3000 + b"]" * 3000])
        | st.binary(max_size=40)
    )


@st.composite
def requests(draw: Any, fz: Fuzzed) -> dict[str, Any]:
    method, path, op = draw(st.sampled_from(fz.operations))
    url = path
    for param in op.get("parameters", []):
        if param["in"] == "path":
            value = quote(draw(_strings(fz.known).filter(bool)), safe="")
            url = url.replace("{" + param["name"] + "}", value)
    names = QUERIES.get(path, [])
    chosen = draw(st.sets(st.sampled_from(names))) if names else set()
    params = {name: draw(_strings(fz.known)) for name in sorted(chosen)}
    sent: dict[str, Any] = {"method": method.upper(), "url": url, "params": params}
    content = op.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        payload = json.dumps(draw(_json_values())).encode() if draw(st.booleans()) else _raw(draw)
        sent["files"] = {"file": ("export.json", payload, "application/json")}
    elif "application/json" in content:
        schema = content["application/json"]["schema"]
        raw = _raw(draw) if draw(st.integers(0, 5)) == 0 else None
        sent["content"] = raw if raw is not None else json.dumps(_value(schema, fz, draw))
        sent["headers"] = {"Content-Type": "application/json"}
    return sent


def test_no_request_gets_a_server_error(fuzzed: Fuzzed) -> None:
    statuses: list[int] = []

    @settings(
        max_examples=BUDGET,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests(fuzzed))
    def check(sent: dict[str, Any]) -> None:
        headers = {**fuzzed.headers, **sent.pop("headers", {})}
        response = fuzzed.api.client.request(**sent, headers=headers)
        statuses.append(response.status_code)
        assert response.status_code < 500, (sent, response.status_code, response.text[:300])

    check()
    # Nothing they recorded stops a read model: every projection still applies every event.
    engine = fuzzed.api.container.projections
    for name in engine.projections:
        engine.catch_up(name)
        assert all(lag.behind == 0 for lag in engine.status() if lag.projection == name)
    # Not a run that only met 401s or 400s: handlers did their work for a fair share.
    assert sum(200 <= s < 300 for s in statuses) >= len(statuses) // 10, Counter(statuses)
    assert statuses.count(401) < len(statuses) // 10, Counter(statuses)
