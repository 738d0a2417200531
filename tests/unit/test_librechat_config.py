"""librechat.yaml read as LibreChat reads it: found by CONFIG_PATH or in the working directory,
`${VAR}` expanded, custom endpoints with user-provided keys, LibreChat's interface defaults,
sections of features not built yet reported (never an error), wrong values one line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.config.interface import librechat_interface
from application.settings import SettingsError, load_settings

LIBRECHAT_YAML = """\
version: 1.2.8
cache: true
interface:
  customWelcome: "Welcome to the team chat"
  privacyPolicy: {externalUrl: "https://example.com/privacy", openNewTab: true}
  modelSelect: true
  bookmarks: true
  agents: {use: false, create: false}
  temporaryChatRetention: 48
  someFutureFlag: true
registration:
  socialLogins: [github, google]
fileConfig:
  serverFileSizeLimit: 20
speech:
  tts: {openai: {apiKey: "${TTS_KEY}", model: tts-1, voices: [alloy]}}
mcpServers:
  everything: {command: npx, args: ["-y", "@modelcontextprotocol/server-everything"]}
balance:
  enabled: true
  startBalance: 5000
modelSpecs:
  list:
    - name: quick
      label: Quick answers
      preset: {endpoint: groq, model: llama-3.1-8b-instant}
    - name: hidden
      showInMenu: false
      preset: {endpoint: groq, model: llama-3.1-70b}
endpoints:
  assistants: {disableBuilder: true}
  custom:
    - name: groq
      apiKey: "${GROQ_API_KEY}"
      baseURL: "https://api.groq.com/openai/v1/"
      models:
        default: [llama-3.1-8b-instant, llama-3.1-70b]
        fetch: false
      titleConvo: true
      titleModel: llama-3.1-8b-instant
      modelDisplayLabel: Groq
      iconURL: https://example.com/groq.png
      customParams: {defaultParamsEndpoint: openAI}
      tokenConfig:
        llama-3.1-8b-instant: {prompt: 0.05, completion: 0.08, context: 131072}
    - name: OpenRouter
      apiKey: user_provided
      baseURL: https://openrouter.ai/api/v1
      models: {default: [openrouter/auto], fetch: true}
      dropParams: [stop]
    - name: Mine
      apiKey: user_provided
      baseURL: user_provided
      models: {default: [any-model]}
    - name: Unset
      apiKey: "${NOT_SET_ANYWHERE}"
      baseURL: "http://localhost:1/v1"
      models: {default: [m]}
