"""The permission services on a real container (SQLite and PostgreSQL): grants flatten into
effective bits through users, groups, roles and public, and every change is seen by the
next check, whoever made it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.identity.user import User
from domain.permissions.acl import Grant
from domain.permissions.model import Principal
from domain.shared.errors import Forbidden, Invalid

PASSWORD = "correct horse battery"


def register(container: Any, email: str) -> UUID:
    done = container.identity.register(
        name="Someone", email=email, password=PASSWORD, confirm=PASSWORD
    )
    assert done.user_id is not None
    return UUID(str(done.user_id))


def set_role(container: Any, user_id: UUID, role: str) -> None:
    store = container.stores["identity"]
    user = store.load(User, user_id)
    user.change_role(role)
    store.commit(user, actor=user_id)


@pytest.fixture
def container(container_for: Callable[..., Any], mode: str) -> Any:
    return container_for(mode, workers=True)


def test_grants_flatten_through_users_groups_roles_and_public(container: Any) -> None:
    perms, groups = container.permissions, container.groups
    admin = register(container, "admin@example.com")  # the first user is ADMIN
    owner = register(container, "owner@example.com")
    bob = register(container, "bob@example.com")
    carol = register(container, "carol@example.com")
    perms.create_owner("agent", "a1", owner)
    assert perms.effective_bits(owner, "agent", "a1") == 15
    assert perms.effective_bits(bob, "agent", "a1") == 0

    team = groups.create("Team", by=admin)
    groups.add_member(team.id, bob, by=admin)
    perms.update("agent", "a1", owner, [Grant(Principal.group(team.id), "agent_editor")])
    assert perms.effective_bits(bob, "agent", "a1") == 3
    assert perms.accessible_ids(bob, "agent", 2) == ["a1"]

    groups.remove_member(team.id, bob, by=admin)  # takes effect on bob's next check
    assert perms.effective_bits(bob, "agent", "a1") == 0

    perms.update("agent", "a1", owner, [Grant(Principal.role("USER"), "agent_viewer")])
    assert perms.effective_bits(bob, "agent", "a1") == 1
    assert perms.effective_bits(admin, "agent", "a1") == 0  # ADMIN's role is not USER
    set_role(container, carol, "ADMIN")
    assert perms.effective_bits(carol, "agent", "a1") == 0

    assert perms.public_bits("agent", "a1") == 0
    perms.grant("agent", "a1", owner, Principal.public(), "agent_viewer")
    assert perms.public_bits("agent", "a1") == 1
    assert perms.effective_bits(carol, "agent", "a1") == 1
    assert perms.effective_all(carol, "agent") == {"a1": 1}
    perms.revoke("agent", "a1", owner, Principal.public())
    perms.update("agent", "a1", owner, revokes=[Principal.role("USER")])
    assert perms.effective_bits(bob, "agent", "a1") == 0
    assert perms.public_bits("agent", "a1") == 0
    perms.close("agent", "a1", owner)
    assert perms.effective_bits(owner, "agent", "a1") == 0


def test_decisions_on_the_aggregate(container: Any) -> None:
    perms = container.permissions
    register(container, "admin@example.com")
    owner = register(container, "owner@example.com")
    bob = register(container, "bob@example.com")
    perms.create_owner("promptGroup", "p1", owner)
    with pytest.raises(Forbidden):
        perms.update("promptGroup", "p1", bob, [Grant(Principal.user(bob), "promptGroup_owner")])
    with pytest.raises(Invalid, match="at least one owner"):
        perms.update("promptGroup", "p1", owner, revokes=[Principal.user(owner)])
    with pytest.raises(Invalid, match="is for agent resources"):
        perms.update("promptGroup", "p1", owner, [Grant(Principal.user(bob), "agent_viewer")])
    with pytest.raises(Invalid, match="already exists"):
        perms.create_owner("promptGroup", "p1", bob)
    # a grant to an account that does not exist is skipped, as LibreChat skips it
    ghost = Principal.user(uuid.uuid4())
    outcome = perms.update("promptGroup", "p1", owner, [Grant(ghost, "promptGroup_viewer")])
    assert outcome.granted == ()
    # handing ownership over in one update is allowed
    perms.update(
        "promptGroup",
        "p1",
        owner,
        [Grant(Principal.user(bob), "promptGroup_owner")],
        [Principal.user(owner)],
    )
    assert perms.effective_bits(owner, "promptGroup", "p1") == 0
    assert perms.effective_bits(bob, "promptGroup", "p1") == 15


def test_capabilities_bypass_and_admin_holds_all(container: Any) -> None:
    perms, caps = container.permissions, container.capabilities
    admin = register(container, "admin@example.com")
    owner = register(container, "owner@example.com")
    bob = register(container, "bob@example.com")
    # ACL alone judges the made-up agent "a1" (the agents' catalog would answer 404 for it)
    perms.catalogs.pop("agent", None)
    perms.create_owner("agent", "a1", owner)
    assert caps.has(admin, "read:audit_log")
    assert not caps.has(bob, "read:agents")
    caps.grant(Principal.user(bob), "manage:agents", by=admin)
    assert caps.has(bob, "read:agents")  # manage implies read
    perms.require(bob, "agent", "a1", 8)  # bypass
    with pytest.raises(Forbidden):
        perms.require(bob, "skill", "s1", 1)
    caps.revoke(Principal.user(bob), "manage:agents", by=admin)
    with pytest.raises(Forbidden):
        perms.require(bob, "agent", "a1", 1)
    with pytest.raises(Invalid):
        caps.grant(Principal.user(bob), "fly:planes", by=admin)
    with pytest.raises(Invalid):
        caps.revoke(Principal.role("ADMIN"), "read:users", by=admin)


def test_access_as_of_a_time(container: Any) -> None:
    perms, groups = container.permissions, container.groups
    admin = register(container, "admin@example.com")
    owner = register(container, "owner@example.com")
    bob = register(container, "bob@example.com")
    perms.create_owner("agent", "a1", owner)
    team = groups.create("Team", by=admin)
    groups.add_member(team.id, bob, by=admin)
    perms.update("agent", "a1", owner, [Grant(Principal.group(team.id), "agent_editor")])
    between = datetime.now(UTC)
    groups.remove_member(team.id, bob, by=admin)
    before = container.access_audit.access("agent", "a1", between)
    assert before.users == {str(owner): 15, str(bob): 3}
    now = container.access_audit.access("agent", "a1", datetime.now(UTC))
    assert now.users == {str(owner): 15}
    assert [c.action for c in now.history] == [
        "opened",
        "granted",
        "member_added",
        "granted",
        "member_removed",
    ]


def test_read_model_lists_groups_members_and_grants(container: Any) -> None:
    from projections.permissions import queries

    admin = register(container, "admin@example.com")
    bob = register(container, "bob@example.com")
    team = container.groups.create("Team", by=admin, email="team@example.com")
    container.groups.add_member(team.id, bob, by=admin)
    container.capabilities.grant(Principal.group(team.id), "read:users", by=admin)
    assert container.capabilities.has(bob, "read:users")
    container.consistency.wait(admin, ["permissions"])
    with container.reads.connect() as conn:
        assert [g["name"] for g in queries.list_groups(conn)] == ["Team"]
        assert queries.members(conn, str(team.id)) == [str(bob)]
        assert queries.groups(conn, [str(team.id)])[str(team.id)]["member_count"] == 1
        assert [g["capability"] for g in queries.list_grants(conn, ["group"])] == ["read:users"]
        assert queries.list_grants(conn, ["user"]) == []
        assert [g["capability"] for g in queries.grants_of(conn, Principal.group(team.id))] == [
            "read:users"
        ]
    container.groups.delete(team.id, by=admin)
    assert not container.capabilities.has(bob, "read:users")  # the group is gone
    container.consistency.wait(admin, ["permissions"])
    with container.reads.connect() as conn:
        assert queries.list_groups(conn) == []
