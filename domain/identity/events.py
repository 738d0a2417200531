"""Identity events. Topics are the storage contract: never change one."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from domain.shared.events import DomainEvent


class UserRegistered(DomainEvent, frozen=True, kw_only=True):
    TOPIC = "identity.UserRegistered"
    personal = ("email", "name", "username", "password_hash")
    email: str
    name: str
    username: str
    role: str
    provider: str = "local"
    password_hash: str = ""
    email_verified: bool = True


class UserPasswordChanged(DomainEvent, frozen=True, kw_only=True):
    """A new hash: a password reset, or a LibreChat bcrypt hash upgraded to argon2id."""

    TOPIC = "identity.UserPasswordChanged"
    personal = ("password_hash",)
    password_hash: str
    reason: str = "rehash"


class UserLoginFailed(DomainEvent, frozen=True, kw_only=True):
    TOPIC = "identity.UserLoginFailed"
    personal = ("ip", "user_agent")
    ip: str
    user_agent: str
    reason: str


class UserRoleChanged(DomainEvent, frozen=True, kw_only=True):
    """`previous` and `changed_by` (the admin; None for the CLI) are empty on events recorded
    before the admin routes existed."""

    TOPIC = "identity.UserRoleChanged"
    role: str
    previous: str = ""
    changed_by: UUID | None = None


class UserDeleted(DomainEvent, frozen=True, kw_only=True):
    """The user's key is destroyed with this event: their personal fields become unreadable."""

    TOPIC = "identity.UserDeleted"


class SessionStarted(DomainEvent, frozen=True, kw_only=True):
    TOPIC = "identity.SessionStarted"
    personal = ("ip", "user_agent")
    subject = "user_id"
    user_id: UUID
    refresh_hash: str
    expires_at: datetime
    ip: str
    user_agent: str


class SessionRefreshed(DomainEvent, frozen=True, kw_only=True):
    """previous_hash and issued_at let the superseded token, presented again within the
    grace window (two tabs refreshing at once), be answered with this same new token."""

    TOPIC = "identity.SessionRefreshed"
    personal = ("ip",)
    subject = "user_id"
    user_id: UUID
    refresh_hash: str
    ip: str
    previous_hash: str = ""
    issued_at: datetime | None = None


class SessionEnded(DomainEvent, frozen=True, kw_only=True):
    """reason: logout, token_reuse, password_reset, banned, user_deleted."""

    TOPIC = "identity.SessionEnded"
    user_id: UUID
    reason: str


class EmailClaimed(DomainEvent, frozen=True, kw_only=True):
    """The claim's id is a keyed hash of the address, so it reveals nothing once shredded."""

    TOPIC = "identity.EmailClaimed"
    user_id: UUID


class EmailReleased(DomainEvent, frozen=True, kw_only=True):
    TOPIC = "identity.EmailReleased"


class FirstAdminSeated(DomainEvent, frozen=True, kw_only=True):
    """Exactly one of these can ever exist: it makes the first user ADMIN."""

    TOPIC = "identity.FirstAdminSeated"
    user_id: UUID


class UserBanned(DomainEvent, frozen=True, kw_only=True):
    """The user's violation score crossed a multiple of BAN_INTERVAL. The IP they came from
    is banned with them and recorded here (the ban of an IP always stems from a user's
    violation, so it lives on that user's stream and is shredded with them)."""

    TOPIC = "identity.UserBanned"
    personal = ("ip",)
    ip: str
    violation: str
    violation_count: int
    expires_at: datetime


class UserBanLifted(DomainEvent, frozen=True, kw_only=True):
    """An operator lifted a ban before it expired (an expiry needs no event: the ban says when)."""

    TOPIC = "identity.UserBanLifted"
    reason: str = "admin"


class UserFavoritesChanged(DomainEvent, frozen=True, kw_only=True):
    """The whole list, as LibreChat replaces it: each item is `{agentId}`, `{model,
    endpoint}` or `{spec}`."""

    TOPIC = "identity.UserFavoritesChanged"
    personal = ("favorites",)
    favorites: list[dict[str, str]]


class UserTermsAccepted(DomainEvent, frozen=True, kw_only=True):
    """The first acceptance only: accepting again keeps the original time (the event's)."""

    TOPIC = "identity.UserTermsAccepted"


class UserPreferencesChanged(DomainEvent, frozen=True, kw_only=True):
    """LibreChat's `personalization` keys that changed (`statefulCodeEnvironment`)."""

    TOPIC = "identity.UserPreferencesChanged"
    preferences: dict[str, str]


class UserPluginInstalled(DomainEvent, frozen=True, kw_only=True):
    """`auth`: the credentials the user gave the plugin (LibreChat's PluginAuth values), kept
    encrypted under the user's key like every personal field. `listed`: false for an entity
    tool (an agent's or assistant's), whose credentials are kept but which is not added to
    the user's `plugins`."""

    TOPIC = "identity.UserPluginInstalled"
    personal = ("auth",)
    plugin_key: str
    auth: dict[str, str] = {}
    listed: bool = True


class UserPluginUninstalled(DomainEvent, frozen=True, kw_only=True):
    """`auth_fields`: the credential names removed with it (all of them when empty);
    `listed` as for UserPluginInstalled."""

    TOPIC = "identity.UserPluginUninstalled"
    plugin_key: str
    auth_fields: list[str] = []
    listed: bool = True


Permissions = dict[str, dict[str, bool]]


class RoleDefined(DomainEvent, frozen=True, kw_only=True):
    """A role document exists: a custom role created, a built-in one first changed, or a
    renamed one under its new name (`renamed_from`). `permissions`: the flags set on it."""

    TOPIC = "identity.RoleDefined"
    name: str
    description: str = ""
    permissions: Permissions = msgspec.field(default_factory=dict)
    renamed_from: str = ""
    actor_id: UUID | None = None


class RolePermissionsUpdated(DomainEvent, frozen=True, kw_only=True):
    """Flags set on the role, merged over the ones it had (`permissions`: only those sent)."""

    TOPIC = "identity.RolePermissionsUpdated"
    name: str
    permissions: Permissions
    actor_id: UUID | None = None


class RoleDescribed(DomainEvent, frozen=True, kw_only=True):
    TOPIC = "identity.RoleDescribed"
    name: str
    description: str
    actor_id: UUID | None = None


class RoleDeleted(DomainEvent, frozen=True, kw_only=True):
    """`renamed_to`: the role lives on under that name (its `RoleDefined.renamed_from`)."""

    TOPIC = "identity.RoleDeleted"
    name: str
    renamed_to: str = ""
    actor_id: UUID | None = None
