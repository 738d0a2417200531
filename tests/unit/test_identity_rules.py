"""Registration rules with LibreChat's messages: email normalisation, name, password, username."""

from __future__ import annotations

import pytest

from domain.identity.rules import normalise_email, validate_registration
from domain.shared.errors import Invalid


def _register(**overrides: object):  # type: ignore[no-untyped-def]
    fields: dict[str, object] = {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "password": "correct horse",
        "confirm": "correct horse",
    }
    fields |= overrides
    return validate_registration(**fields)  # type: ignore[arg-type]


def _message(**overrides: object) -> str:
    with pytest.raises(Invalid) as raised:
        _register(**overrides)
    return str(raised.value)


def test_email_is_trimmed_and_lowercased() -> None:
    assert normalise_email("  Ada@Example.COM ") == "ada@example.com"


@pytest.mark.parametrize("email", ["ada", "ada@example", "a da@example.com", "@example.com"])
def test_email_without_a_user_and_dotted_domain_is_invalid(email: str) -> None:
    with pytest.raises(Invalid, match=r"^Invalid email$"):
        normalise_email(email)


def test_email_longer_than_254_characters_is_invalid() -> None:
    with pytest.raises(Invalid, match=r"^Invalid email$"):
        normalise_email("a" * 243 + "@example.com")


@pytest.mark.parametrize("email", [None, 42, "", "   "])
def test_missing_email_is_required(email: object) -> None:
    with pytest.raises(Invalid, match=r"^Email is required$"):
        normalise_email(email)


def test_a_valid_registration_is_normalised() -> None:
    registration = _register(name="  Ada  ", email="ADA@example.com", username="Ada.L")
    assert (registration.name, registration.email) == ("Ada", "ada@example.com")
    assert registration.username == "ada.l"


@pytest.mark.parametrize("name", ["Al", "x" * 81])
def test_name_outside_3_to_80_characters_is_rejected(name: str) -> None:
    assert _message(name=name) == "Name must be between 3 and 80 characters"


def test_name_is_measured_after_trimming() -> None:
    assert _message(name="  Al  ") == "Name must be between 3 and 80 characters"


@pytest.mark.parametrize("password", ["short", "x" * 129])
def test_password_outside_the_length_bounds_is_rejected(password: str) -> None:
    message = _message(password=password, confirm=password)
    assert message == "Password must be between 8 and 128 characters"


def test_the_minimum_password_length_is_configurable() -> None:
    message = _message(password="twelve chars", confirm="twelve chars", min_password=13)
    assert message == "Password must be between 13 and 128 characters"


def test_a_password_of_only_spaces_is_rejected() -> None:
    assert _message(password=" " * 10, confirm=" " * 10) == "Password cannot be only spaces"


def test_a_password_keeps_its_surrounding_spaces() -> None:
    assert _register(password=" secret pw ", confirm=" secret pw ").password == " secret pw "


def test_a_non_string_password_is_required() -> None:
    assert _message(password=12345678, confirm=12345678) == "Password is required"


def test_a_mismatched_confirmation_is_rejected() -> None:
    assert _message(confirm="correct horsE") == "Passwords do not match"


@pytest.mark.parametrize("username", [None, ""])
def test_an_absent_username_is_empty(username: object) -> None:
    assert _register(username=username).username == ""


@pytest.mark.parametrize("username", ["a", "x" * 81, "ada<script>", "semi;colon"])
def test_a_username_with_bad_length_or_characters_is_invalid(username: str) -> None:
    assert _message(username=username) == "Invalid username"


def test_a_username_may_hold_letters_from_any_script() -> None:
    assert _register(username="Zoë_Łukasz").username == "zoë_łukasz"


def test_the_first_broken_rule_is_reported() -> None:
    assert _message(name="Al", email="bad", password="x") == (
        "Name must be between 3 and 80 characters"
    )
