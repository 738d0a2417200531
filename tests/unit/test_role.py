"""The Role aggregate and how stored flags combine with what is served."""

from __future__ import annotations

import uuid

import pytest

from domain.identity.events import RoleDefined, RolePermissionsUpdated
from domain.identity.role import (
    Role,
    role_id,
    validate_new_name,
    validate_permissions,
)
from domain.identity.roles import permissions, role_document
from domain.shared.errors import Conflict, Invalid, NotFound

ADMIN = uuid.uuid4()


def test_a_role_is_found_by_its_name_and_merges_flag_updates() -> None:
    role = Role.define("editors", permissions={"PROMPTS": {"USE": True}}, actor_id=ADMIN)
    assert role.id == role_id("editors")
    role.update_permissions({"PROMPTS": {"CREATE": True}, "AGENTS": {"USE": False}}, ADMIN)
    assert role.permissions == {
        "PROMPTS": {"USE": True, "CREATE": True},
        "AGENTS": {"USE": False},
    }
    assert [type(e) for e in role.pending_events] == [RoleDefined, RolePermissionsUpdated]


def test_an_update_that_changes_nothing_records_nothing() -> None:
    role = Role.define("editors", permissions={"PROMPTS": {"USE": True}})
    version = role.version
    role.update_permissions({"PROMPTS": {"USE": True}}, ADMIN)
    assert role.version == version


def test_a_deleted_role_refuses_changes_and_its_name_can_be_taken_again() -> None:
    role = Role.define("editors", permissions={"PROMPTS": {"USE": True}})
    with pytest.raises(Conflict):
        role.redefine()
    role.delete(ADMIN)
    with pytest.raises(NotFound):
        role.update_permissions({"PROMPTS": {"USE": False}}, ADMIN)
    role.redefine(description="again")
    assert (role.deleted, role.permissions, role.description) == (False, {}, "again")


def test_stored_flags_replace_defaults_only_where_the_feature_is_served() -> None:
    stored = {"BOOKMARKS": {"USE": False}, "PROMPTS": {"USE": True}}
    granted = permissions("USER", {"BOOKMARKS"}, stored)
    assert granted["BOOKMARKS"] == {"USE": False}
    assert granted["PROMPTS"]["USE"] is False  # stored, not served
    assert permissions("USER", {"BOOKMARKS", "PROMPTS"}, stored)["PROMPTS"]["USE"] is True
    # a custom role grants nothing it was not given; it exists only with a document
    assert permissions("editors", {"BOOKMARKS"}, {})["BOOKMARKS"] == {"USE": False}
    assert role_document("editors", {"BOOKMARKS"}) is None
    assert role_document("editors", {"BOOKMARKS"}, {})["name"] == "editors"  # type: ignore[index]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "name is required"),
        ("  ", "name is required"),
        ("members", "name is a reserved path segment"),
        ("a\tb", "name contains invalid characters"),
        ("x" * 65, "name must not exceed 64 characters"),
    ],
)
def test_new_names_follow_librechat_rules(raw: object, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        validate_new_name(raw, required=True)


def test_permissions_drop_unknown_keys_and_refuse_non_booleans() -> None:
    assert validate_permissions({"PROMPTS": {"USE": True, "FLY": True}, "NOPE": {}}) == {
        "PROMPTS": {"USE": True}
    }
    with pytest.raises(Invalid):
        validate_permissions({"PROMPTS": {"USE": "yes"}})
    with pytest.raises(Invalid):
        validate_permissions([])
