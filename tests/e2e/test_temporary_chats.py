"""Temporary chats (LibreChat's `isTemporary`): answered and streamed, readable by their owner,
but never listed, searched or counted towards a tag."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx_sse import EventSource

from tests.e2e.conftest import Api

ROOT = "00000000-0000-0000-0000-000000000000"


def _chat(api: Api, me: dict[str, str], text: str, **extra: Any) -> dict[str, Any]:
    body = {"text": text, "conversationId": None, "parentMessageId": ROOT, **extra}
    started = api.client.post("/api/agents/chat/echo", headers=me, json=body)
    assert started.status_code == 200, started.text
    stream_id = started.json()["streamId"]
    with api.client.stream("GET", f"/api/agents/chat/stream/{stream_id}", headers=me) as stream:
        frames = [sse.json() for sse in EventSource(stream).iter_sse()]
    final: dict[str, Any] = frames[-1]
    return final


def test_temporary_chat_is_answered_but_not_listed_or_searched(api: Api) -> None:
    me = api.user("ephemeral@example.com")
    kept = _chat(api, me, "kept walrus")["conversation"]["conversationId"]
    final = _chat(api, me, "secret walrus", isTemporary=True)
    cid = final["conversation"]["conversationId"]
    assert final["final"] is True and final["responseMessage"]["text"]
    listed = api.client.get("/api/convos", headers=me).json()["conversations"]
    assert [c["conversationId"] for c in listed] == [kept]
    found = api.client.get("/api/messages", headers=me, params={"search": "walrus"}).json()
    assert {m["conversationId"] for m in found["messages"]} == {kept}
    searched = api.client.get("/api/convos", headers=me, params={"search": "walrus"}).json()
    assert [c["conversationId"] for c in searched["conversations"]] == [kept]
    # The owner still reads it, as LibreChat serves a temporary chat until it expires
    transcript = api.client.get(f"/api/messages/{cid}", headers=me)
    assert transcript.status_code == 200
    assert [m["text"] for m in transcript.json()][:1] == ["secret walrus"]
    other = api.user("other@example.com")
    assert api.client.get(f"/api/messages/{cid}", headers=other).status_code == 404


def test_temporary_chat_expires_after_librechats_default_retention(api: Api) -> None:
    me = api.user("retained@example.com")
    cid = _chat(api, me, "hello", isTemporary=True)["conversation"]["conversationId"]
    convo = api.client.get(f"/api/convos/{cid}", headers=me).json()
    left = datetime.fromisoformat(convo["expiredAt"]) - datetime.fromisoformat(convo["createdAt"])
    assert timedelta(hours=719) < left <= timedelta(hours=720)
    kept = _chat(api, me, "hello")["conversation"]["conversationId"]
    assert "expiredAt" not in api.client.get(f"/api/convos/{kept}", headers=me).json()


def test_temporary_chat_counts_towards_no_tag(api: Api) -> None:
    me = api.user("tagless@example.com")
    cid = _chat(api, me, "hello", isTemporary=True)["conversation"]["conversationId"]
    tagged = api.client.put(f"/api/tags/convo/{cid}", headers=me, json={"tags": ["x"]})
    assert tagged.status_code == 200
    assert [(t["tag"], t["count"]) for t in api.client.get("/api/tags", headers=me).json()] == [
        ("x", 0)
    ]


def _gone(api: Api, me: dict[str, str], cid: str) -> bool:
    return api.client.get(f"/api/convos/{cid}", headers=me).status_code == 404 and (
        api.client.get(f"/api/messages/{cid}", headers=me).status_code == 404
    )


def test_retention_removes_only_expired_temporary_chats(api: Api) -> None:
    me = api.user("retention@example.com")
    temporary = _chat(api, me, "fleeting", isTemporary=True)["conversation"]["conversationId"]
    kept = _chat(api, me, "lasting")["conversation"]["conversationId"]
    retention = api.container.retention
    assert retention.sweep() == 0  # not expired yet
    assert api.client.get(f"/api/convos/{temporary}", headers=me).status_code == 200
    later = datetime.now(UTC) + timedelta(hours=721)
    retention.clock = lambda: later
    assert retention.sweep() == 1
    assert _gone(api, me, temporary)
    assert api.client.get(f"/api/convos/{kept}", headers=me).status_code == 200
    listed = api.client.get("/api/convos", headers=me).json()["conversations"]
    assert [c["conversationId"] for c in listed] == [kept]
    assert retention.sweep() == 0  # a second sweep (another worker) changes nothing


@pytest.mark.parametrize("mode", ["sqlite", "distributed"])
def test_retention_worker_runs_on_a_schedule_with_the_configured_retention(
    api_for: Callable[..., Api], mode: str
) -> None:
    api = api_for(mode, retention_sweep_s=0.2, temporary_chat_retention_h=2)
    me = api.user("scheduled@example.com")
    cid = _chat(api, me, "short-lived", isTemporary=True)["conversation"]["conversationId"]
    convo = api.client.get(f"/api/convos/{cid}", headers=me).json()
    left = datetime.fromisoformat(convo["expiredAt"]) - datetime.fromisoformat(convo["createdAt"])
    assert timedelta(hours=1, minutes=59) < left <= timedelta(hours=2)
    later = datetime.now(UTC) + timedelta(hours=2, minutes=1)
    api.container.retention.clock = lambda: later
    deadline = time.monotonic() + 10
    while not _gone(api, me, cid):
        assert time.monotonic() < deadline, "the retention worker did not remove the chat"
        time.sleep(0.2)
