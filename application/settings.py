"""Typed settings from environment variables and an optional chronicle.yaml, checked at start."""

from __future__ import annotations

import ast
import dataclasses
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import msgspec
import yaml

from application.billing.config import BalanceError, BalanceSettings, load_balance
from application.chat.config import ECHO, EndpointConfig, EndpointError, load_endpoints, unresolved
from application.config.librechat import (
    LIBRECHAT_KEYS,
    ConfigError,
    LibreChatConfig,
    config_path,
    exists,
    merge,
    read_config,
)
from application.files.config import FileConfigError, load_file_limits
from application.limit_settings import LIMIT_ENV_NAMES, LimitSettings, check_limits
from application.memories.config import MemoryConfig, MemoryConfigError, memory_config
from application.sharing.config import SharingSettings

Mode = Literal["embedded", "distributed"]


class SettingsError(ValueError):
    """A setting has a wrong value; the message names it."""


class EndpointModel(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    label: str = ""


class Settings(LimitSettings, frozen=True, kw_only=True):
    """Everything configurable. No setting at all means the embedded mode under `var/`."""

    database_url: str = ""
    redis_url: str = ""
    broker_url: str = ""
    data_dir: str = "var"
    host: str = "127.0.0.1"
    port: int = 3080
    jwt_secret: str = ""
    jwt_refresh_secret: str = ""
    master_key: str = ""
    session_expiry_ms: int = 15 * 60 * 1000
    refresh_token_expiry_ms: int = 7 * 24 * 60 * 60 * 1000
    allow_registration: bool = True
    allow_email_login: bool = True
    allow_account_deletion: bool = True  # LibreChat's default; when off only admins may
    allow_shared_links: bool = True  # LibreChat's ALLOW_SHARED_LINKS (unset: on)
    allow_shared_links_public: bool = False  # ALLOW_SHARED_LINKS_PUBLIC: view without signing in
    shared_links_snapshot_files: bool = True  # SHARED_LINKS_SNAPSHOT_FILES
    min_password_length: int = 8
    app_title: str = "Chronicle"
    domain_client: str = "http://localhost:3080"
    max_body_bytes: int = 3 * 1024 * 1024
    read_your_writes_timeout_s: float = 2.0
    projection_sweep_s: float = 5.0
    worker_threads: int = 4
    postgres_pool_size: int = 2
    postgres_max_overflow: int = 8
    aggregate_cache_size: int = 2000
    log_level: str = "INFO"
    log_json: bool = True
    secure_cookies: bool = False
    redis_prefix: str = "chronicle"
    echo_delay_s: float = 0.0
    # where uploaded files' bytes go: `local` (under data_dir/files) or `s3`; empty: the
    # `fileStrategy` of librechat.yaml, else local. S3 takes LibreChat's AWS_* variables.
    file_strategy: str = ""
    aws_endpoint_url: str = ""
    aws_region: str = ""
    aws_bucket_name: str = ""
    aws_access_key_id: str = ""
    aws_secret_access_key: str = ""
    generation_stale_s: float = 30.0
    title_wait_s: float = 15.5
    # a refresh token presented again this soon after its rotation gets the same new token
    # (two tabs refreshing at once); later, reuse revokes the session
    refresh_reuse_grace_s: float = 10.0
    # search (LibreChat's SEARCH, MEILI_HOST, MEILI_MASTER_KEY): the backend is Meilisearch
    # when a host is set, else the read-model database's own full-text (FTS5 or tsvector)
    search: bool = True
    search_backend: str = ""  # "" (choose as above), "sqlite", "postgres" or "meilisearch"
    search_language: str = "english"  # PostgreSQL's text search configuration
    meili_host: str = ""
    meili_master_key: str = ""
    meili_index_prefix: str = ""  # e.g. one deployment's indexes beside another's on one server
    # the model endpoints, from LibreChat's provider variables (OPENAI_API_KEY, …) and
    # chronicle.yaml's top-level `endpoints:`; not a `settings:` key
    endpoints: tuple[EndpointConfig, ...] = (ECHO,)
    # LibreChat's `balance:` block: chronicle.yaml's top-level `balance:` and CHRONICLE_BALANCE_*
    balance: BalanceSettings = BalanceSettings()
    # LibreChat's temporaryChatRetention (hours; TEMP_CHAT_RETENTION_HOURS), clamped as it does
    temporary_chat_retention_h: float = 720.0
    retention_sweep_s: float = 60.0  # how often expired temporary chats are removed
    # LibreChat's `memory:` block: off (`disabled`) or the limits of a user's memories
    memory_disabled: bool = False
    memory_token_limit: int | None = None
    memory_char_limit: int = 10_000
    # the rest of librechat.yaml (interface, modelSpecs, registration, …) and what it reported
    librechat: LibreChatConfig = LibreChatConfig()
    # plugins (custom/): CUSTOM_ENABLE_<NAME> (and `enabled:` in chronicle.custom.yaml), and
    # each plugin's section of custom/config/chronicle.custom.yaml, checked by the plugin
    custom_enable: dict[str, bool] = msgspec.field(default_factory=dict)
    custom: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)

    @property
    def mode(self) -> Mode:
        return "distributed" if self.database_url.startswith("postgres") else "embedded"

    @property
    def temporary_chat_retention(self) -> timedelta:
        """librechat.yaml's `interface.temporaryChatRetention` over TEMP_CHAT_RETENTION_HOURS,
        as LibreChat; its clamp: below 1 hour is 1 hour, above 8760 (a year) is 8760."""
        configured = self.librechat.interface.get("temporaryChatRetention")
        hours = float(configured if configured is not None else self.temporary_chat_retention_h)
        return timedelta(hours=min(max(hours, 1.0), 8760.0))

    @property
    def memory(self) -> MemoryConfig:
        """LibreChat's `memory:` block over the CHRONICLE_MEMORY_* settings (checked at load)."""
        defaults = MemoryConfig(
            self.memory_disabled, self.memory_char_limit, self.memory_token_limit
        )
        return memory_config(self.librechat.section("memory"), defaults)

    @property
    def sharing(self) -> SharingSettings:
        return SharingSettings(
            enabled=self.allow_shared_links,
            public=self.allow_shared_links_public,
            snapshot_files=self.shared_links_snapshot_files,
        )

    @property
    def session_expiry_s(self) -> int:
        return self.session_expiry_ms // 1000

    @property
    def refresh_expiry_s(self) -> int:
        return self.refresh_token_expiry_ms // 1000


