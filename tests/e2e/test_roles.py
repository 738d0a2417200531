"""`GET /api/roles/:roleName` grants only what Chronicle serves, so the client opens no screen
whose routes answer 404."""

from __future__ import annotations

from typing import Any

from api.identity.roles import SERVED_BY
from tests.e2e.conftest import Api
from tests.e2e.test_api_coverage import DOC, documented

# the features Chronicle serves today
SERVED = {"BOOKMARKS", "TEMPORARY_CHAT", "PEOPLE_PICKER", "SHARED_LINKS", "MEMORIES"}
MEMORIES = {"USE", "CREATE", "UPDATE", "READ", "OPT_OUT"}  # LibreChat's defaults


def _granted(document: dict[str, Any]) -> dict[str, set[str]]:
    return {
        kind: {flag for flag, on in flags.items() if on}
        for kind, flags in document["permissions"].items()
        if any(flags.values())
    }


def test_roles_grant_only_served_features_for_user_and_admin(api: Api) -> None:
    admin = api.user("boss@example.com")
    user = api.user("staff@example.com")
    own = api.client.get("/api/roles/USER", headers=user).json()
    boss = api.client.get("/api/roles/ADMIN", headers=admin).json()
    # Every permission type the client reads is present, each flag a boolean
    assert set(own["permissions"]) == set(boss["permissions"])
    assert len(own["permissions"]) == 16
    assert all(isinstance(f, bool) for g in own["permissions"].values() for f in g.values())
    assert own["permissions"]["PROMPTS"] == {
        "USE": False,
        "CREATE": False,
        "SHARE": False,
        "SHARE_PUBLIC": False,
    }
    assert own["permissions"]["MCP_SERVERS"]["USE"] is False
    shared_links = {"CREATE", "SHARE", "SHARE_PUBLIC"}  # LibreChat's defaults for both roles
    served = {
        "BOOKMARKS": {"USE"},
        "TEMPORARY_CHAT": {"USE"},
        "SHARED_LINKS": shared_links,
        "MEMORIES": MEMORIES,
    }
    assert _granted(own) == served
    assert _granted(boss) == {
        **served,
        "PEOPLE_PICKER": {"VIEW_USERS", "VIEW_GROUPS", "VIEW_ROLES"},
        "SHARED_LINKS": shared_links,
    }


def test_every_granted_permission_opens_a_route_the_coverage_doc_serves() -> None:
    states = {f"{r.method} {r.path}": r.state for r in documented(DOC.read_text("utf-8"))}
    opened = {kind: route for kind, route in SERVED_BY.items() if route is not None}
    assert set(opened) == SERVED
    unserved = {kind: route for kind, route in opened.items() if states.get(route) == "not yet"}
    assert unserved == {} and all(route in states for route in opened.values())
