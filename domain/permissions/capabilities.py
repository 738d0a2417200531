"""LibreChat's system capabilities and how they imply each other
(`packages/data-schemas/src/admin/capabilities.ts`, `methods/systemGrant.ts`).

The ADMIN role holds every capability: LibreChat seeds a grant of each to it at start; here it
is a rule, so it cannot be forgotten in a new deployment nor revoked by accident."""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.permissions.model import ResourceType

ACCESS_ADMIN = "access:admin"
READ_USERS = "read:users"
MANAGE_USERS = "manage:users"
READ_GROUPS = "read:groups"
MANAGE_GROUPS = "manage:groups"
READ_ROLES = "read:roles"
MANAGE_ROLES = "manage:roles"
READ_CONFIGS = "read:configs"
MANAGE_CONFIGS = "manage:configs"
ASSIGN_CONFIGS = "assign:configs"
READ_USAGE = "read:usage"
READ_INSIGHTS = "read:insights"
READ_AGENTS = "read:agents"
MANAGE_AGENTS = "manage:agents"
MANAGE_MCP_SERVERS = "manage:mcpservers"
READ_PROMPTS = "read:prompts"
MANAGE_PROMPTS = "manage:prompts"
READ_SKILLS = "read:skills"
MANAGE_SKILLS = "manage:skills"
READ_SHARED_LINKS = "read:sharedlinks"
MANAGE_SHARED_LINKS = "manage:sharedlinks"
READ_ASSISTANTS = "read:assistants"
MANAGE_ASSISTANTS = "manage:assistants"
READ_AUDIT_LOG = "read:audit_log"

SYSTEM_CAPABILITIES: tuple[str, ...] = (
    ACCESS_ADMIN,
    READ_USERS,
    MANAGE_USERS,
    READ_GROUPS,
    MANAGE_GROUPS,
    READ_ROLES,
    MANAGE_ROLES,
    READ_CONFIGS,
    MANAGE_CONFIGS,
    ASSIGN_CONFIGS,
    READ_USAGE,
    READ_INSIGHTS,
    READ_AGENTS,
    MANAGE_AGENTS,
    MANAGE_MCP_SERVERS,
    READ_PROMPTS,
    MANAGE_PROMPTS,
    READ_SKILLS,
    MANAGE_SKILLS,
    READ_SHARED_LINKS,
    MANAGE_SHARED_LINKS,
    READ_ASSISTANTS,
    MANAGE_ASSISTANTS,
    READ_AUDIT_LOG,
)

IMPLICATIONS: dict[str, tuple[str, ...]] = {
    MANAGE_USERS: (READ_USERS,),
    MANAGE_GROUPS: (READ_GROUPS,),
    MANAGE_ROLES: (READ_ROLES,),
    MANAGE_CONFIGS: (READ_CONFIGS,),
    MANAGE_AGENTS: (READ_AGENTS,),
    MANAGE_PROMPTS: (READ_PROMPTS,),
    MANAGE_SKILLS: (READ_SKILLS,),
    MANAGE_SHARED_LINKS: (READ_SHARED_LINKS,),
    MANAGE_ASSISTANTS: (READ_ASSISTANTS,),
}

# The capability that bypasses a resource type's ACL (LibreChat's ResourceCapabilityMap).
RESOURCE_CAPABILITY: dict[str, str] = {
    ResourceType.AGENT: MANAGE_AGENTS,
    ResourceType.PROMPTGROUP: MANAGE_PROMPTS,
    ResourceType.MCPSERVER: MANAGE_MCP_SERVERS,
    ResourceType.REMOTE_AGENT: MANAGE_AGENTS,
    ResourceType.SKILL: MANAGE_SKILLS,
    ResourceType.SHARED_LINK: MANAGE_SHARED_LINKS,
}

ADMIN_ROLE = "ADMIN"
_BASE = frozenset(SYSTEM_CAPABILITIES)
_SECTION = re.compile(r"^(?:manage|read):configs:\w+$")
_ASSIGN = re.compile(r"^assign:configs:(?:user|group|role)$")


MAX_CAPABILITY = 100


def is_valid_capability(value: str) -> bool:
    if len(value) > MAX_CAPABILITY:
        return False
    return value in _BASE or bool(_SECTION.match(value)) or bool(_ASSIGN.match(value))


def satisfying(required: str) -> set[str]:
    """Every held capability that satisfies `required`: itself, the broader ones implying it,
    and for a section capability (`read:configs:endpoints`) its base and the manage section."""
    found = {required} | {broad for broad, implied in IMPLICATIONS.items() if required in implied}
    parent, _, section = required.rpartition(":")
    if parent in _BASE:
        found |= {parent} | {b for b, implied in IMPLICATIONS.items() if parent in implied}
    if parent == READ_CONFIGS:
        found.add(f"{MANAGE_CONFIGS}:{section}")
    return found


def holds(held: Iterable[str], required: str, roles: Iterable[str] = ()) -> bool:
    """Whether capabilities `held` (by any of a user's principals) satisfy `required`; a user
    whose role is ADMIN holds everything."""
    if ADMIN_ROLE in roles:
        return True
    return not satisfying(required).isdisjoint(held)


def expand(held: Iterable[str]) -> set[str]:
    """`held` with everything it implies (LibreChat's `expandImplications`)."""
    found = set(held)
    for capability in list(found):
        found |= set(IMPLICATIONS.get(capability, ()))
    return found