# Environment variable → field. LibreChat's own names are accepted where they exist.
ENV_NAMES: dict[str, str] = {
    "CHRONICLE_DATABASE_URL": "database_url",
    "CHRONICLE_REDIS_URL": "redis_url",
    "CHRONICLE_BROKER_URL": "broker_url",
    "CHRONICLE_DATA_DIR": "data_dir",
    "CHRONICLE_HOST": "host",
    "CHRONICLE_PORT": "port",
    "CHRONICLE_MASTER_KEY": "master_key",
    "CHRONICLE_MAX_BODY_BYTES": "max_body_bytes",
    "CHRONICLE_READ_YOUR_WRITES_TIMEOUT": "read_your_writes_timeout_s",
    "CHRONICLE_PROJECTION_SWEEP": "projection_sweep_s",
    "CHRONICLE_WORKER_THREADS": "worker_threads",
    "CHRONICLE_POSTGRES_POOL_SIZE": "postgres_pool_size",
    "CHRONICLE_POSTGRES_MAX_OVERFLOW": "postgres_max_overflow",
    "CHRONICLE_AGGREGATE_CACHE": "aggregate_cache_size",
    "CHRONICLE_LOG_LEVEL": "log_level",
    "CHRONICLE_LOG_JSON": "log_json",
    "JWT_SECRET": "jwt_secret",
    "JWT_REFRESH_SECRET": "jwt_refresh_secret",
    "SESSION_EXPIRY": "session_expiry_ms",
    "REFRESH_TOKEN_EXPIRY": "refresh_token_expiry_ms",
    "ALLOW_REGISTRATION": "allow_registration",
    "ALLOW_EMAIL_LOGIN": "allow_email_login",
    "ALLOW_ACCOUNT_DELETION": "allow_account_deletion",
    "ALLOW_SHARED_LINKS": "allow_shared_links",
    "ALLOW_SHARED_LINKS_PUBLIC": "allow_shared_links_public",
    "SHARED_LINKS_SNAPSHOT_FILES": "shared_links_snapshot_files",
    "MIN_PASSWORD_LENGTH": "min_password_length",
    "APP_TITLE": "app_title",
    "DOMAIN_CLIENT": "domain_client",
    "SECURE_COOKIES": "secure_cookies",
    "CHRONICLE_REDIS_PREFIX": "redis_prefix",
    "CHRONICLE_ECHO_DELAY": "echo_delay_s",
    "CHRONICLE_FILE_STRATEGY": "file_strategy",
    "AWS_ENDPOINT_URL": "aws_endpoint_url",
    "AWS_REGION": "aws_region",
    "AWS_BUCKET_NAME": "aws_bucket_name",
    "AWS_ACCESS_KEY_ID": "aws_access_key_id",
    "AWS_SECRET_ACCESS_KEY": "aws_secret_access_key",
    "CHRONICLE_GENERATION_STALE": "generation_stale_s",
    "CHRONICLE_TITLE_WAIT": "title_wait_s",
    **LIMIT_ENV_NAMES,
    "CHRONICLE_REFRESH_REUSE_GRACE": "refresh_reuse_grace_s",
    "TEMP_CHAT_RETENTION_HOURS": "temporary_chat_retention_h",
    "CHRONICLE_RETENTION_SWEEP": "retention_sweep_s",
    "CHRONICLE_MEMORY_DISABLED": "memory_disabled",
    "CHRONICLE_MEMORY_TOKEN_LIMIT": "memory_token_limit",
    "CHRONICLE_MEMORY_CHAR_LIMIT": "memory_char_limit",
    "SEARCH": "search",
    "CHRONICLE_SEARCH_BACKEND": "search_backend",
    "CHRONICLE_SEARCH_LANGUAGE": "search_language",
    "MEILI_URL": "meili_host",  # compose.yaml's name
    "MEILI_HOST": "meili_host",  # LibreChat's (wins when both are set)
    "MEILI_MASTER_KEY": "meili_master_key",
    "CHRONICLE_MEILI_INDEX_PREFIX": "meili_index_prefix",
}

