"""The authorization matrix of `/api/permissions/*`: every principal against every route, on a
resource that exists and one that does not. A principal without the needed bit gets LibreChat's
403 and the very answer a missing resource gets (nothing leaks); each grant or revoke changes
exactly the cells it should, on the next request."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from tests.e2e.conftest import Api

P = "/api/permissions"
WHO = ("owner", "bob", "carol", "admin")
RESOURCES = (("sharedLink", "L1"), ("agent", "A1"), ("sharedLink", "NOPE"), ("agent", "NOPE"))
Cell = tuple[str, str, str]  # who, route, resource


@pytest.fixture(autouse=True)
def _links_and_agents_served(monkeypatch: pytest.MonkeyPatch) -> None:
    import api.permissions.guards as guards

    monkeypatch.setattr(guards, "SERVED", guards.SERVED | {"SHARED_LINKS", "AGENTS"})


class World:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.headers = {who: api.user(f"{who}@example.com") for who in ("admin", *WHO[:3])}
        self.ids = {who: self._id(h) for who, h in self.headers.items()}
        perms = api.container.permissions
        # "A1" is an ACL without an agent behind it: judged by its ACL alone, as a type with
        # no catalog is (the agents' catalog, which answers 404 for a missing agent, is
        # tested in test_agents_api.py)
        perms.catalogs.pop("agent", None)
        perms.create_owner("sharedLink", "L1", self.ids["owner"])
        perms.create_owner("agent", "A1", self.ids["owner"])
        self.team = api.container.groups.create("Team", by=self.ids["admin"]).id
        api.container.groups.add_member(self.team, self.ids["carol"], by=self.ids["admin"])

    def _id(self, headers: dict[str, str]) -> UUID:
        return UUID(self.api.client.get("/api/user", headers=headers).json()["id"])

    def put(self, who: str, resource: str, body: dict[str, Any]) -> Any:
        answer = self.api.client.put(f"{P}/{resource}", json=body, headers=self.headers[who])
        assert answer.status_code == 200, answer.text
        return answer

    def matrix(self) -> dict[Cell, Any]:
        cells: dict[Cell, Any] = {}
        client = self.api.client
        for who in WHO:
            h = self.headers[who]
            for kind in ("sharedLink", "agent"):
                cells[(who, "all", kind)] = client.get(
                    f"{P}/{kind}/effective/all", headers=h
                ).json()
            for kind, rid in RESOURCES:
                path = f"{P}/{kind}/{rid}"
                got = client.get(path, headers=h)
                noop = client.put(path, json={"updated": [], "removed": []}, headers=h)
                eff = client.get(f"{path}/effective", headers=h).json()
                cells[(who, "GET", f"{kind}/{rid}")] = (got.status_code, _shape(got.json()))
                cells[(who, "PUT", f"{kind}/{rid}")] = (noop.status_code, noop.json())
                cells[(who, "effective", f"{kind}/{rid}")] = eff["permissionBits"]
        return cells


def _shape(document: Any) -> Any:
    """Who is listed with which role, without display fields."""
    if "principals" not in document:
        return document
    listed = sorted((p["type"], p["id"], p["accessRoleId"]) for p in document["principals"])
    return {"principals": listed, "public": document["public"]}


def _changed(before: dict[Cell, Any], after: dict[Cell, Any]) -> dict[Cell, tuple[Any, Any]]:
    return {c: (before[c], after[c]) for c in before if before[c] != after[c]}


FORBID_LINK = (
    403,
    {"error": "Forbidden", "message": "Insufficient permissions to access this sharedLink"},
)
FORBID_AGENT = (
    403,
    {"error": "Forbidden", "message": "Insufficient permissions to access this agent"},
)
NO_AGENT_SHARING = (
    403,
    {"error": "Forbidden", "message": "You do not have permission to share agent resources"},
)


def test_authorization_matrix(api: Api) -> None:
    world = World(api)
    owner, bob = (str(world.ids[w]) for w in ("owner", "bob"))
    m0 = world.matrix()

    # Who sees what at the start: the owner and admins (manage capabilities) only
    for who in ("bob", "carol"):
        for resource, forbid in (("sharedLink/L1", FORBID_LINK), ("agent/A1", FORBID_AGENT)):
            missing = resource.split("/")[0] + "/NOPE"
            assert m0[(who, "GET", resource)] == forbid == m0[(who, "GET", missing)]
            assert m0[(who, "PUT", resource)] == forbid == m0[(who, "PUT", missing)]
            assert m0[(who, "effective", resource)] == 0
        assert m0[(who, "all", "sharedLink")] == {} == m0[(who, "all", "agent")]
    assert m0[("owner", "GET", "sharedLink/L1")] == (
        200,
        {"principals": [("user", owner, "sharedLink_owner")], "public": False},
    )
    assert m0[("owner", "PUT", "sharedLink/L1")][0] == 200
    assert m0[("owner", "PUT", "agent/A1")] == NO_AGENT_SHARING  # USER's role cannot share agents
    assert m0[("owner", "effective", "agent/A1")] == 15
    assert m0[("owner", "all", "agent")] == {"A1": 15}
    assert m0[("admin", "GET", "agent/A1")][0] == 200  # manage:agents bypasses the ACL
    assert m0[("admin", "GET", "agent/NOPE")] == (200, {"principals": [], "public": False})
    assert m0[("admin", "effective", "agent/A1")] == 0  # bypass is not a bit

    # The owner shares the link with bob: bob's two cells change, nothing else
    world.put("owner", "sharedLink/L1", {"updated": [_user(bob, "sharedLink_viewer")]})
    m1 = world.matrix()
    owner_listing = (
        200,
        {
            "principals": sorted(
                [("user", owner, "sharedLink_owner"), ("user", bob, "sharedLink_viewer")]
            ),
            "public": False,
        },
    )
    assert _changed(m0, m1) == {
        ("bob", "effective", "sharedLink/L1"): (0, 1),
        ("bob", "all", "sharedLink"): ({}, {"L1": 1}),
        ("owner", "GET", "sharedLink/L1"): (m0[("owner", "GET", "sharedLink/L1")], owner_listing),
        ("admin", "GET", "sharedLink/L1"): (m0[("admin", "GET", "sharedLink/L1")], owner_listing),
    }

    # An admin makes carol's group editor, then bob owner, of the agent
    group = {"type": "group", "id": str(world.team), "accessRoleId": "agent_editor"}
    world.put("admin", "agent/A1", {"updated": [group]})
    m2 = world.matrix()
    changed = _changed(m1, m2)
    assert changed.pop(("carol", "effective", "agent/A1")) == (0, 3)
    assert changed.pop(("carol", "all", "agent")) == ({}, {"A1": 3})
    assert set(changed) == {("owner", "GET", "agent/A1"), ("admin", "GET", "agent/A1")}

    world.put("admin", "agent/A1", {"updated": [_user(bob, "agent_owner")]})
    m3 = world.matrix()
    changed = _changed(m2, m3)
    assert changed.pop(("bob", "effective", "agent/A1")) == (0, 15)
    assert changed.pop(("bob", "all", "agent")) == ({}, {"A1": 15})
    assert changed.pop(("bob", "GET", "agent/A1"))[1][0] == 200  # SHARE: bob may list
    assert changed.pop(("bob", "PUT", "agent/A1")) == (FORBID_AGENT, NO_AGENT_SHARING)
    assert set(changed) == {("owner", "GET", "agent/A1"), ("admin", "GET", "agent/A1")}

    # Revokes and a removed member take effect on the next request
    world.put("owner", "sharedLink/L1", {"removed": [{"type": "user", "id": bob}]})
    api.container.groups.remove_member(world.team, world.ids["carol"], by=world.ids["admin"])
    m4 = world.matrix()
    changed = _changed(m3, m4)
    assert changed.pop(("bob", "effective", "sharedLink/L1")) == (1, 0)
    assert changed.pop(("bob", "all", "sharedLink")) == ({"L1": 1}, {})
    assert changed.pop(("carol", "effective", "agent/A1")) == (3, 0)
    assert changed.pop(("carol", "all", "agent")) == ({"A1": 3}, {})
    assert set(changed) == {("owner", "GET", "sharedLink/L1"), ("admin", "GET", "sharedLink/L1")}

    # Public: every signed-in user may view the link
    world.put("owner", "sharedLink/L1", {"public": True, "publicAccessRoleId": "sharedLink_viewer"})
    m5 = world.matrix()
    changed = _changed(m4, m5)
    for who in ("bob", "carol", "admin"):
        assert changed.pop((who, "effective", "sharedLink/L1")) == (0, 1)
        assert changed.pop((who, "all", "sharedLink")) == ({}, {"L1": 1})
    assert set(changed) == {("owner", "GET", "sharedLink/L1"), ("admin", "GET", "sharedLink/L1")}
    assert m5[("bob", "GET", "sharedLink/L1")] == FORBID_LINK  # VIEW is not SHARE


def _user(user_id: str, role: str) -> dict[str, str]:
    return {"type": "user", "id": user_id, "accessRoleId": role}
