"""What LibreChat's client configures itself from, on SQLite and PostgreSQL: `/api/config`
complete and true (served features only), `/api/endpoints` entries from librechat.yaml,
token-config, and models fetched from an OpenAI-compatible provider (the fake one)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from httpx_sse import EventSource

from application.chat.config import load_endpoints
from application.config.librechat import read_config
from tests.e2e.conftest import Api
from tests.fakes.provider_server import running_provider_server

# every key LibreChat's GET /api/config serves a signed-in user (api/server/routes/config.js),
# less those it leaves undefined without their variables (analyticsGtmId, bundlerURL, …)
SIGNED_IN_KEYS = {
    "appTitle", "serverDomain", "emailLoginEnabled", "registrationEnabled",
    "socialLoginEnabled", "discordLoginEnabled", "facebookLoginEnabled", "githubLoginEnabled",
    "googleLoginEnabled", "appleLoginEnabled", "openidLoginEnabled", "openidLabel",
    "openidAutoRedirect", "samlLoginEnabled", "emailEnabled", "passwordResetEnabled",
    "minPasswordLength", "socialLogins", "showBirthdayIcon", "helpAndFaqURL",
    "sharedLinksEnabled", "publicSharedLinksEnabled", "openidReuseTokens",
    "allowAccountDeletion", "sharedLinksSnapshotFilesEnabled", "interface",
    "titleGenerationTiming", "balance", "sharePointFilePickerEnabled",
    "conversationImportMaxFileSize", "langfuseFanoutEnabled", "langfuseConnectionAccess",
    "insightsEnabled", "fileUploadSseEnabled",
}  # fmt: skip
UNSERVED_OFF = ("prompts", "agents", "multiConvo", "runCode", "webSearch")

LIBRECHAT = {
    "interface": {
        "customWelcome": "Hello team",
        "privacyPolicy": {"externalUrl": "https://example.com/p", "openNewTab": True},
        "termsOfService": {"externalUrl": "https://example.com/t", "modalAcceptance": True},
        "agents": {"use": True, "create": True},  # configured on, but not served here
        "bookmarks": False,
        "contextCost": True,
    },
    "registration": {"socialLogins": ["github"]},
    "modelSpecs": {
        "list": [
            {"name": "fast", "label": "Fast", "preset": {"endpoint": "groq", "model": "m-1"}},
            {"name": "secret", "showInMenu": False, "preset": {"endpoint": "groq"}},
        ]
    },
}


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with running_provider_server() as url:
        yield url


def _custom(provider: str) -> list[dict[str, Any]]:
    return [
        {
            "name": "groq",
            "apiKey": "gsk",
            "baseURL": f"{provider}/v1",
            "models": {"default": ["m-1", "gpt-4o"]},
            "iconURL": "https://example.com/groq.png",
            "modelDisplayLabel": "Groq",
            "customParams": {"defaultParamsEndpoint": "openAI"},
            "tokenConfig": {"m-1": {"prompt": 0.5, "completion": 1.5, "context": 8192}},
        },
        {
            "name": "router",
            "apiKey": "user_provided",
            "baseURL": "user_provided",
            "models": {"default": ["auto"]},
        },
        {
            "name": "tuned",
            "apiKey": "${TUNED_KEY}",
            "baseURL": f"{provider}/v1",
            "models": {"default": ["t-1"]},
            "addParams": {"seed": 7, "user": "someone"},
            "dropParams": ["user", "stream_options"],  # usage reporting is kept
        },
        {
            "name": "fetched",
            "apiKey": "k",
            "baseURL": f"{provider}/v1",
            "models": {"default": ["fallback"], "fetch": True},
        },
    ]


@pytest.fixture(params=["sqlite", "distributed"])
def configured(request: pytest.FixtureRequest, api_for: Callable[..., Api], provider: str) -> Api:
    return api_for(
        str(request.param),
        endpoints=load_endpoints({"TUNED_KEY": "sk-env"}, {"custom": _custom(provider)}),
        librechat=read_config(LIBRECHAT, "librechat.yaml"),
    )


def test_signed_in_config_has_every_key_librechat_serves(api: Api) -> None:
    config = api.client.get("/api/config", headers=api.user("all-keys@example.com")).json()
    assert set(config) >= SIGNED_IN_KEYS, SIGNED_IN_KEYS - set(config)
    interface = config["interface"]
    # LibreChat's defaults: the model selector, parameters and the rest of the UI are on
    assert interface["modelSelect"] is True and interface["parameters"] is True
    assert interface["autoSubmitFromUrl"] is True and interface["retentionMode"] == "temporary"
    # features whose routes are not served are off, so the client opens no dead screen
    for key in UNSERVED_OFF:
        assert interface[key] is False, key
    assert "memories" not in interface  # served; LibreChat leaves it unset unless configured
    assert interface["mcpServers"] == dict.fromkeys(("use", "create", "share", "public"), False)
    presets_served = api.client.post("/api/presets", json={}).status_code not in (404, 405)
    assert interface["presets"] is presets_served  # on once POST /api/presets is served
    assert config["socialLogins"] == ["google", "facebook", "openid", "github", "discord",
                                      "saml", "apple"]  # fmt: skip
    assert "modelSpecs" not in config  # none configured, as LibreChat leaves it undefined


def test_config_comes_from_librechat_yaml_with_unserved_features_off(configured: Api) -> None:
    anonymous = configured.client.get("/api/config").json()
    configured_interface = LIBRECHAT["interface"]
    assert anonymous["interface"] == {
        key: configured_interface[key] for key in ("privacyPolicy", "termsOfService")
    }
    assert anonymous["socialLogins"] == ["github"] and "balance" not in anonymous
    me = configured.user("yaml@example.com")
    config = configured.client.get("/api/config", headers=me).json()
    interface = config["interface"]
    assert interface["customWelcome"] == "Hello team" and interface["bookmarks"] is False
    assert interface["agents"] is False  # configured on, not served
    terms_served = configured.client.get("/api/user/terms", headers=me).status_code != 404
    assert interface["termsOfService"]["modalAcceptance"] is terms_served
    # model specs listed: selector, parameters and presets off unless configured
    assert (interface["modelSelect"], interface["parameters"]) == (False, False)
    assert [s["name"] for s in config["modelSpecs"]["list"]] == ["fast"]


def test_endpoints_carry_librechats_fields(configured: Api) -> None:
    me = configured.user("endpoints@example.com")
    endpoints = configured.client.get("/api/endpoints", headers=me).json()
    assert list(endpoints) == ["groq", "router", "tuned", "fetched", "echo"]  # in their order
    assert endpoints["groq"] == {
        "order": 10,
        "type": "custom",
        "userProvide": False,
        "userProvideURL": False,
        "modelDisplayLabel": "Groq",
        "iconURL": "https://example.com/groq.png",
        "customParams": {"defaultParamsEndpoint": "openAI"},
    }
    assert endpoints["router"]["userProvide"] and endpoints["router"]["userProvideURL"]
    assert configured.client.get("/api/endpoints").status_code == 401


def test_models_are_fetched_when_configured_and_token_config_follows(configured: Api) -> None:
    me = configured.user("models@example.com")
    models = configured.client.get("/api/models", headers=me).json()
    assert models["fetched"] == ["fake-a", "fake-b"] and models["groq"] == ["m-1", "gpt-4o"]
    tokens = configured.client.get("/api/endpoints/token-config", headers=me).json()
    assert set(tokens) == set(models)
    # tokenConfig wins; `interface.contextCost: true` adds the rates (USD per 1M tokens)
    assert tokens["groq"]["m-1"] == {"context": 8192, "prompt": 0.5, "completion": 1.5}
    # a known model: LibreChat's context window (maxTokensMap) and its rates
    assert tokens["groq"]["gpt-4o"]["context"] == 127500
    assert set(tokens["groq"]["gpt-4o"]) >= {"prompt", "completion"}
    assert set(tokens["fetched"]) == {"fake-a", "fake-b"}
    assert configured.client.get("/api/endpoints/token-config").status_code == 401


def test_a_fetched_model_can_be_chatted_with(configured: Api) -> None:
    me = configured.user("fetched-chat@example.com")
    configured.client.get("/api/models", headers=me)
    started = configured.client.post(
        "/api/agents/chat/fetched",
        headers=me,
        json={"text": "hi", "conversationId": None, "model": "fake-b",
              "parentMessageId": "00000000-0000-0000-0000-000000000000"},
    )  # fmt: skip
    assert started.status_code == 200, started.text


def test_token_config_without_pricing_has_windows_only(api: Api) -> None:
    me = api.user("tokens@example.com")
    # echo is no model LibreChat knows: an entry without a window, as LibreChat answers
    assert api.client.get("/api/endpoints/token-config", headers=me).json() == {
        "echo": {"echo": {}}
    }


def _answer(api: Api, me: dict[str, str], endpoint: str, text: str, **extra: Any) -> str:
    started = api.client.post(
        f"/api/agents/chat/{endpoint}",
        headers=me,
        json={"text": text, "conversationId": None, **extra,
              "parentMessageId": "00000000-0000-0000-0000-000000000000"},
    )  # fmt: skip
    assert started.status_code == 200, started.text
    path = f"/api/agents/chat/stream/{started.json()['streamId']}"
    with api.client.stream("GET", path, headers=me) as stream:
        frames = [sse.json() for sse in EventSource(stream).iter_sse()]
    return str(frames[-1]["responseMessage"]["text"])


def test_custom_endpoint_options_reach_the_provider(configured: Api) -> None:
    me = configured.user("tuned@example.com")
    text = _answer(configured, me, "tuned", "hi [[key]] [[params]]")
    # ${TUNED_KEY} was read from the environment; addParams added, dropParams dropped
    assert "key=sk-env" in text
    assert text.endswith("params=messages,model,seed,stream,stream_options")
