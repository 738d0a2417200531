"""Presets: LibreChat's save (merge, move, default), list order and delete, per user."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api


def _save(api: Api, headers: dict[str, str], **body: Any) -> Any:
    return api.client.post("/api/presets", json=body, headers=headers)


def _list(api: Api, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = api.client.get("/api/presets", headers=headers)
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


def test_a_saved_preset_is_listed_with_librechats_fields(api: Api) -> None:
    headers = api.user("presets@example.com")
    saved = _save(
        api,
        headers,
        title="Poet",
        endpoint="openAI",
        model="gpt-4o",
        temperature=0.7,
        promptPrefix="Answer in verse",
        tools=["dalle", {"pluginKey": "wolfram"}, 5],
        unknownField="dropped",
    )
    assert saved.status_code == 201
    preset = saved.json()
    assert preset["presetId"]
    assert preset["title"] == "Poet"
    assert preset["tools"] == ["dalle", "wolfram"]
    assert "unknownField" not in preset
    assert preset["createdAt"].endswith("Z")
    [listed] = _list(api, headers)
    assert listed["presetId"] == preset["presetId"]
    assert listed["temperature"] == 0.7
    assert listed["promptPrefix"] == "Answer in verse"


def test_a_save_merges_into_the_stored_preset_and_can_move_it(api: Api) -> None:
    headers = api.user("merge@example.com")
    _save(api, headers, presetId="p1", title="One", model="gpt-4o", temperature=1)
    merged = _save(api, headers, presetId="p1", temperature=0.2).json()
    assert (merged["title"], merged["model"], merged["temperature"]) == ("One", "gpt-4o", 0.2)
    moved = _save(api, headers, presetId="p1", newPresetId="p2", title="Two").json()
    assert moved["presetId"] == "p2"
    assert [p["presetId"] for p in _list(api, headers)] == ["p2"]


def test_one_default_preset_at_a_time_listed_first(api: Api) -> None:
    headers = api.user("default@example.com")
    _save(api, headers, presetId="a", title="A")
    _save(api, headers, presetId="b", title="B", defaultPreset=True)
    listed = _list(api, headers)
    assert listed[0]["presetId"] == "b"
    assert (listed[0]["defaultPreset"], listed[0]["order"]) == (True, 0)
    _save(api, headers, presetId="a", defaultPreset=True)
    by_id = {p["presetId"]: p for p in _list(api, headers)}
    assert by_id["a"]["defaultPreset"] is True
    assert "defaultPreset" not in by_id["b"] and "order" not in by_id["b"]
    _save(api, headers, presetId="a", defaultPreset=False)
    assert all("defaultPreset" not in p for p in _list(api, headers))


def test_delete_one_then_all(api: Api) -> None:
    headers = api.user("delete@example.com")
    for preset_id in ("x", "y", "z"):
        _save(api, headers, presetId=preset_id, title=preset_id)
    one = api.client.post("/api/presets/delete", json={"presetId": "x"}, headers=headers)
    assert one.status_code == 201
    assert one.json() == {"acknowledged": True, "deletedCount": 1}
    everything = api.client.post("/api/presets/delete", headers=headers)  # no body: all
    assert everything.status_code == 201
    assert everything.json()["deletedCount"] == 2
    assert _list(api, headers) == []


def test_another_users_preset_id_is_theirs_alone(api: Api) -> None:
    alice, bob = api.user("alice-p@example.com"), api.user("bob-p@example.com")
    _save(api, alice, presetId="shared-id", title="Alice's")
    _save(api, bob, presetId="shared-id", title="Bob's")
    gone = api.client.post("/api/presets/delete", json={"presetId": "shared-id"}, headers=bob)
    assert gone.json()["deletedCount"] == 1
    assert [p["title"] for p in _list(api, alice)] == ["Alice's"]
    assert _list(api, bob) == []


@pytest.mark.parametrize(
    "body",
    [
        {"title": 5},
        {"temperature": "hot"},
        {"endpoint": "e" * 101},
        {"presetId": "p" * 257},
        {"stop": [1, 2]},
        {"resendFiles": "yes"},
        {"tools": "dalle"},
    ],
)
def test_bad_presets_answer_400_and_change_nothing(api: Api, body: dict[str, Any]) -> None:
    headers = api.user("badpreset@example.com")
    before = api.events("conversations")
    response = api.client.post("/api/presets", json=body, headers=headers)
    assert response.status_code == 400, response.text
    assert "message" in response.json()
    assert api.events("conversations") == before
    assert _list(api, headers) == []


def test_presets_need_a_token(api: Api) -> None:
    assert api.client.get("/api/presets").status_code == 401
    assert api.client.post("/api/presets", json={}).status_code == 401
