"""/api/memories as LibreChat serves it: per-user entries with its limits and words, the
on/off preference, and memories reaching the model's system prompt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from application.chat.catalog import Endpoint
from domain.memories.memory_book import MemoryBook
from domain.memories.rules import book_id
from domain.shared.events import REDACTED
from infrastructure.chat.openai import OpenAIModel
from projections.memories.queries import user_memories
from tests.e2e.conftest import Api
from tests.fakes import provider_server
from tests.fakes.provider_server import running_provider_server

ROOT = "00000000-0000-0000-0000-000000000000"


def _create(api: Api, me: dict[str, str], key: Any, value: Any) -> Any:
    return api.client.post("/api/memories", headers=me, json={"key": key, "value": value})


def test_create_list_rename_and_delete(api: Api) -> None:
    me = api.user("rememberer@example.com")
    empty = api.client.get("/api/memories", headers=me).json()
    assert empty == {
        "memories": [],
        "totalTokens": 0,
        "tokenLimit": None,
        "charLimit": 10000,
        "usagePercentage": None,
    }
    made = _create(api, me, "  favourite_food ", "  ramen  ")
    assert made.status_code == 201, made.text
    assert made.json()["created"] is True
    memory = made.json()["memory"]
    assert (memory["key"], memory["value"]) == ("favourite_food", "ramen")
    assert memory["tokenCount"] > 0 and memory["updated_at"].endswith("Z")
    assert _create(api, me, "pet_name", "Biscuit").status_code == 201
    listed = api.client.get("/api/memories", headers=me).json()
    assert [m["key"] for m in listed["memories"]] == ["pet_name", "favourite_food"]  # newest first
    assert listed["totalTokens"] == sum(m["tokenCount"] for m in listed["memories"])
    renamed = api.client.patch(
        "/api/memories/favourite_food", headers=me, json={"key": "lunch", "value": "udon"}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["updated"] is True and renamed.json()["memory"]["key"] == "lunch"
    same = api.client.patch("/api/memories/lunch", headers=me, json={"value": "soba"})
    assert same.json()["memory"]["value"] == "soba"
    listed = api.client.get("/api/memories", headers=me).json()["memories"]
    assert sorted((m["key"], m["value"]) for m in listed) == [
        ("lunch", "soba"),
        ("pet_name", "Biscuit"),
    ]
    assert api.client.delete("/api/memories/pet_name", headers=me).json() == {"deleted": True}
    assert [m["key"] for m in api.client.get("/api/memories", headers=me).json()["memories"]] == [
        "lunch"
    ]
    other = api.user("stranger@example.com")
    assert api.client.get("/api/memories", headers=other).json()["memories"] == []
    assert api.client.delete("/api/memories/lunch", headers=other).status_code == 404
    assert _create(api, other, "lunch", "theirs").status_code == 201  # keys are per user
    assert api.client.get("/api/memories", headers=me).json()["memories"][0]["value"] == "soba"


def test_bad_input_answers_librechats_errors_and_records_nothing(api: Api) -> None:
    me = api.user("careful@example.com")
    assert _create(api, me, "taken", "x").status_code == 201
    head = api.events("memories")
    cases: list[tuple[str, str, Any, int, str]] = [
        ("post", "/api/memories", {"value": "v"}, 400, "Key is required"),
        ("post", "/api/memories", {"key": 5, "value": "v"}, 400, "Key is required"),
        ("post", "/api/memories", {"key": "  ", "value": "v"}, 400, "Key is required"),
        ("post", "/api/memories", {"key": "k", "value": ""}, 400, "Value is required"),
        ("post", "/api/memories", {"key": "k", "value": ["v"]}, 400, "Value is required"),
        ("post", "/api/memories", {"key": "k" * 1001, "value": "v"}, 400, "Key exceeds maximum"),
        ("post", "/api/memories", {"key": "k", "value": "v" * 10001}, 400, "Value exceeds max"),
        ("post", "/api/memories", {"key": "Bad-Key", "value": "v"}, 400, "Key must only"),
        ("post", "/api/memories", {"key": "nothing", "value": "v"}, 400, "Failed to create"),
        ("post", "/api/memories", {"key": "k", "value": "v\x00"}, 400, ""),
        ("post", "/api/memories", {"key": "taken", "value": "v"}, 409, "Memory with this key"),
        ("patch", "/api/memories/absent", {"value": "v"}, 404, "Memory not found."),
        ("patch", "/api/memories/taken", {"value": "  "}, 400, "Value is required"),
        ("patch", "/api/memories/taken", {"key": "Bad", "value": "v"}, 400, "Key must only"),
        ("patch", "/api/memories/taken", {"key": 7, "value": "v"}, 400, "Key must only"),
        ("patch", "/api/memories/taken", {"value": "v" * 10001}, 400, "Value exceeds max"),
        ("patch", "/api/memories/preferences", {"memories": "yes"}, 400, "memories must be"),
        ("patch", "/api/memories/preferences", {}, 400, "memories must be a boolean value."),
        ("delete", "/api/memories/absent", None, 404, "Memory not found."),
    ]
    for method, url, body, status, error in cases:
        sent = api.client.request(method, url, headers=me, json=body)
        assert sent.status_code == status, (url, body, sent.text)
        assert sent.json()["error"].startswith(error), (url, body, sent.json())
    huge = {"key": "big", "value": "v" * (101 * 1024)}
    assert api.client.post("/api/memories", headers=me, json=huge).status_code == 413
    assert api.events("memories") == head


def test_token_limit_is_enforced_and_reported(api_for: Callable[..., Api]) -> None:
    api = api_for("sqlite", memory_token_limit=10, memory_char_limit=100)
    me = api.user("limited@example.com")
    first = "The user lives in Lyon"  # o200k_base: 5 tokens, as LibreChat counts them
    made = _create(api, me, "first", first)
    assert made.status_code == 201 and made.json()["memory"]["tokenCount"] == 5
    refused = _create(api, me, "second", "and works as a chemical engineer")
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        "Adding this memory would exceed the token limit of 10. Current usage: 5 tokens."
    )
    assert (
        _create(api, me, "third", "c" * 101)
        .json()["error"]
        .startswith("Value exceeds maximum length of 100 characters.")
    )
    listed = api.client.get("/api/memories", headers=me).json()
    assert (listed["tokenLimit"], listed["charLimit"], listed["usagePercentage"]) == (10, 100, 50)


def _openai(api: Api, url: str) -> None:
    api.container.chat.catalog.add(
        Endpoint("openAI", OpenAIModel("sk-test", f"{url}/v1", timeout=5), ["gpt-4o"])
    )


def _turn(api: Api, me: dict[str, str], text: str) -> str:
    body = {"text": text, "conversationId": None, "parentMessageId": ROOT, "model": "gpt-4o"}
    started = api.client.post("/api/agents/chat/openAI", headers=me, json=body)
    assert started.status_code == 200, started.text
    with api.client.stream(
        "GET", f"/api/agents/chat/stream/{started.json()['streamId']}", headers=me
    ) as stream:
        stream.read()
    for payload in reversed(provider_server.RECEIVED):
        if payload["messages"][-1]["content"] == text:
            system = [m["content"] for m in payload["messages"] if m["role"] == "system"]
            return "\n".join(system)
    raise AssertionError("the provider never received the turn")


@pytest.mark.parametrize("mode", ["sqlite", "distributed"])
def test_memories_reach_the_model_while_on(api_for: Callable[..., Api], mode: str) -> None:
    api = api_for(mode)
    me = api.user("remembered@example.com")
    other = api.user("forgotten@example.com")
    assert _create(api, me, "diet", "The user is vegetarian").status_code == 201
    assert _create(api, other, "diet", "The user eats only fish").status_code == 201
    with running_provider_server() as url:
        _openai(api, url)
        system = _turn(api, me, "what should I cook")
        assert "# Existing memory about the user:\n1. [" in system
        assert "]. The user is vegetarian" in system and "fish" not in system
        off = api.client.patch("/api/memories/preferences", headers=me, json={"memories": False})
        assert off.json() == {"updated": True, "preferences": {"memories": False}}
        assert api.client.get("/api/user", headers=me).json()["personalization"] == {
            "memories": False
        }
        assert "vegetarian" not in _turn(api, me, "and now")
    assert api.client.get("/api/user", headers=other).json()["personalization"] == {
        "memories": True
    }


def test_memory_disabled_keeps_them_from_the_model(api_for: Callable[..., Api]) -> None:
    api = api_for("sqlite", memory_disabled=True)
    me = api.user("disabled@example.com")
    assert _create(api, me, "diet", "The user is vegetarian").status_code == 201
    with running_provider_server() as url:
        _openai(api, url)
        assert "vegetarian" not in _turn(api, me, "what should I cook")


def test_the_roles_permissions_decide_as_librechat(api: Api) -> None:
    admin = api.user("memory-admin@example.com")  # the first account is the admin
    me = api.user("roles-memories@example.com")
    role = api.client.get("/api/roles/USER", headers=me).json()
    assert role["permissions"]["MEMORIES"]["USE"] is True
    assert _create(api, me, "kept", "a fact").status_code == 201
    changed = api.client.put("/api/roles/USER/memories", headers=admin, json={"CREATE": False})
    assert changed.status_code == 200, changed.text
    head = api.events("memories")
    refused = _create(api, me, "more", "another fact")
    assert refused.status_code == 403
    assert refused.json() == {"message": "Forbidden: Insufficient permissions"}
    assert api.events("memories") == head
    assert api.client.get("/api/memories", headers=me).status_code == 200  # READ still granted
    assert _create(api, admin, "mine", "the admin's").status_code == 201  # ADMIN unchanged
    api.client.put("/api/roles/USER/memories", headers=admin, json={"USE": False})
    for method, url, body in (
        ("get", "/api/memories", None),
        ("patch", "/api/memories/kept", {"value": "x"}),
        ("delete", "/api/memories/kept", None),
        ("patch", "/api/memories/preferences", {"memories": False}),
    ):
        assert api.client.request(method, url, headers=me, json=body).status_code == 403, url
    assert not api.container.memories.context(
        UUID(api.client.get("/api/user", headers=me).json()["id"])
    )  # no USE: the memory stays out of the model's context


def test_deleting_the_account_drops_and_shreds_its_memories(api: Api) -> None:
    me = api.user("leaving@example.com")
    assert _create(api, me, "secret", "The user hides gold under the floor").status_code == 201
    user_id = api.client.get("/api/user", headers=me).json()["id"]
    assert api.client.delete("/api/user/delete", headers=me).status_code == 200
    uid = UUID(user_id)
    api.container.consistency.wait_for_head(["memories"])
    with api.container.reads.connect() as conn:
        assert user_memories(conn, uid) == []
    book = api.container.stores["memories"].load(MemoryBook, book_id(uid))
    assert {m.value for m in book.entries.values()} == {REDACTED}


def test_config_interface_turns_memories_off_when_disabled(api_for: Callable[..., Api]) -> None:
    api = api_for("sqlite", memory_disabled=True)
    config = api.client.get("/api/config", headers=api.user("cfg@example.com")).json()
    assert config["interface"]["memories"] is False