_FIELD_TO_ENV = {field: env for env, field in ENV_NAMES.items()}


def load_settings(
    environ: dict[str, str] | None = None, config_file: str | None = None
) -> Settings:
    """Merge chronicle.yaml (`settings:` section) with the environment, environment winning;
    LibreChat's sections come from librechat.yaml (`CONFIG_PATH`), a section in chronicle.yaml
    replacing librechat.yaml's, and CHRONICLE_BALANCE_* / provider variables winning over both."""
    environ = dict(os.environ if environ is None else environ)
    raw: dict[str, Any] = {}
    path = config_file or environ.get("CHRONICLE_CONFIG") or "chronicle.yaml"
    config: dict[str, Any] = {}
    if Path(path).is_file():
        config = _read_yaml(path)
        section = config.get("settings") or {}
        if not isinstance(section, dict):
            raise SettingsError(f"settings: must be a mapping in {path}")
        raw.update(section)
    elif config_file or environ.get("CHRONICLE_CONFIG"):
        raise SettingsError(f"CHRONICLE_CONFIG: no such file {path!r}")
    for env_name, field in ENV_NAMES.items():
        if env_name in environ and environ[env_name] != "":
            raw[field] = environ[env_name]
    settings = _validate(raw)
    librechat_path, named = config_path(environ)
    librechat: dict[str, Any] = {}
    if exists(librechat_path):
        librechat = _read_yaml(librechat_path)
    elif named:
        raise SettingsError(f"CONFIG_PATH: no such file {librechat_path!r}")
    sections = merge(librechat, config)

    def origin(section: str) -> str:
        return path if section in config else librechat_path

    try:
        endpoints = load_endpoints(environ, sections.get("endpoints"))
    except EndpointError as error:
        raise SettingsError(f"{error} in {origin('endpoints')}") from None
    try:
        balance = load_balance(environ, sections.get("balance"))
    except BalanceError as error:
        raise SettingsError(f"{error} in {origin('balance')}") from None
    try:
        read = read_config(sections, librechat_path if librechat else None)
    except ConfigError as error:
        section = str(error).split(".", 1)[0].split(":", 1)[0]
        raise SettingsError(f"{error} in {origin(section)}") from None
    try:
        load_file_limits(sections.get("fileConfig"))
    except FileConfigError as error:
        raise SettingsError(f"{error} in {origin('fileConfig')}") from None
    notices = (*read.notices, *_unresolved(endpoints))
    librechat_config = dataclasses.replace(read, notices=notices)
    custom, enable = load_custom(environ)
    loaded = msgspec.structs.replace(
        settings,
        endpoints=endpoints,
        balance=balance,
        librechat=librechat_config,
        custom=custom,
        custom_enable=enable,
    )
    try:
        loaded.memory  # noqa: B018 (the `memory:` block, checked once, here)
    except MemoryConfigError as error:
        raise SettingsError(f"{error} in {origin('memory')}") from None
    return loaded


