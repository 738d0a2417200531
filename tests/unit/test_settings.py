"""Settings: embedded by default, environment over chronicle.yaml, one-line errors that
name the setting, and LibreChat's own variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.settings import SettingsError, load_settings

ACCESS = "a" * 32
REFRESH = "r" * 32
DISTRIBUTED = {
    "CHRONICLE_DATABASE_URL": "postgresql://chronicle@db:5432/chronicle",
    "JWT_SECRET": ACCESS,
    "JWT_REFRESH_SECRET": REFRESH,
    "CHRONICLE_MASTER_KEY": "m" * 32,
}


@pytest.fixture(autouse=True)
def empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No chronicle.yaml unless a test writes one (it is looked up in the working directory)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _yaml(text: str, name: str = "chronicle.yaml") -> Path:
    path = Path(name)
    path.write_text(text)
    return path


def _without(name: str) -> dict[str, str]:
    return {k: v for k, v in DISTRIBUTED.items() if k != name}


def test_no_settings_at_all_means_the_embedded_mode() -> None:
    settings = load_settings({})
    assert settings.mode == "embedded"
    assert (settings.database_url, settings.data_dir, settings.port) == ("", "var", 3080)


def test_a_postgresql_url_with_its_secrets_means_the_distributed_mode() -> None:
    assert load_settings(DISTRIBUTED).mode == "distributed"


@pytest.mark.parametrize("located_by", ["working directory", "CHRONICLE_CONFIG"])
def test_the_environment_beats_chronicle_yaml(located_by: str) -> None:
    # Given a chronicle.yaml (found by default, or named by CHRONICLE_CONFIG) and an environment
    name = "chronicle.yaml" if located_by == "working directory" else "conf/custom.yaml"
    Path(name).parent.mkdir(exist_ok=True)
    _yaml("settings:\n  port: 4000\n  app_title: From YAML\n  log_level: DEBUG\n", name)
    environ = {"CHRONICLE_PORT": "5000", "CHRONICLE_LOG_LEVEL": ""}
    if located_by == "CHRONICLE_CONFIG":
        environ["CHRONICLE_CONFIG"] = name
    # When the settings are loaded
    settings = load_settings(environ)
    # Then a set variable wins, and the file fills in the rest (an empty variable is unset)
    assert settings.port == 5000
    assert (settings.app_title, settings.log_level) == ("From YAML", "DEBUG")


def test_librechat_variable_names_and_values_are_accepted() -> None:
    # Given lines copied from LibreChat's .env.example (durations are JS expressions there)
    librechat_env = {
        "JWT_SECRET": ACCESS,
        "JWT_REFRESH_SECRET": REFRESH,
        "SESSION_EXPIRY": "1000 * 60 * 15",
        "REFRESH_TOKEN_EXPIRY": "(1000 * 60 * 60 * 24) * 7",
        "ALLOW_REGISTRATION": "false",
        "ALLOW_EMAIL_LOGIN": "true",
        "MIN_PASSWORD_LENGTH": "12",
        "APP_TITLE": "Team Chat",
        "DOMAIN_CLIENT": "https://chat.example.com",
    }
    # When they are loaded
    settings = load_settings(librechat_env)
    # Then each reaches its setting
    assert (settings.jwt_secret, settings.jwt_refresh_secret) == (ACCESS, REFRESH)
    assert settings.session_expiry_ms == 15 * 60 * 1000
    assert settings.refresh_token_expiry_ms == 7 * 24 * 60 * 60 * 1000
    assert settings.allow_registration is False and settings.allow_email_login is True
    assert settings.min_password_length == 12
    assert (settings.app_title, settings.domain_client) == ("Team Chat", "https://chat.example.com")
    assert load_settings({"SESSION_EXPIRY": "60000"}).session_expiry_ms == 60_000


def test_librechat_limit_and_ban_variables_are_accepted() -> None:
    # Given LibreChat's limiter lines from its .env.example, and a fractional window
    librechat_env = {
        "BAN_VIOLATIONS": "true",
        "BAN_DURATION": "1000 * 60 * 60 * 2",
        "BAN_INTERVAL": "20",
        "LOGIN_MAX": "7",
        "LOGIN_WINDOW": "5",
        "REGISTER_MAX": "5",
        "LIMIT_CONCURRENT_MESSAGES": "true",
        "CONCURRENT_MESSAGE_MAX": "2",
        "LIMIT_MESSAGE_IP": "true",
        "MESSAGE_IP_WINDOW": "0.5",
        "IMPORT_VIOLATION_SCORE": "0",
    }
    # When they are loaded
    settings = load_settings(librechat_env)
    # Then each reaches its setting
    assert (settings.ban_violations, settings.ban_interval) == (True, 20)
    assert settings.ban_duration_ms == 2 * 60 * 60 * 1000
    assert (settings.login_max, settings.login_window, settings.register_max) == (7, 5, 5)
    assert settings.limit_concurrent_messages and settings.concurrent_message_max == 2
    assert settings.limit_message_ip and settings.message_ip_window == 0.5
    assert settings.import_violation_score == 0


WRONG_ENVIRONMENT = {
    "negative limit": ({"LOGIN_MAX": "-1"}, "LOGIN_MAX"),
    "ban interval zero": ({"BAN_INTERVAL": "0"}, "BAN_INTERVAL"),
    "ban duration not a product": ({"BAN_DURATION": "2 hours"}, "BAN_DURATION"),
    "port out of range": ({"CHRONICLE_PORT": "70000"}, "CHRONICLE_PORT"),
    "port zero": ({"CHRONICLE_PORT": "0"}, "CHRONICLE_PORT"),
    "port not a number": ({"CHRONICLE_PORT": "http"}, "CHRONICLE_PORT"),
    "mysql database url": ({"CHRONICLE_DATABASE_URL": "mysql://db/app"}, "CHRONICLE_DATABASE_URL"),
    "sqlite database url": ({"CHRONICLE_DATABASE_URL": "sqlite:///x.db"}, "CHRONICLE_DATABASE_URL"),
    "http redis url": ({"CHRONICLE_REDIS_URL": "http://redis:6379"}, "CHRONICLE_REDIS_URL"),
    "short jwt secret": ({"JWT_SECRET": "x" * 31}, "JWT_SECRET"),
    "short refresh secret": ({"JWT_REFRESH_SECRET": "short"}, "JWT_REFRESH_SECRET"),
    "distributed without jwt secret": (_without("JWT_SECRET"), "JWT_SECRET"),
    "distributed without refresh secret": (_without("JWT_REFRESH_SECRET"), "JWT_REFRESH_SECRET"),
    "distributed without master key": (_without("CHRONICLE_MASTER_KEY"), "CHRONICLE_MASTER_KEY"),
    "master key a short passphrase": (
        {**DISTRIBUTED, "CHRONICLE_MASTER_KEY": "correct horse battery"},
        "CHRONICLE_MASTER_KEY",
    ),
    "threads not a number": ({"CHRONICLE_WORKER_THREADS": "many"}, "CHRONICLE_WORKER_THREADS"),
    "timeout not a number": (
        {"CHRONICLE_READ_YOUR_WRITES_TIMEOUT": "soon"},
        "CHRONICLE_READ_YOUR_WRITES_TIMEOUT",
    ),
    "boolean not a boolean": ({"ALLOW_REGISTRATION": "maybe"}, "ALLOW_REGISTRATION"),
    "expiry not a product": ({"SESSION_EXPIRY": "1000 * sixty"}, "SESSION_EXPIRY"),
    "expiry too short": ({"SESSION_EXPIRY": "10"}, "SESSION_EXPIRY"),
    "password length zero": ({"MIN_PASSWORD_LENGTH": "0"}, "MIN_PASSWORD_LENGTH"),
    "unknown log level": ({"CHRONICLE_LOG_LEVEL": "LOUD"}, "CHRONICLE_LOG_LEVEL"),
    "missing config file": ({"CHRONICLE_CONFIG": "nowhere.yaml"}, "CHRONICLE_CONFIG"),
    "refresh grace over a minute": (
        {"CHRONICLE_REFRESH_REUSE_GRACE": "3600"},
        "CHRONICLE_REFRESH_REUSE_GRACE",
    ),
}


@pytest.mark.parametrize(
    ("environ", "name"), list(WRONG_ENVIRONMENT.values()), ids=list(WRONG_ENVIRONMENT)
)
def test_a_wrong_variable_is_one_line_naming_it(environ: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)
    _assert_one_line_naming(str(raised.value), name)


WRONG_YAML = {
    "unknown key": ("settings:\n  colour: blue\n", "colour"),
    "invalid yaml": ("settings:\n  port: [3080\n  host: x\n", "chronicle.yaml"),
    "tab indentation": ("settings:\n\tport: 1\n", "chronicle.yaml"),
    "not a mapping": ("- port\n", "chronicle.yaml"),
    "settings not a mapping": ("settings: 5\n", "settings"),
    "settings a list": ("settings:\n  - port\n", "settings"),
    "port a list": ("settings:\n  port: [1, 2]\n", "CHRONICLE_PORT"),
    "port a word": ("settings:\n  port: eighty\n", "CHRONICLE_PORT"),
    "flag a number": ("settings:\n  log_json: 3\n", "CHRONICLE_LOG_JSON"),
    "directory a number": ("settings:\n  data_dir: 3\n", "CHRONICLE_DATA_DIR"),
    "bad database url": ("settings:\n  database_url: mongodb://x\n", "CHRONICLE_DATABASE_URL"),
}


@pytest.mark.parametrize(("text", "name"), list(WRONG_YAML.values()), ids=list(WRONG_YAML))
def test_a_wrong_chronicle_yaml_is_one_line_naming_the_setting(text: str, name: str) -> None:
    _yaml(text)
    with pytest.raises(SettingsError) as raised:
        load_settings({})
    _assert_one_line_naming(str(raised.value), name)


def _assert_one_line_naming(message: str, name: str) -> None:
    assert message.startswith(f"{name}: "), message
    assert "\n" not in message and len(message) > len(name) + 2, message


# Model endpoints are settings too: read once from LibreChat's variables and chronicle.yaml.
PROVIDERS = {
    "OPENAI_API_KEY": "sk-openai",
    "OPENAI_MODELS": "gpt-x, gpt-y",
    "OPENAI_REVERSE_PROXY": "http://proxy.local/v1",
    "ANTHROPIC_API_KEY": "sk-anthropic",
}


def test_model_endpoints_come_from_librechat_provider_variables() -> None:
    endpoints = {e.name: e for e in load_settings(PROVIDERS).endpoints}
    assert set(endpoints) == {"echo", "openAI", "anthropic"}
    assert endpoints["openAI"].models == ["gpt-x", "gpt-y"]
    assert endpoints["openAI"].api_key == "sk-openai"
    assert endpoints["openAI"].base_url == "http://proxy.local/v1"
    assert endpoints["anthropic"].models == ["claude-sonnet-4-5", "claude-haiku-4-5"]
    assert endpoints["anthropic"].base_url is None


def test_only_the_echo_endpoint_without_provider_variables() -> None:
    assert [e.name for e in load_settings({}).endpoints] == ["echo"]


def test_custom_endpoints_come_from_chronicle_yaml_with_variables_expanded() -> None:
    _yaml(
        "endpoints:\n  custom:\n    - name: Ollama\n      apiKey: ${OLLAMA_KEY}\n"
        "      baseURL: http://127.0.0.1:11434/v1\n      models: {default: [llama3.1]}\n"
    )
    (custom,) = [e for e in load_settings({"OLLAMA_KEY": "k-1"}).endpoints if e.kind == "custom"]
    # LibreChat normalizes any casing of Ollama to `ollama`
    assert (custom.name, custom.api_key, custom.models) == ("ollama", "k-1", ["llama3.1"])
    assert custom.base_url == "http://127.0.0.1:11434/v1"


WRONG_ENDPOINTS = {
    "no baseURL": (
        "endpoints:\n  custom:\n    - {name: X, models: {default: [m]}}\n",
        "endpoints.custom[0]",
    ),
    "no models": (
        "endpoints:\n  custom:\n    - {name: X, baseURL: 'http://x'}\n",
        "endpoints.custom[0].models.default",
    ),
    "not a mapping": ("endpoints: 5\n", "endpoints"),
    "under settings": ("settings:\n  endpoints: []\n", "endpoints"),
}


@pytest.mark.parametrize(
    ("text", "name"), list(WRONG_ENDPOINTS.values()), ids=list(WRONG_ENDPOINTS)
)
def test_a_wrong_endpoint_in_chronicle_yaml_is_one_line_naming_it(text: str, name: str) -> None:
    _yaml(text)
    with pytest.raises(SettingsError) as raised:
        load_settings({})
    _assert_one_line_naming(str(raised.value), name)


# LibreChat's `balance:` block: a top-level section of chronicle.yaml, and CHRONICLE_BALANCE_*.
def test_balance_is_off_with_librechats_defaults_without_configuration() -> None:
    balance = load_settings({}).balance
    assert balance.as_librechat() == {
        "enabled": False,
        "startBalance": 20000,
        "autoRefillEnabled": False,
        "refillIntervalValue": 30,
        "refillIntervalUnit": "days",
        "refillAmount": 10000,
    }


def test_balance_comes_from_chronicle_yaml_with_the_environment_winning() -> None:
    _yaml(
        "balance:\n  enabled: true\n  startBalance: 100\n  autoRefillEnabled: true\n"
        "  refillIntervalValue: 2\n  refillIntervalUnit: hours\n  refillAmount: 50\n"
    )
    balance = load_settings({"CHRONICLE_BALANCE_START": "700"}).balance
    assert balance.enabled and balance.auto_refill_enabled and balance.start_balance == 700
    assert (balance.refill_interval_value, balance.refill_interval_unit) == (2, "hours")
    assert balance.refill_amount == 50


def test_balance_variables_alone_enable_it() -> None:
    environ = {"CHRONICLE_BALANCE_ENABLED": "true", "CHRONICLE_BALANCE_REFILL_AMOUNT": "5"}
    balance = load_settings(environ).balance
    assert balance.enabled and balance.refill_amount == 5 and balance.start_balance == 20000


WRONG_BALANCE = {
    "unit": ("balance:\n  refillIntervalUnit: fortnights\n", "balance.refillIntervalUnit"),
    "negative": ("balance:\n  startBalance: -1\n", "balance.startBalance"),
    "word": ("balance:\n  refillAmount: lots\n", "balance.refillAmount"),
    "unknown key": ("balance:\n  currency: EUR\n", "balance.currency"),
    "not a mapping": ("balance: true\n", "balance"),
}


@pytest.mark.parametrize(("text", "name"), list(WRONG_BALANCE.values()), ids=list(WRONG_BALANCE))
def test_a_wrong_balance_block_is_one_line_naming_the_key(text: str, name: str) -> None:
    _yaml(text)
    with pytest.raises(SettingsError) as raised:
        load_settings({})
    _assert_one_line_naming(str(raised.value), name)


@pytest.mark.parametrize(
    ("given", "hours"), [(None, 720), ("24", 24), ("0", 1), ("-5", 1), ("9000", 8760), ("1.5", 1.5)]
)
def test_temporary_chat_retention_is_clamped_as_librechat_does(
    given: str | None, hours: float
) -> None:
    from datetime import timedelta

    environ = {} if given is None else {"TEMP_CHAT_RETENTION_HOURS": given}
    assert load_settings(environ).temporary_chat_retention == timedelta(hours=hours)


def test_memory_settings_refuse_nonsense() -> None:
    assert load_settings({}).memory_char_limit == 10_000
    assert load_settings({}).memory_token_limit is None
    assert load_settings({"CHRONICLE_MEMORY_TOKEN_LIMIT": "500"}).memory_token_limit == 500
    for name, value in (
        ("CHRONICLE_MEMORY_TOKEN_LIMIT", "0"),
        ("CHRONICLE_MEMORY_CHAR_LIMIT", "0"),
        ("CHRONICLE_RETENTION_SWEEP", "0"),
    ):
        with pytest.raises(SettingsError, match=name):
            load_settings({name: value})


def test_librechat_yaml_sets_retention_and_the_memory_block() -> None:
    from datetime import timedelta

    Path("librechat.yaml").write_text(
        "interface:\n  temporaryChatRetention: 48\n"
        "memory:\n  disabled: false\n  tokenLimit: 2000\n  charLimit: 500\n"
        "  agent: {provider: openAI, model: gpt-4o-mini}\n"
    )
    settings = load_settings({"TEMP_CHAT_RETENTION_HOURS": "5"})
    assert settings.temporary_chat_retention == timedelta(hours=48)  # the file wins, as LibreChat
    assert (settings.memory.token_limit, settings.memory.char_limit) == (2000, 500)
    assert settings.memory.disabled is False
    assert not any(n.startswith("memory:") for n in settings.librechat.notices)
    Path("librechat.yaml").write_text("memory:\n  disabled: true\n")
    assert load_settings({"CHRONICLE_MEMORY_TOKEN_LIMIT": "9"}).memory.disabled is True
    assert load_settings({"CHRONICLE_MEMORY_TOKEN_LIMIT": "9"}).memory.token_limit == 9
    for bad in ("memory: 5\n", "memory:\n  tokenLimit: 0\n", "memory:\n  disabled: maybe\n"):
        Path("librechat.yaml").write_text(bad)
        with pytest.raises(SettingsError, match=r"memory.* in librechat\.yaml"):
            load_settings({})


def test_shared_link_switches_use_librechats_names_and_defaults() -> None:
    default = load_settings({}).sharing
    assert (default.enabled, default.public, default.snapshot_files) == (True, False, True)
    assert not default.public_enabled
    changed = load_settings(
        {
            "ALLOW_SHARED_LINKS": "false",
            "ALLOW_SHARED_LINKS_PUBLIC": "true",
            "SHARED_LINKS_SNAPSHOT_FILES": "false",
        }
    ).sharing
    assert (changed.enabled, changed.public, changed.snapshot_files) == (False, True, False)
    assert not changed.public_enabled  # public links need shared links on
