"""The sharing aggregates decide alone: who may change an ACL, which roles fit, that an owner
remains; groups and capability grants; LibreChat's capability implications."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.permissions.acl import Grant, ResourceAcl, acl_id
from domain.permissions.capabilities import expand, holds, is_valid_capability, satisfying
from domain.permissions.grants import CapabilityHolder
from domain.permissions.group import Group
from domain.permissions.model import ACCESS_ROLES, Principal, principals_of, roles_for
from domain.shared.errors import Conflict, Forbidden, Invalid, NotFound


def refold(acl: ResourceAcl) -> ResourceAcl:
    folded = ResourceAcl.project(None, acl.collect_events())
    assert folded is not None
    return folded


def test_access_roles_are_librechats_seed() -> None:
    assert len(ACCESS_ROLES) == 17
    assert [(r.access_role_id, r.perm_bits) for r in roles_for("skill")] == [
        ("skill_viewer", 1),
        ("skill_editor", 3),
        ("skill_owner", 15),
    ]
    assert roles_for("remoteAgent")[2].name == "com_ui_remote_agent_role_owner"
    assert roles_for("nothing") == []


def test_the_creator_owns_and_the_fold_rebuilds_the_same_acl() -> None:
    owner = uuid4()
    acl = ResourceAcl.open("agent", "a1", owner)
    assert acl.id == acl_id("agent", "a1") != acl_id("agent", "a2")
    again = refold(acl)
    assert again.bits_for([Principal.user(owner)]) == 15
    assert again.entries[Principal.user(owner).key].granted_by == owner


def test_only_a_sharer_or_a_bypass_may_update() -> None:
    owner, bob = uuid4(), uuid4()
    acl = ResourceAcl.open("agent", "a1", owner)
    grant = Grant(Principal.user(bob), "agent_editor")
    with pytest.raises(Forbidden):
        acl.update([grant], [], bob, principals_of(bob, "USER", []))
    acl.update([grant], [], bob, [], bypass=True)
    assert acl.bits_for(principals_of(bob, "USER", [])) == 3
    # an editor has no SHARE either
    with pytest.raises(Forbidden):
        acl.update([], [Principal.user(owner)], bob, principals_of(bob, "USER", []))


def test_roles_must_exist_and_fit_the_type_and_nothing_is_recorded_on_refusal() -> None:
    owner = uuid4()
    acl = ResourceAcl.open("agent", "a1", owner)
    acl.collect_events()
    me = [Principal.user(owner)]
    for grant, reason in [
        (Grant(Principal.role("USER"), "agent_boss"), "Role agent_boss not found"),
        (Grant(Principal.role("USER"), "skill_viewer"), "is for skill resources, not agent"),
        (Grant(Principal("user", "nope"), "agent_viewer"), "Invalid principal ID"),
        (Grant(Principal("public", "x"), "agent_viewer"), "Public principals have no ID"),
        (Grant(Principal("role", ""), "agent_viewer"), "Principal ID is required"),
    ]:
        with pytest.raises(Invalid, match=reason):
            acl.update([Grant(Principal.public(), "agent_viewer"), grant], [], owner, me)
    assert acl.collect_events() == []


def test_an_owner_remains_and_grant_wins_over_revoke_except_for_public() -> None:
    owner, bob = uuid4(), uuid4()
    acl = ResourceAcl.open("agent", "a1", owner)
    me = [Principal.user(owner)]
    with pytest.raises(Invalid, match="at least one owner"):
        acl.update([Grant(Principal.user(owner), "agent_viewer")], [], owner, me)
    outcome = acl.update(
        [Grant(Principal.user(owner), "agent_owner"), Grant(Principal.public(), "agent_viewer")],
        [Principal.user(owner), Principal.public()],
        owner,
        me,
    )
    assert outcome.revoked == (Principal.public(),)
    assert acl.bits_for(me) == 15
    assert acl.bits_for([Principal.public()]) == 0
    # re-granting the same role records nothing
    acl.collect_events()
    acl.update([Grant(Principal.user(owner), "agent_owner")], [Principal.user(bob)], owner, me)
    assert acl.collect_events() == []


def test_a_closed_acl_grants_nothing_and_refuses_updates() -> None:
    owner = uuid4()
    acl = ResourceAcl.open("agent", "a1", owner)
    acl.close(owner)
    assert refold(acl).bits_for([Principal.user(owner)]) == 0
    with pytest.raises(Conflict):
        acl.update([], [], owner, bypass=True)


def test_groups_keep_members_and_refuse_bad_values() -> None:
    admin, bob = uuid4(), uuid4()
    group = Group.create("Team", by=admin)
    assert group.add_member(bob, admin) and not group.add_member(bob, admin)
    assert group.update(admin, description="d") and not group.update(admin, description="d")
    assert group.remove_member(bob, admin) and not group.remove_member(bob, admin)
    folded = Group.project(None, group.collect_events())
    assert folded is not None and folded.members == [] and folded.description == "d"
    folded.delete(admin)
    with pytest.raises(NotFound):
        folded.add_member(bob, admin)
    for kwargs, reason in [
        ({"name": " "}, "Group name is required"),
        ({"name": "x" * 201}, "at most 200"),
        ({"name": "a\x00"}, "NUL"),
        ({"name": "a", "source": "ldap"}, "Invalid source"),
        ({"name": "a", "source": "entra"}, "idOnTheSource is required"),
    ]:
        with pytest.raises(Invalid, match=reason):
            Group.create(by=admin, **kwargs)  # type: ignore[arg-type]


def test_capability_holders_and_implications() -> None:
    admin = uuid4()
    holder = CapabilityHolder.of(Principal.group(uuid4()))
    assert holder.grant("manage:users", admin) and not holder.grant("manage:users", admin)
    assert holder.revoke("manage:users", admin) and not holder.revoke("manage:users", admin)
    with pytest.raises(Invalid):
        holder.grant("fly:planes", admin)
    with pytest.raises(Invalid):
        CapabilityHolder.of(Principal.public())
    with pytest.raises(Invalid, match="ADMIN"):
        CapabilityHolder.of(Principal.role("ADMIN")).revoke("read:users", admin)
    assert holds(["manage:users"], "read:users") and not holds(["read:users"], "manage:users")
    assert holds([], "read:audit_log", roles=["ADMIN"])
    assert holds(["manage:configs"], "read:configs:endpoints")
    assert "manage:configs:endpoints" in satisfying("read:configs:endpoints")
    assert expand(["manage:agents"]) == {"manage:agents", "read:agents"}
    assert is_valid_capability("assign:configs:group") and not is_valid_capability("assign:x")