CUSTOM_CONFIG = "custom/config/chronicle.custom.yaml"
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def load_custom(environ: dict[str, str]) -> tuple[dict[str, dict[str, Any]], dict[str, bool]]:
    """The plugins' sections (`<name>: {enabled: …, …}`) of chronicle.custom.yaml
    (CHRONICLE_CUSTOM_CONFIG names another file), and CUSTOM_ENABLE_<NAME>, which wins."""
    path = environ.get("CHRONICLE_CUSTOM_CONFIG") or CUSTOM_CONFIG
    loaded: dict[str, Any] = {}
    if Path(path).is_file():
        loaded = _read_yaml(path)
    elif environ.get("CHRONICLE_CUSTOM_CONFIG"):
        raise SettingsError(f"CHRONICLE_CUSTOM_CONFIG: no such file {path!r}")
    custom: dict[str, dict[str, Any]] = {}
    enable: dict[str, bool] = {}
    for name, section in loaded.items():
        if not isinstance(section, dict | None):
            raise SettingsError(f"{name}: must be a mapping in {path}")
        section = dict(section or {})
        enabled = section.pop("enabled", None)
        if enabled is not None and not isinstance(enabled, bool):
            raise SettingsError(f"{name}.enabled: must be true or false in {path}")
        if enabled is not None:
            enable[str(name)] = enabled
        custom[str(name)] = section
    for variable, value in environ.items():
        if variable.startswith("CUSTOM_ENABLE_") and value != "":
            if value.lower() not in _BOOLEANS:
                raise SettingsError(f"{variable}: must be true or false, not {value!r}")
            enable[variable.removeprefix("CUSTOM_ENABLE_").lower()] = _BOOLEANS[value.lower()]
    return custom, enable


def _unresolved(endpoints: tuple[EndpointConfig, ...]) -> list[str]:
    return [
        f"endpoints.custom {e.name}: ${{{name}}} is not set; its chat turns will fail"
        for e in endpoints
        for name in unresolved(e)
    ]


def _read_yaml(path: str) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(Path(path).read_text()) or {}
    except yaml.YAMLError as error:
        raise SettingsError(f"{path}: not valid YAML ({_yaml_reason(error)})") from None
    if not isinstance(loaded, dict):
        raise SettingsError(f"{path}: the top level must be a mapping")
    return loaded


