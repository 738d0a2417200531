"""Favorites, preferences, terms and plugins on the account, as LibreChat's client uses them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api

FAVORITES = "/api/user/settings/favorites"


def test_favorites_round_trip_and_show_on_the_user(api: Api) -> None:
    headers = api.user("fav@example.com")
    assert api.client.get(FAVORITES, headers=headers).json() == []
    favorites = [{"model": "gpt-4o", "endpoint": "openAI"}, {"agentId": "agent_1"}, {"spec": "s"}]
    saved = api.client.post(FAVORITES, json={"favorites": favorites}, headers=headers)
    assert saved.status_code == 200
    assert saved.json() == favorites
    assert api.client.get(FAVORITES, headers=headers).json() == favorites
    assert api.client.get("/api/user", headers=headers).json()["favorites"] == favorites


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Favorites data is required"),
        ({"favorites": {"model": "x"}}, "Favorites must be an array"),
        ({"favorites": [{"model": "x"}]}, "model and endpoint must be provided together"),
        ({"favorites": [{}]}, "Each favorite must have either agentId, model+endpoint, or spec"),
        (
            {"favorites": [{"agentId": "a", "spec": "s"}]},
            "Favorite cannot have multiple types (agentId, model/endpoint, or spec)",
        ),
        ({"favorites": [{"agentId": "a" * 257}]}, "agentId exceeds maximum length of 256"),
        ({"favorites": [{"agentId": 5}]}, "agentId must be a string"),
        ({"favorites": ["gpt"]}, "Each favorite must have either agentId, model+endpoint, or spec"),
    ],
)
def test_bad_favorites_answer_400_and_change_nothing(
    api: Api, body: dict[str, Any], message: str
) -> None:
    headers = api.user("badfav@example.com")
    before = api.events()
    response = api.client.post(FAVORITES, json=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["message"] == message
    assert api.events() == before


def test_more_than_fifty_favorites_answer_librechats_code(api: Api) -> None:
    headers = api.user("many@example.com")
    response = api.client.post(
        FAVORITES, json={"favorites": [{"agentId": f"a{i}"} for i in range(51)]}, headers=headers
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "MAX_FAVORITES_EXCEEDED",
        "message": "Maximum 50 favorites allowed",
        "limit": 50,
    }


def test_favorites_are_per_user(api: Api) -> None:
    alice, bob = api.user("alice-f@example.com"), api.user("bob-f@example.com")
    api.client.post(FAVORITES, json={"favorites": [{"agentId": "mine"}]}, headers=alice)
    assert api.client.get(FAVORITES, headers=bob).json() == []


def test_terms_are_accepted_once_and_keep_their_first_time(api: Api) -> None:
    headers = api.user("terms@example.com")
    status = api.client.get("/api/user/terms", headers=headers).json()
    assert status == {"termsAccepted": False, "termsAcceptedAt": None}
    first = api.client.post("/api/user/terms/accept", headers=headers)
    assert first.status_code == 200
    assert first.json()["message"] == "Terms accepted successfully"
    accepted_at = first.json()["termsAcceptedAt"]
    assert accepted_at.endswith("Z")
    before = api.events()
    again = api.client.post("/api/user/terms/accept", headers=headers).json()
    assert again["termsAcceptedAt"] == accepted_at
    assert api.events() == before
    status = api.client.get("/api/user/terms", headers=headers).json()
    assert status == {"termsAccepted": True, "termsAcceptedAt": accepted_at}
    user = api.client.get("/api/user", headers=headers).json()
    assert user["termsAccepted"] is True


def test_preferences_set_the_code_environment(api: Api) -> None:
    headers = api.user("prefs@example.com")
    body = {"statefulCodeEnvironment": "conversation"}
    response = api.client.patch("/api/user/preferences", json=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"updated": True, "preferences": body}
    personalization = api.client.get("/api/user", headers=headers).json()["personalization"]
    assert personalization["statefulCodeEnvironment"] == "conversation"


@pytest.mark.parametrize("value", ["nowhere", 3, None])
def test_unknown_code_environment_answers_400(api: Api, value: object) -> None:
    headers = api.user("badprefs@example.com")
    before = api.events()
    response = api.client.patch(
        "/api/user/preferences", json={"statefulCodeEnvironment": value}, headers=headers
    )
    assert response.status_code == 400
    assert response.json()["message"] == (
        "statefulCodeEnvironment must be one of: user, agent-user, conversation"
    )
    assert api.events() == before


def test_plugins_install_and_uninstall_show_on_the_user(api: Api) -> None:
    headers = api.user("plugins@example.com")
    install = {"pluginKey": "dalle", "action": "install", "auth": {"DALLE_API_KEY": "sk-1"}}
    response = api.client.post("/api/user/plugins", json=install, headers=headers)
    assert response.status_code == 200
    assert api.client.get("/api/user", headers=headers).json()["plugins"] == ["dalle"]
    again = api.client.post("/api/user/plugins", json=install, headers=headers)
    assert again.status_code == 200
    assert api.client.get("/api/user", headers=headers).json()["plugins"] == ["dalle"]
    uninstall = {"pluginKey": "dalle", "action": "uninstall", "auth": {}}
    assert api.client.post("/api/user/plugins", json=uninstall, headers=headers).status_code == 200
    assert api.client.get("/api/user", headers=headers).json()["plugins"] == []


def test_entity_tool_credentials_do_not_list_the_plugin(api: Api) -> None:
    headers = api.user("entity@example.com")
    body = {"pluginKey": "web", "action": "install", "auth": {"K": "v"}, "isEntityTool": True}
    assert api.client.post("/api/user/plugins", json=body, headers=headers).status_code == 200
    assert api.client.get("/api/user", headers=headers).json()["plugins"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"action": "install"},
        {"pluginKey": 7, "action": "install"},
        {"pluginKey": "x", "action": "install", "auth": {"K": 5}},
        {"pluginKey": "x", "action": "install", "auth": "key"},
    ],
)
def test_bad_plugin_bodies_answer_400_and_change_nothing(api: Api, body: dict[str, Any]) -> None:
    headers = api.user("badplugins@example.com")
    before = api.events()
    response = api.client.post("/api/user/plugins", json=body, headers=headers)
    assert response.status_code == 400, response.text
    assert "message" in response.json()
    assert api.events() == before


def test_settings_routes_need_a_token(api: Api) -> None:
    for method, path in [
        ("get", FAVORITES),
        ("get", "/api/user/terms"),
        ("post", "/api/user/terms/accept"),
    ]:
        assert getattr(api.client, method)(path).status_code == 401
