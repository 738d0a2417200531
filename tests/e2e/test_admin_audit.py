"""/api/admin/audit-log served from the event store: grant, role and membership changes are
entries with their own chain links, and `verify` recomputes the real chains (a tampered
row is found)."""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import UUID

from domain.permissions.model import Principal
from tests.e2e.conftest import Api
from tests.raw_events import RawEvents

ROUTES = (
    "/api/admin/audit-log",
    "/api/admin/audit-log/verify",
    "/api/admin/audit-log/export.csv",
    "/api/admin/audit-log/000000000000000000000001",
)


def _id(api: Api, headers: dict[str, str]) -> UUID:
    return UUID(api.client.get("/api/user", headers=headers).json()["id"])


def _setup(api: Api) -> tuple[dict[str, str], dict[str, str], UUID, UUID]:
    admin = api.user("boss@example.com")
    user = api.user("staff@example.com")
    admin_id, user_id = _id(api, admin), _id(api, user)
    assert api.client.put("/api/roles/USER/agents", json={"USE": True}, headers=admin).is_success
    api.container.capabilities.grant(Principal.user(user_id), "read:users", admin_id)
    return admin, user, admin_id, user_id


def _entries(api: Api, headers: dict[str, str], **query: Any) -> Any:
    response = api.client.get("/api/admin/audit-log", params=query, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_changes_are_listed_newest_first_with_their_chain_links(api: Api) -> None:
    admin, _, admin_id, user_id = _setup(api)
    page = _entries(api, admin)
    actions = [e["action"] for e in page["entries"]]
    assert actions == ["grant.assigned", "role.permissions_updated", "role.created"]
    assert (page["total"], page["nextCursor"]) == (3, None)
    grant = page["entries"][0]
    assert grant["category"] == "grant" and grant["outcome"] == "success"
    assert grant["actor"] == {"type": "user", "name": "Test User", "id": str(admin_id)}
    assert grant["target"] == {"type": "user", "id": str(user_id), "name": "Test User"}
    assert grant["metadata"] == {"capability": "read:users"}
    assert page["entries"][1]["metadata"] == {"AGENTS.USE": True}
    # the integrity block is the event's own link in its context's chain
    for entry in page["entries"]:
        context = "sharing" if entry["action"].startswith("grant") else "identity"
        recorder: Any = api.container.stores[context].recorder
        links = dict(recorder.select_links(entry["integrity"]["seq"]))
        assert entry["integrity"]["hash"] == links[entry["integrity"]["seq"]].hex()
        assert len(entry["integrity"]["prevHash"]) == 64
        one = api.client.get(f"/api/admin/audit-log/{entry['id']}", headers=admin)
        assert one.json() == {"entry": entry}


def test_filters_pages_and_bad_queries(api: Api) -> None:
    admin, *_ = _setup(api)
    assert _entries(api, admin, action="grant.assigned")["total"] == 1
    assert _entries(api, admin, category="permission")["total"] == 2
    assert _entries(api, admin, capability="READ:US")["total"] == 1
    assert _entries(api, admin, search="role.perm")["total"] == 1
    assert _entries(api, admin, to="2000-01-01")["total"] == 0
    first = _entries(api, admin, limit=2)
    assert len(first["entries"]) == 2 and first["nextCursor"] == 2
    rest = _entries(api, admin, limit=2, cursor=first["nextCursor"])
    assert [e["action"] for e in rest["entries"]] == ["role.created"]
    for query, error in (
        ({"action": "grant.nope"}, "Unknown action: grant.nope"),
        ({"from": "2026-02-30"}, "from: Invalid date"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "`from` must be earlier than `to`"),
        ({"limit": "0"}, "limit must be >= 1"),
        ({"limit": "x"}, "limit must be a number"),
        ({"actorType": "robot"}, "Unknown actorType: robot"),
    ):
        response = api.client.get("/api/admin/audit-log", params=query, headers=admin)
        assert (response.status_code, response.json()["error"]) == (400, error)
    assert api.client.get("/api/admin/audit-log/xyz", headers=admin).status_code == 400
    missing = api.client.get("/api/admin/audit-log/00000000000000000000ffff", headers=admin)
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})
    # a conversation event is no entry, even by its position
    assert (
        api.client.get("/api/admin/audit-log/010000000000000000000001", headers=admin).status_code
        == 404
    )


def test_the_csv_export_has_librechat_columns(api: Api) -> None:
    admin, *_ = _setup(api)
    response = api.client.get("/api/admin/audit-log/export.csv", headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Timestamp", "Category", "Action"] and rows[0][-2:] == ["Seq", "Hash"]
    assert [r[2] for r in rows[1:]] == [
        "grant.assigned",
        "role.permissions_updated",
        "role.created",
    ]
    assert rows[1][11] == "read:users"


def test_verify_checks_the_real_chain_and_finds_a_tampered_row(api: Api) -> None:
    admin, *_ = _setup(api)
    intact = api.client.get("/api/admin/audit-log/verify", headers=admin).json()
    assert intact["ok"] is True and intact["chainKey"] == "__platform__"
    assert {c["chainKey"] for c in intact["chains"]} == {"identity", "sharing"}
    assert intact["checked"] == api.events("identity") + api.events("sharing")
    entry = _entries(api, admin, action="role.permissions_updated")["entries"][0]
    raw = RawEvents(api.container, "identity")
    seq = entry["integrity"]["seq"]
    raw.set_state(seq, raw.state(seq).replace(b"true", b"false"))
    broken = api.client.get("/api/admin/audit-log/verify", headers=admin).json()
    assert (broken["ok"], broken["chainKey"], broken["brokenAt"]) == (False, "identity", seq)
    assert "hash mismatch" in broken["reason"]


def test_only_admins_and_holders_of_both_capabilities_read_it(api: Api) -> None:
    _, user, admin_id, user_id = _setup(api)
    for path in ROUTES:
        refused = api.client.get(path, headers=user)
        assert (refused.status_code, refused.json()["message"]) == (403, "Forbidden")
        assert api.client.get(path).status_code == 401
    api.container.capabilities.grant(Principal.user(user_id), "read:audit_log", admin_id)
    assert api.client.get(ROUTES[0], headers=user).status_code == 403  # no access:admin
    api.container.capabilities.grant(Principal.role("USER"), "access:admin", admin_id)
    assert api.client.get(ROUTES[0], headers=user).status_code == 200