def _yaml_reason(error: yaml.YAMLError) -> str:
    """The problem and where it is, on one line."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None)
    if mark is None or not problem:
        return " ".join(str(error).split())
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"


def _validate(raw: dict[str, Any]) -> Settings:
    for section in LIBRECHAT_KEYS:
        if section in raw:
            raise SettingsError(f"{section}: not under settings:, a top-level section of its own")
    known = set(Settings.__struct_fields__)
    for field in raw:
        if field not in known:
            raise SettingsError(f"{field}: unknown setting")
    for field in _MILLISECONDS:
        if isinstance(raw.get(field), str):
            raw[field] = _product(raw[field])
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as error:
        field = str(error).rsplit("$.", 1)[-1].rstrip("`") if "$." in str(error) else ""
        name = _FIELD_TO_ENV.get(field, field) or "settings"
        raise SettingsError(f"{name}: {str(error).split(' - at')[0]}") from None
    _check(settings)
    return settings


# LibreChat's .env writes these as JavaScript products, e.g. `(1000 * 60 * 60 * 24) * 7`.
_MILLISECONDS = ("session_expiry_ms", "refresh_token_expiry_ms", "ban_duration_ms")


def _product(text: str) -> Any:
    """The value of a sum/product of integer literals; anything else is returned as is."""

    def value(node: ast.expr) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Add):
            left, right = value(node.left), value(node.right)
            return left * right if isinstance(node.op, ast.Mult) else left + right
        raise ValueError(text)

    try:
        return value(ast.parse(text.strip(), mode="eval").body)
    except (SyntaxError, ValueError):
        return text


def _check(s: Settings) -> None:
    if s.database_url and not s.database_url.startswith(("postgresql://", "postgres://")):
        raise SettingsError("CHRONICLE_DATABASE_URL: must start with postgresql://")
    for name, url, schemes in (
        ("CHRONICLE_REDIS_URL", s.redis_url, ("redis://", "rediss://")),
        ("CHRONICLE_BROKER_URL", s.broker_url, ("redis://", "rediss://", "amqp://", "amqps://")),
    ):
        if url and not url.startswith(schemes):
            raise SettingsError(f"{name}: must start with one of {', '.join(schemes)}")
    if not 1 <= s.port <= 65535:
        raise SettingsError("CHRONICLE_PORT: must be between 1 and 65535")
    if s.session_expiry_ms < 1000 or s.refresh_token_expiry_ms < s.session_expiry_ms:
        raise SettingsError("SESSION_EXPIRY: must be ≥ 1000 ms and ≤ REFRESH_TOKEN_EXPIRY")
    if not 1 <= s.min_password_length <= 128:
        raise SettingsError("MIN_PASSWORD_LENGTH: must be between 1 and 128")
    if s.mode == "distributed":
        for name, value in (
            ("JWT_SECRET", s.jwt_secret),
            ("JWT_REFRESH_SECRET", s.jwt_refresh_secret),
            ("CHRONICLE_MASTER_KEY", s.master_key),
        ):
            if not value:
                raise SettingsError(f"{name}: required when CHRONICLE_DATABASE_URL is set")
    for name, value in (("JWT_SECRET", s.jwt_secret), ("JWT_REFRESH_SECRET", s.jwt_refresh_secret)):
        if value and len(value) < 32:
            raise SettingsError(f"{name}: must be at least 32 characters")
    if not 0 <= s.refresh_reuse_grace_s <= 60:
        raise SettingsError("CHRONICLE_REFRESH_REUSE_GRACE: must be between 0 and 60 seconds")
    # a base64 32-byte key is 44 characters, so one length rule covers keys and passphrases
    if s.master_key and len(s.master_key) < 32:
        raise SettingsError(
            "CHRONICLE_MASTER_KEY: must be a base64 32-byte key or a passphrase of at least"
            " 32 characters"
        )
    if s.aggregate_cache_size < 0:
        raise SettingsError("CHRONICLE_AGGREGATE_CACHE: must be 0 (off) or more")
    if s.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError("CHRONICLE_LOG_LEVEL: one of DEBUG, INFO, WARNING, ERROR")
    if s.retention_sweep_s <= 0:
        raise SettingsError("CHRONICLE_RETENTION_SWEEP: must be more than 0 seconds")
    if s.memory_token_limit is not None and s.memory_token_limit < 1:
        raise SettingsError("CHRONICLE_MEMORY_TOKEN_LIMIT: must be 1 or more")
    if s.memory_char_limit < 1:
        raise SettingsError("CHRONICLE_MEMORY_CHAR_LIMIT: must be 1 or more")
    if problem := check_limits(s) or _search_problem(s):
        raise SettingsError(problem)


def search_backend(s: Settings) -> str:
    if s.search_backend:
        return s.search_backend
    if s.meili_host:
        return "meilisearch"
    return "postgres" if s.mode == "distributed" else "sqlite"


def _search_problem(s: Settings) -> str | None:
    backend = search_backend(s)
    if backend not in ("sqlite", "postgres", "meilisearch"):
        return "CHRONICLE_SEARCH_BACKEND: one of sqlite, postgres, meilisearch"
    if backend in ("sqlite", "postgres") and backend != _database_of(s):
        return f"CHRONICLE_SEARCH_BACKEND: {backend} needs the read models in {backend}"
    if backend == "meilisearch" and not s.meili_host.startswith(("http://", "https://")):
        return "MEILI_HOST: an http:// or https:// URL is required for Meilisearch"
    if not re.fullmatch(r"[A-Za-z0-9_-]{0,40}", s.meili_index_prefix):
        return "CHRONICLE_MEILI_INDEX_PREFIX: letters, digits, - and _ only (at most 40)"
    if not re.fullmatch(r"[a-z_]{1,63}", s.search_language):
        return "CHRONICLE_SEARCH_LANGUAGE: a PostgreSQL text search configuration (e.g. english)"
    return None


def _database_of(s: Settings) -> str:
    return "postgres" if s.mode == "distributed" else "sqlite"
