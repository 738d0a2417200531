"""The User aggregate: credentials, role, failed logins, deletion."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.identity.events import (
    UserBanLifted,
    UserBanned,
    UserDeleted,
    UserLoginFailed,
    UserPasswordChanged,
    UserRegistered,
    UserRoleChanged,
)
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
