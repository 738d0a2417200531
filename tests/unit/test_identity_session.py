"""Session rules: refresh-token rotation, reuse detection, the grace window, expiry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.identity.events import SessionEnded, SessionRefreshed
from domain.identity.session import Session, TokenReused
from domain.shared.errors import Unauthenticated

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
GRACE = timedelta(seconds=30)


def _session(expires_in: timedelta = timedelta(days=7)) -> Session:
    return Session.start(
        uuid.uuid4(),
        user_id=uuid.uuid4(),
        refresh_hash="h0",
        expires_at=NOW + expires_in,
        ip="10.0.0.1",
        user_agent="test",
    )


def _rotated(session: Session, at: datetime = NOW) -> Session:
    session.rotate("h0", "h1", "10.0.0.1", now=at, issued_at=at)
    return session


def test_rotating_replaces_the_refresh_token_when_the_current_one_is_presented() -> None:
    session = _rotated(_session())
    assert (session.refresh_hash, session.previous_hash) == ("h1", "h0")
    assert session.rotated_at == NOW
    assert isinstance(session.pending_events[-1], SessionRefreshed)


def test_rotating_twice_accepts_only_the_latest_token() -> None:
    session = _rotated(_session())
    session.rotate("h1", "h2", "10.0.0.1", now=NOW, issued_at=NOW)
    assert (session.refresh_hash, session.previous_hash) == ("h2", "h1")


def test_presenting_a_superseded_token_to_rotate_revokes_the_session() -> None:
    session = _rotated(_session())
    with pytest.raises(TokenReused):
        session.rotate("h0", "h9", "10.9.9.9", now=NOW, issued_at=NOW)
    assert session.ended and session.end_reason == "token_reuse"
    assert not session.is_live(NOW)


def test_presenting_an_unknown_token_to_rotate_revokes_the_session() -> None:
    session = _session()
    with pytest.raises(TokenReused):
        session.rotate("forged", "h1", "10.9.9.9", now=NOW, issued_at=NOW)
    assert session.end_reason == "token_reuse"


def test_the_rightful_holder_is_locked_out_after_a_reuse() -> None:
    session = _rotated(_session())
    with pytest.raises(TokenReused):
        session.rotate("h0", "h9", "10.9.9.9", now=NOW, issued_at=NOW)
    with pytest.raises(Unauthenticated):
        session.rotate("h1", "h2", "10.0.0.1", now=NOW, issued_at=NOW)
    assert session.refresh_hash == "h1"


def test_rotating_an_expired_session_is_refused_without_ending_it() -> None:
    session = _session(expires_in=timedelta(minutes=1))
    with pytest.raises(Unauthenticated) as raised:
        session.rotate("h0", "h1", "10.0.0.1", now=NOW + timedelta(minutes=1), issued_at=NOW)
    assert not isinstance(raised.value, TokenReused)
    assert not session.ended and session.refresh_hash == "h0"


def test_rotating_an_ended_session_is_refused() -> None:
    session = _session()
    session.end("logout")
    with pytest.raises(Unauthenticated):
        session.rotate("h0", "h1", "10.0.0.1", now=NOW, issued_at=NOW)
    assert session.end_reason == "logout"


def test_a_session_is_live_until_its_expiry() -> None:
    session = _session(expires_in=timedelta(hours=1))
    assert session.is_live(NOW + timedelta(minutes=59))
    assert not session.is_live(NOW + timedelta(hours=1))


def test_ending_twice_records_one_event_and_keeps_the_first_reason() -> None:
    session = _session()
    session.end("logout")
    session.end("user_deleted")
    ended = [e for e in session.pending_events if isinstance(e, SessionEnded)]
    assert len(ended) == 1 and session.end_reason == "logout"


def test_the_superseded_token_is_accepted_within_the_grace_window() -> None:
    session = _rotated(_session())
    assert session.just_superseded("h0", NOW + GRACE, GRACE)


def test_the_superseded_token_is_refused_after_the_grace_window() -> None:
    session = _rotated(_session())
    assert not session.just_superseded("h0", NOW + GRACE + timedelta(seconds=1), GRACE)


def test_the_grace_window_does_not_apply_before_any_rotation() -> None:
    session = _session()
    assert not session.just_superseded("h0", NOW, GRACE)
    assert not session.just_superseded("", NOW, GRACE)


def test_the_grace_window_covers_only_the_last_superseded_token() -> None:
    session = _rotated(_session())
    session.rotate("h1", "h2", "10.0.0.1", now=NOW, issued_at=NOW)
    assert not session.just_superseded("h0", NOW, GRACE)
    assert session.just_superseded("h1", NOW, GRACE)


def test_the_grace_window_does_not_apply_to_an_ended_session() -> None:
    session = _rotated(_session())
    session.end("logout")
    assert not session.just_superseded("h0", NOW, GRACE)


def test_replaying_a_sessions_events_rebuilds_its_state() -> None:
    session = _rotated(_session())
    session.end("logout")
    replayed = Session.project(None, session.collect_events())
    assert replayed is not None
    assert (replayed.refresh_hash, replayed.previous_hash) == ("h1", "h0")
    assert (replayed.rotated_at, replayed.end_reason) == (NOW, "logout")
    assert replayed.user_id == session.user_id and replayed.version == session.version
