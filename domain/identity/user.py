"""The User aggregate: credentials, role, failed logins, deletion."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.identity.events import (
    UserBanLifted,
    UserBanned,
    UserDeleted,
    UserFavoritesChanged,
    UserLoginFailed,
    UserPasswordChanged,
    UserPluginInstalled,
    UserPluginUninstalled,
    UserPreferencesChanged,
    UserRegistered,
    UserRoleChanged,
    UserTermsAccepted,
)
from domain.identity.preferences import MAX_PLUGINS, check_code_environment
from domain.identity.rules import ROLES
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Invalid, NotFound


class User(Aggregate):
    email: str
    name: str
    username: str
    role: str
    provider: str
    password_hash: str
    email_verified: bool
    created_at: datetime
    updated_at: datetime
    deleted: bool
    ban_ip: str  # the IP banned with the user's last ban, to lift it with theirs
    # account settings; the defaults hold for users registered before they existed, and
    # appliers replace these values, never mutate them
    favorites: tuple[dict[str, str], ...] = ()
    terms_accepted_at: datetime | None = None
    preferences: dict[str, str] = {}  # replaced by its applier, never mutated
    plugins: tuple[str, ...] = ()

    @classmethod
    def register(
        cls,
        user_id: UUID,
        *,
        email: str,
        name: str,
        username: str,
        role: str,
        password_hash: str,
        provider: str = "local",
        email_verified: bool = True,
    ) -> User:
        if role not in ROLES:
            raise Invalid(f"unknown role {role!r}")
        user = cls(user_id)
        user._record(
            UserRegistered,
            email=email,
            name=name,
            username=username,
            role=role,
            provider=provider,
            password_hash=password_hash,
            email_verified=email_verified,
        )
        return user

    def change_password_hash(self, password_hash: str, reason: str = "rehash") -> None:
        self._require_active()
        self._record(UserPasswordChanged, password_hash=password_hash, reason=reason)

    def record_failed_login(self, ip: str, user_agent: str, reason: str) -> None:
        if not self.deleted:
            self._record(UserLoginFailed, ip=ip, user_agent=user_agent, reason=reason)

    def ban(self, ip: str, violation: str, violation_count: int, expires_at: datetime) -> None:
        if not self.deleted:
            self._record(
                UserBanned,
                ip=ip,
                violation=violation,
                violation_count=violation_count,
                expires_at=expires_at,
            )

    def lift_ban(self, reason: str = "admin") -> None:
        self._require_active()
        self._record(UserBanLifted, reason=reason)

    def change_role(self, role: str, changed_by: UUID | None = None) -> bool:
        """Any role the caller checked exists (built in, or a custom Role); False: no change."""
        self._require_active()
        if not role:
            raise Invalid("role is required")
        if role == self.role:
            return False
        self._record(UserRoleChanged, role=role, previous=self.role, changed_by=changed_by)
        return True

    def delete(self) -> None:
        self._require_active()
        self._record(UserDeleted)

    def set_favorites(self, favorites: list[dict[str, str]]) -> None:
        """`favorites` as `domain.identity.preferences.check_favorites` returns them."""
        self._require_active()
        if tuple(favorites) != self.favorites:
            self._record(UserFavoritesChanged, favorites=favorites)

    def accept_terms(self) -> None:
        self._require_active()
        if self.terms_accepted_at is None:
            self._record(UserTermsAccepted)

    def set_code_environment(self, environment: object) -> None:
        self._require_active()
        value = check_code_environment(environment)
        if self.preferences.get("statefulCodeEnvironment") != value:
            self._record(UserPreferencesChanged, preferences={"statefulCodeEnvironment": value})

    def install_plugin(self, plugin_key: str, auth: dict[str, str], listed: bool = True) -> None:
        self._require_active()
        adds = listed and plugin_key not in self.plugins
        if adds and len(self.plugins) >= MAX_PLUGINS:
            raise Invalid(f"at most {MAX_PLUGINS} plugins can be installed")
        if adds or auth:
            self._record(UserPluginInstalled, plugin_key=plugin_key, auth=auth, listed=listed)

    def uninstall_plugin(
        self, plugin_key: str, auth_fields: list[str], listed: bool = True
    ) -> None:
        self._require_active()
        if (listed and plugin_key in self.plugins) or auth_fields or not listed:
            self._record(
                UserPluginUninstalled,
                plugin_key=plugin_key,
                auth_fields=auth_fields,
                listed=listed,
            )

    def _require_active(self) -> None:
        if self.deleted:
            raise NotFound("User not found")

    @applies(UserRegistered)
    def _registered(self, event: UserRegistered) -> None:
        self.email, self.name, self.username = event.email, event.name, event.username
        self.role, self.provider = event.role, event.provider
        self.password_hash, self.email_verified = event.password_hash, event.email_verified
        self.created_at = self.updated_at = event.timestamp
        self.deleted = False
        self.ban_ip = ""

    @applies(UserPasswordChanged)
    def _password_changed(self, event: UserPasswordChanged) -> None:
        self.password_hash = event.password_hash
        self.updated_at = event.timestamp

    @applies(UserLoginFailed)
    def _login_failed(self, event: UserLoginFailed) -> None:
        pass  # history only; the audit reads it from the log

    @applies(UserBanned)
    def _banned(self, event: UserBanned) -> None:
        # enforced from the fast store; the log keeps who was banned, when, for how long
        self.ban_ip = event.ip

    @applies(UserBanLifted)
    def _ban_lifted(self, event: UserBanLifted) -> None:
        self.ban_ip = ""

    @applies(UserRoleChanged)
    def _role_changed(self, event: UserRoleChanged) -> None:
        self.role = event.role
        self.updated_at = event.timestamp

    @applies(UserDeleted)
    def _deleted(self, event: UserDeleted) -> None:
        self.deleted = True
        self.updated_at = event.timestamp

    @applies(UserFavoritesChanged)
    def _favorites_changed(self, event: UserFavoritesChanged) -> None:
        self.favorites = tuple(event.favorites)
        self.updated_at = event.timestamp

    @applies(UserTermsAccepted)
    def _terms_accepted(self, event: UserTermsAccepted) -> None:
        self.terms_accepted_at = self.updated_at = event.timestamp

    @applies(UserPreferencesChanged)
    def _preferences_changed(self, event: UserPreferencesChanged) -> None:
        self.preferences = {**self.preferences, **event.preferences}
        self.updated_at = event.timestamp

    @applies(UserPluginInstalled)
    def _plugin_installed(self, event: UserPluginInstalled) -> None:
        if event.listed and event.plugin_key not in self.plugins:
            self.plugins = (*self.plugins, event.plugin_key)
        self.updated_at = event.timestamp

    @applies(UserPluginUninstalled)
    def _plugin_uninstalled(self, event: UserPluginUninstalled) -> None:
        if event.listed:
            self.plugins = tuple(p for p in self.plugins if p != event.plugin_key)
        self.updated_at = event.timestamp
