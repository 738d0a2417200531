"""`chronicle users unban` lifts a ban that other processes enforce through Redis."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import REDIS_URL


def _env(settings: Any, data_dir: Path) -> dict[str, str]:
    return {
        "CHRONICLE_DATA_DIR": str(data_dir),
        "CHRONICLE_LOG_JSON": "false",
        "CHRONICLE_DATABASE_URL": settings.database_url,
        "CHRONICLE_REDIS_URL": REDIS_URL,
        "CHRONICLE_REDIS_PREFIX": settings.redis_prefix,
        "JWT_SECRET": settings.jwt_secret,
        "JWT_REFRESH_SECRET": settings.jwt_refresh_secret,
        "CHRONICLE_MASTER_KEY": settings.master_key,
        "BAN_VIOLATIONS": "true",
    }


def test_users_unban_lifts_the_user_and_ip_ban_and_records_it(
    container_for: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = container_for("distributed", ban_violations=True, ban_interval=1)
    registered = container.identity.register(
        name="Mallory",
        email="mallory@example.com",
        password="long enough pw",
        confirm="long enough pw",
    )
    user_id = str(registered.user_id)
    container.abuse.violation("message_limit", 1, user_id, "10.0.0.7")
    assert container.abuse.banned("10.0.0.7") is not None
    for name, value in _env(container.settings, tmp_path / "var").items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["users", "unban", "mallory@example.com"])
    assert result.exit_code == 0, result.output
    assert container.abuse.banned("10.0.0.7", user_id) is None
    topics = [
        n.topic
        for n in container.stores["identity"].recorder.select_notifications(start=1, limit=100)
    ]
    assert topics.count("identity.UserBanned") == topics.count("identity.UserBanLifted") == 1
