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


def test_balance_add_set_and_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONICLE_BALANCE_ENABLED", "true")
    monkeypatch.setenv("CHRONICLE_BALANCE_START", "1000")
    for email in ("ada@example.com", "bob@example.com"):
        args = ["users", "create", email, "--password", "long enough pw"]
        assert runner.invoke(app, args).exit_code == 0
    added = runner.invoke(app, ["balance", "add", "ada@example.com", "250"])
    assert added.exit_code == 0 and "1250" in added.output, added.output
    set_to = runner.invoke(app, ["balance", "set", "ada@example.com", "40.5"])
    assert set_to.exit_code == 0 and "40.5" in set_to.output, set_to.output
    rows = runner.invoke(app, ["balance", "list"]).output.splitlines()
    assert any("ada@example.com" in r and "40.5" in r for r in rows), rows
    assert any("bob@example.com" in r and "1000" in r for r in rows), rows


def test_balance_commands_refuse_while_balance_is_disabled() -> None:
    runner.invoke(app, ["users", "create", "ada@example.com", "--password", "long enough pw"])
    result = runner.invoke(app, ["balance", "add", "ada@example.com", "250"])
    assert result.exit_code == 1 and "not enabled" in result.output


def test_balance_of_an_unknown_email_or_a_bad_amount_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHRONICLE_BALANCE_ENABLED", "true")
    runner.invoke(app, ["users", "create", "ada@example.com", "--password", "long enough pw"])
    unknown = runner.invoke(app, ["balance", "add", "nobody@example.com", "5"])
    assert unknown.exit_code == 1 and "No user" in unknown.output
    for amount in ("lots", "-5"):
        bad = runner.invoke(app, ["balance", "add", "ada@example.com", "--", amount])
        assert bad.exit_code == 1 and "amount" in bad.output, bad.output
    negative = runner.invoke(app, ["balance", "set", "ada@example.com", "--", "-1"])
    assert negative.exit_code == 1 and "balance" in negative.output, negative.output
