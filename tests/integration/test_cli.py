"""The `chronicle` command line against a real embedded store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHRONICLE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CHRONICLE_LOG_JSON", "false")
    monkeypatch.delenv("CHRONICLE_DATABASE_URL", raising=False)
    return tmp_path / "var"


def test_users_create_then_list_shows_the_user() -> None:
    created = runner.invoke(
        app,
        [
            "users",
            "create",
            "ada@example.com",
            "--name",
            "Ada Lovelace",
            "--password",
            "analytical engine",
        ],
    )
    assert created.exit_code == 0, created.output
    listed = runner.invoke(app, ["users", "list"])
    assert "ada@example.com" in listed.output and "ADMIN" in listed.output


def test_creating_an_existing_user_fails() -> None:
    args = ["users", "create", "bob@example.com", "--password", "long enough pw"]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "already exists" in again.output


def test_projections_status_lists_every_projection() -> None:
    result = runner.invoke(app, ["projections", "status"])
    assert result.exit_code == 0
    for name in ("user_directory", "conversation_list", "transcript"):
        assert name[:8] in result.output


def test_rebuild_switches_to_a_new_generation() -> None:
    runner.invoke(app, ["users", "create", "cyril@example.com", "--password", "long enough pw"])
    result = runner.invoke(app, ["projections", "rebuild", "user_directory"])
    assert result.exit_code == 0 and "now serving generation 2" in result.output
    assert "cyril@example.com" in runner.invoke(app, ["users", "list"]).output


def test_audit_verify_passes_then_detects_tampering(data_dir: Path) -> None:
    runner.invoke(app, ["users", "create", "dee@example.com", "--password", "long enough pw"])
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    with sqlite3.connect(data_dir / "events" / "identity.db") as db:
        db.execute("UPDATE stored_events SET state = CAST('{}' AS BLOB) WHERE rowid = 2")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "broken at notification 2" in result.output


def test_a_bad_setting_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONICLE_PORT", "abc")
    result = runner.invoke(app, ["projections", "status"])
    assert result.exit_code == 2
    assert result.output.strip() == "chronicle: CHRONICLE_PORT: Expected `int`, got `str`"


def test_parked_events_are_listed_counted_and_retried() -> None:
    # Given a transcript that parked a message with a token count beyond 64 bits (recorded
    # straight into the store, as events recorded before validation caught them are)
    from application.bootstrap import bootstrap
    from tests.records import commit_overflowing_message

    container = bootstrap()
    try:
        stuck = commit_overflowing_message(container.stores["conversations"])
        container.projections.catch_up("transcript")
    finally:
        container.close()
    # Then `parked` lists it with its error, `status` counts it ...
    listed = runner.invoke(app, ["projections", "parked"])
    assert listed.exit_code == 0, listed.output
    assert f"{stuck.id}@2" in listed.output and "OverflowError" in listed.output
    status = runner.invoke(app, ["projections", "status"]).output
    assert "parked" in status
    (transcript,) = [
        line for line in status.splitlines() if "transcript" in line and "conv" in line
    ]
    assert transcript.split("│")[8].strip() == "1", transcript
    # ... and a retry that fails again says so and exits 1
    retried = runner.invoke(app, ["projections", "retry", "transcript"])
    assert retried.exit_code == 1 and "0 applied, 1 still parked" in retried.output
    assert (
        "No projection named 'nope'" in runner.invoke(app, ["projections", "retry", "nope"]).output
    )