unknownTopLevel: {x: 1}
"""


@pytest.fixture(autouse=True)
def empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(text: str, name: str = "librechat.yaml") -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_realistic_librechat_yaml_is_read_as_it_is() -> None:
    _write(LIBRECHAT_YAML)
    settings = load_settings({"GROQ_API_KEY": "gsk-123"})
    endpoints = {e.name: e for e in settings.endpoints}
    assert list(endpoints) == ["echo", "groq", "OpenRouter", "Mine", "Unset"]
    groq = endpoints["groq"]
    assert (groq.api_key, groq.base_url) == ("gsk-123", "https://api.groq.com/openai/v1/")
    assert groq.models == ["llama-3.1-8b-instant", "llama-3.1-70b"] and not groq.user_provide
    assert (groq.label, groq.icon_url, groq.title_model) == (
        "Groq",
        "https://example.com/groq.png",
        "llama-3.1-8b-instant",
    )
    assert groq.custom_params == {"defaultParamsEndpoint": "openAI"}
    assert groq.token_config["llama-3.1-8b-instant"]["context"] == 131072
    router, mine = endpoints["OpenRouter"], endpoints["Mine"]
    assert router.user_provide and not router.user_provide_url and router.fetch_models
    assert mine.user_provide and mine.user_provide_url
    assert settings.balance.enabled and settings.balance.start_balance == 5000
    config = settings.librechat
    assert config.path == "librechat.yaml" and config.social_logins == ("github", "google")
    assert config.interface["customWelcome"] == "Welcome to the team chat"
    assert [s["name"] for s in config.model_specs["list"]] == ["quick", "hidden"]


def test_features_not_built_yet_and_unknown_keys_are_reported_not_refused() -> None:
    _write(LIBRECHAT_YAML)
    notices = load_settings({"GROQ_API_KEY": "gsk-123"}).librechat.notices
    text = "\n".join(notices)
    for reported in (
        "speech.tts: accepted; server speech is not served yet",
        "unknownTopLevel: not a LibreChat setting",
        "endpoints.assistants:",
        "interface.someFutureFlag: not a LibreChat setting",
        "${NOT_SET_ANYWHERE} is not set",
    ):
        assert reported in text, reported
    assert not any(n.startswith(("interface:", "endpoints:", "balance:")) for n in notices)
    assert not any(n.startswith(("fileConfig:", "speech:")) for n in notices)  # served


def test_an_unset_variable_stays_as_written_and_secrets_are_never_expanded() -> None:
    _write(
        "endpoints:\n  custom:\n    - name: leak\n      apiKey: ${JWT_SECRET}\n"
        "      baseURL: http://x/v1\n      models: {default: [m]}\n"
    )
    (leak,) = [e for e in load_settings({"JWT_SECRET": "s" * 40}).endpoints if e.kind == "custom"]
    assert leak.api_key == "${JWT_SECRET}"


def test_config_path_names_the_file_and_a_missing_one_stops_the_start() -> None:
    _write("interface:\n  presets: false\n", "deploy/conf.yaml")
    settings = load_settings({"CONFIG_PATH": "deploy/conf.yaml"})
    assert settings.librechat.path == "deploy/conf.yaml"
    assert settings.librechat.interface == {"presets": False}
    with pytest.raises(SettingsError, match="CONFIG_PATH: no such file"):
        load_settings({"CONFIG_PATH": "deploy/missing.yaml"})


def test_chronicle_yaml_replaces_a_whole_section_and_the_environment_wins_over_both() -> None:
    _write(LIBRECHAT_YAML)
    _write("balance:\n  enabled: true\n  startBalance: 7\n", "chronicle.yaml")
    settings = load_settings({"GROQ_API_KEY": "g", "CHRONICLE_BALANCE_REFILL_AMOUNT": "3"})
    balance = settings.balance
    assert (balance.start_balance, balance.refill_amount) == (7, 3)
    assert any(e.name == "groq" for e in settings.endpoints)  # the other sections stay


def test_without_any_file_librechats_defaults_apply() -> None:
    settings = load_settings({})
    assert settings.librechat.path is None and settings.librechat.notices == ()
    built = librechat_interface({}, {})
    assert built["modelSelect"] and built["parameters"] and built["presets"]
    assert built["retentionMode"] == "temporary" and "bookmarks" not in built


def test_model_specs_turn_the_selector_parameters_and_presets_off_unless_configured() -> None:
    specs = {"list": [{"name": "a", "preset": {"endpoint": "echo"}}]}
    built = librechat_interface({}, specs)
    assert (built["modelSelect"], built["parameters"], built["presets"]) == (False, False, False)
    assert librechat_interface({"presets": True}, specs)["presets"] is True
    assert librechat_interface({}, {**specs, "addedEndpoints": ["echo"]})["modelSelect"] is True


WRONG = {
    "interface not a mapping": ("interface: yes\n", "interface"),
    "interface flag": ("interface:\n  presets: maybe\n", "interface.presets"),
    "retention range": ("interface:\n  temporaryChatRetention: 9000\n", "interface.temporary"),
    "agents flags": ("interface:\n  agents: {use: 1}\n", "interface.agents"),
    "spec without endpoint": ("modelSpecs:\n  list:\n    - {name: a, preset: {}}\n", "modelSpecs"),
    "social logins": ("registration:\n  socialLogins: github\n", "registration.socialLogins"),
    "custom without models": (
        "endpoints:\n  custom:\n    - {name: a, apiKey: k, baseURL: 'http://x'}\n",
        "endpoints.custom[0].models",
    ),
    "custom twice": (
        "endpoints:\n  custom:\n"
        "    - {name: a, apiKey: k, baseURL: 'http://x', models: {default: [m]}}\n"
        "    - {name: a, apiKey: k, baseURL: 'http://y', models: {default: [m]}}\n",
        "used twice",
    ),
    "token config": (
        "endpoints:\n  custom:\n    - {name: a, apiKey: k, baseURL: 'http://x',"
        " models: {default: [m]}, tokenConfig: {m: {prompt: cheap}}}\n",
        "tokenConfig",
    ),
    "not yaml": ("interface: [unclosed\n", "not valid YAML"),
}


@pytest.mark.parametrize(("text", "named"), list(WRONG.values()), ids=list(WRONG))
def test_a_wrong_value_stops_the_start_with_one_line_naming_it_and_the_file(
    text: str, named: str
) -> None:
    _write(text)
    with pytest.raises(SettingsError) as raised:
        load_settings({})
    message = str(raised.value)
    assert "\n" not in message and named in message and "librechat.yaml" in message
