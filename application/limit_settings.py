"""LibreChat's rate-limit and ban settings, under LibreChat's own variable names.

Defaults are what LibreChat does when a variable is unset (its code, not its .env.example):
the login and registration limiters always run; the message limiters and bans are opt-in."""

from __future__ import annotations

import msgspec


class LimitSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Windows are in minutes (fractions allowed), as LibreChat reads them."""

    ban_violations: bool = False
    ban_duration_ms: int = 2 * 60 * 60 * 1000
    ban_interval: int = 20
    login_max: int = 7
    login_window: float = 5
    login_violation_score: int = 1
    register_max: int = 5
    register_window: float = 60
    registration_violation_score: int = 1
    limit_message_ip: bool = False
    message_ip_max: int = 40
    message_ip_window: float = 1
    limit_message_user: bool = False
    message_user_max: int = 40
    message_user_window: float = 1
    message_violation_score: int = 1
    limit_concurrent_messages: bool = False
    concurrent_message_max: int = 2
    concurrent_violation_score: int = 1
    import_ip_max: int = 100
    import_ip_window: float = 15
    import_user_max: int = 50
    import_user_window: float = 15
    import_violation_score: int = 1
    fork_ip_max: int = 30
    fork_ip_window: float = 1
    fork_user_max: int = 7
    fork_user_window: float = 1
    fork_violation_score: int = 1


LIMIT_ENV_NAMES: dict[str, str] = {
    field.upper(): field for field in LimitSettings.__struct_fields__ if field != "ban_duration_ms"
} | {"BAN_DURATION": "ban_duration_ms"}


def check_limits(s: LimitSettings) -> str | None:
    """The first wrong limit setting, named as its variable, or None."""
    for field in LimitSettings.__struct_fields__:
        value = getattr(s, field)
        if type(value) is not bool and value < 0:
            return f"{_env_name(field)}: must be 0 or more"
    if s.ban_interval < 1:
        return "BAN_INTERVAL: must be at least 1"
    return None


def _env_name(field: str) -> str:
    return next(env for env, f in LIMIT_ENV_NAMES.items() if f == field)
