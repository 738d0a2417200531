"""User rules: registration, roles, bans and lifts, deletion; email claims and the admin seat."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from domain.identity.claims import ADMIN_SEAT_ID, AdminSeat, EmailClaim
from domain.identity.events import (
    EmailClaimed,
    UserBanned,
    UserLoginFailed,
    UserRoleChanged,
)
from domain.identity.roles import role_document
from domain.identity.user import User
from domain.shared.errors import Invalid, NotFound

LATER = datetime(2030, 1, 1, tzinfo=UTC)


def _user(role: str = "USER") -> User:
    return User.register(
        uuid.uuid4(),
        email="ada@example.com",
        name="Ada",
        username="ada",
        role=role,
        password_hash="hash",
    )


def test_registering_with_an_unknown_role_is_rejected() -> None:
    with pytest.raises(Invalid):
        _user(role="ROOT")


def test_a_registered_user_is_local_verified_and_not_deleted() -> None:
    user = _user()
    assert (user.provider, user.email_verified, user.deleted) == ("local", True, False)
    assert user.created_at == user.updated_at


def test_changing_to_an_empty_role_is_rejected() -> None:
    # whether a named role exists is the service's check (custom roles are aggregates)
    user = _user()
    with pytest.raises(Invalid):
        user.change_role("")
    assert user.role == "USER"


def test_changing_to_the_current_role_records_nothing() -> None:
    user = _user()
    version = user.version
    user.change_role("USER")
    assert user.version == version


def test_changing_the_role_records_it() -> None:
    user = _user()
    admin = uuid.uuid4()
    assert user.change_role("ADMIN", changed_by=admin)
    assert user.role == "ADMIN"
    event = user.pending_events[-1]
    assert isinstance(event, UserRoleChanged)
    assert (event.previous, event.changed_by) == ("USER", admin)


def test_changing_the_password_replaces_the_hash() -> None:
    user = _user()
    user.change_password_hash("new-hash", reason="reset")
    assert user.password_hash == "new-hash"


def test_a_ban_remembers_the_ip_banned_with_it() -> None:
    user = _user()
    user.ban("10.0.0.7", "logins", 3, LATER)
    assert user.ban_ip == "10.0.0.7"
    assert isinstance(user.pending_events[-1], UserBanned)


def test_lifting_a_ban_forgets_its_ip() -> None:
    user = _user()
    user.ban("10.0.0.7", "logins", 3, LATER)
    user.lift_ban()
    assert user.ban_ip == ""


def test_a_failed_login_is_recorded_without_changing_the_user() -> None:
    user = _user()
    user.record_failed_login("10.0.0.7", "curl", "wrong_password")
    assert isinstance(user.pending_events[-1], UserLoginFailed)
    assert user.ban_ip == "" and not user.deleted


def test_a_deleted_user_cannot_change_role_password_or_ban_lift() -> None:
    user = _user()
    user.delete()
    for command in (
        lambda: user.change_role("ADMIN"),
        lambda: user.change_password_hash("x"),
        user.lift_ban,
        user.delete,
    ):
        with pytest.raises(NotFound):
            command()


def test_a_deleted_user_records_no_ban_or_failed_login() -> None:
    user = _user()
    user.delete()
    version = user.version
    user.ban("10.0.0.7", "logins", 3, LATER)
    user.record_failed_login("10.0.0.7", "curl", "wrong_password")
    assert user.version == version and user.ban_ip == ""


def test_replaying_a_users_events_rebuilds_its_state() -> None:
    user = _user()
    user.change_role("ADMIN")
    user.ban("10.0.0.7", "logins", 3, LATER)
    user.delete()
    replayed = User.project(None, user.collect_events())
    assert replayed is not None
    assert (replayed.role, replayed.ban_ip, replayed.deleted) == ("ADMIN", "10.0.0.7", True)
    assert replayed.email == "ada@example.com" and replayed.version == user.version


def test_releasing_an_email_claim_twice_records_once() -> None:
    claim = EmailClaim.claim(uuid.uuid4(), uuid.uuid4())
    claim.release()
    claim.release()
    assert claim.released and claim.version == 2


def test_a_released_email_can_be_claimed_by_another_user() -> None:
    claim = EmailClaim.claim(uuid.uuid4(), uuid.uuid4())
    claim.release()
    newcomer = uuid.uuid4()
    claim.reclaim(newcomer)
    assert (claim.user_id, claim.released) == (newcomer, False)
    assert isinstance(claim.pending_events[-1], EmailClaimed)


def test_the_admin_seat_has_one_fixed_id_for_everyone() -> None:
    first, second = AdminSeat.take(uuid.uuid4()), AdminSeat.take(uuid.uuid4())
    assert first.id == second.id == ADMIN_SEAT_ID


def test_a_role_is_granted_no_flag_of_a_feature_not_served() -> None:
    user = role_document("USER", {"BOOKMARKS", "TEMPORARY_CHAT"})
    assert user is not None
    assert not any(user["permissions"]["PROMPTS"].values())
    assert user["permissions"]["BOOKMARKS"] == {"USE": True}


def test_a_served_feature_takes_librechats_defaults_for_each_role() -> None:
    served = {"BOOKMARKS", "TEMPORARY_CHAT", "PROMPTS"}
    admin, user = role_document("ADMIN", served), role_document("USER", served)
    assert admin is not None and user is not None
    assert admin["permissions"]["PROMPTS"]["SHARE_PUBLIC"] is True
    assert user["permissions"]["PROMPTS"] == {
        "USE": True,
        "CREATE": True,
        "SHARE": False,
        "SHARE_PUBLIC": False,
    }


def test_an_unknown_role_has_no_document() -> None:
    assert role_document("ROOT", {"BOOKMARKS"}) is None
