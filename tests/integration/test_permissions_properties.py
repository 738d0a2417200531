"""Property: whatever sequence of grants, revokes, group joins and leaves, the projection's
effective bits equal a replay of the sharing events at every step, and the as-of audit of any
earlier moment equals the state at that moment."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.permissions.acl import Grant, ResourceAcl, acl_id
from domain.permissions.group import Group
from domain.permissions.model import Principal, principals_of
from domain.shared.errors import Invalid

USERS = 4  # user 0 is ADMIN (first registered); the others are USER
GROUPS = 2
RESOURCES = 2
ROLES = ("agent_viewer", "agent_editor", "agent_owner")

principal = st.one_of(
    st.tuples(st.just("user"), st.integers(0, USERS - 1)),
    st.tuples(st.just("group"), st.integers(0, GROUPS - 1)),
    st.tuples(st.just("role"), st.sampled_from(["USER", "ADMIN"])),
    st.tuples(st.just("public"), st.none()),
)
step = st.one_of(
    st.tuples(st.just("grant"), principal, st.integers(0, RESOURCES - 1), st.sampled_from(ROLES)),
    st.tuples(st.just("revoke"), principal, st.integers(0, RESOURCES - 1)),
    st.tuples(st.just("join"), st.integers(0, USERS - 1), st.integers(0, GROUPS - 1)),
    st.tuples(st.just("leave"), st.integers(0, USERS - 1), st.integers(0, GROUPS - 1)),
)


class World:
    def __init__(self, container: Any) -> None:
        self.c = container
        self.users = [self._register(i) for i in range(USERS)]
        self.roles = ["ADMIN"] + ["USER"] * (USERS - 1)

    def _register(self, i: int) -> UUID:
        done = self.c.identity.register(
            name=f"User {i}", email=f"u{i}@example.com", password="x" * 12, confirm="x" * 12
        )
        return cast(UUID, done.user_id)

    def fresh(self) -> tuple[list[str], list[UUID]]:
        """New resources (owned by user 1) and groups for one example."""
        tag = uuid.uuid4().hex[:8]
        resources = [f"{tag}-{i}" for i in range(RESOURCES)]
        for rid in resources:
            self.c.permissions.create_owner("agent", rid, self.users[1])
        groups = [self.c.groups.create(f"G{i}", by=self.users[0]).id for i in range(GROUPS)]
        return resources, groups

    def named(self, kind: str, index: Any, groups: list[UUID]) -> Principal:
        if kind == "user":
            return Principal.user(self.users[index])
        if kind == "group":
            return Principal.group(groups[index])
        return Principal.role(index) if kind == "role" else Principal.public()

    def run(self, op: tuple[Any, ...], resources: list[str], groups: list[UUID]) -> None:
        admin = self.users[0]
        kind = op[0]
        try:
            if kind == "grant":
                grant = Grant(self.named(*op[1], groups), op[3])
                self.c.permissions.update("agent", resources[op[2]], admin, [grant])
            elif kind == "revoke":
                revoked = [self.named(*op[1], groups)]
                self.c.permissions.update("agent", resources[op[2]], admin, revokes=revoked)
            elif kind == "join":
                self.c.groups.add_member(groups[op[2]], self.users[op[1]], by=admin)
            else:
                self.c.groups.remove_member(groups[op[2]], self.users[op[1]], by=admin)
        except Invalid as error:  # the last owner stays: refused, nothing recorded
            assert "owner" in str(error)

    def replay(self, resources: list[str], groups: list[UUID], until: datetime | None = None):
        """Effective bits folded from the stored events alone: (user, resource) -> bits, and
        the user/group part an as-of report gives."""
        store = self.c.stores["sharing"]

        def fold(cls: Any, aggregate_id: UUID) -> Any:
            events = [
                e for e in store.events.get(aggregate_id) if until is None or e.timestamp <= until
            ]
            return cls.project(None, events)

        folded = {g: fold(Group, g) for g in groups}
        bits, direct = {}, {}
        for rid in resources:
            acl = fold(ResourceAcl, acl_id("agent", rid))
            for user, role in zip(self.users, self.roles, strict=True):
                mine = [str(g) for g, group in folded.items() if str(user) in group.members]
                bits[(user, rid)] = acl.bits_for(principals_of(user, role, mine))
                direct[(user, rid)] = acl.bits_for(
                    [Principal.user(user), *map(Principal.group, mine)]
                )
        return bits, direct

    def projected(self, resources: list[str]) -> dict[tuple[UUID, str], int]:
        perms = self.c.permissions
        return {(u, r): perms.effective_bits(u, "agent", r) for u in self.users for r in resources}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from application.bootstrap import bootstrap
    from tests.conftest import make_settings

    container = bootstrap(make_settings(tmp_path_factory.mktemp("props") / "var"), workers=True)
    try:
        yield World(container)
    finally:
        container.close()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=3, max_size=12))
def test_projection_equals_replay_and_as_of_equals_the_past(world: World, steps: list[Any]) -> None:
    resources, groups = world.fresh()
    moments: list[tuple[datetime, dict[tuple[UUID, str], int]]] = []
    for op in steps:
        world.run(op, resources, groups)
        replayed, direct = world.replay(resources, groups)
        assert world.projected(resources) == replayed, op
        moments.append((datetime.now(UTC), direct))
    for moment, direct in moments:
        for rid in resources:
            report = world.c.access_audit.access("agent", rid, moment)
            expected = {str(u): b for (u, r), b in direct.items() if r == rid and b}
            assert report.users == expected
