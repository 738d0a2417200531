"""Which of LibreChat's permission types this deployment serves: the route (as listed in
docs/api-coverage.md) whose feature each opens. `GET /api/roles/:roleName` grants only these."""

from __future__ import annotations

# The route (as listed in docs/api-coverage.md) whose feature a permission type opens; None when
# Chronicle does not serve it yet. Multi-convo needs `addedConvo` turns, which chat ignores.
SERVED_BY: dict[str, str | None] = {
    "PROMPTS": None,
    "BOOKMARKS": "GET /api/tags",
    "MEMORIES": "GET /api/memories",
    "AGENTS": None,
    "MULTI_CONVO": None,
    "TEMPORARY_CHAT": "POST /api/agents/chat",
    "RUN_CODE": None,
    "WEB_SEARCH": None,
    "PEOPLE_PICKER": "GET /api/permissions/search-principals",
    "MARKETPLACE": None,
    "FILE_SEARCH": None,
    "FILE_CITATIONS": None,
    "MCP_SERVERS": None,
    "REMOTE_AGENTS": None,
    "SKILLS": None,
    "SHARED_LINKS": "POST /api/share/:conversationId",
}

SERVED = frozenset(kind for kind, route in SERVED_BY.items() if route is not None)
