"""The settings a user keeps on their account (LibreChat keeps them on the user document):
favorites, accepted terms, preferences, installed plugins. Each is a decision on the User
aggregate, retried when another write to the same user got there first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.shared.store import EventStore, retry_on_conflict
from domain.identity.preferences import check_auth, check_favorites, check_plugin_key
from domain.identity.user import User
from domain.shared.errors import NotFound

INSTALL, UNINSTALL = "install", "uninstall"


@dataclass(frozen=True)
class AccountSettings:
    favorites: tuple[dict[str, str], ...]
    terms_accepted_at: datetime | None
    preferences: dict[str, str]
    plugins: tuple[str, ...]


def settings_of(user: User) -> AccountSettings:
    return AccountSettings(
        favorites=user.favorites,
        terms_accepted_at=user.terms_accepted_at,
        preferences=dict(user.preferences),
        plugins=user.plugins,
    )


class UserSettings:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    def of(self, user_id: UUID) -> AccountSettings:
        return settings_of(self._load(user_id))

    def set_favorites(self, user_id: UUID, favorites: object) -> AccountSettings:
        checked = check_favorites(favorites)  # before any load: a refused list changes nothing
        return self._change(user_id, lambda u: u.set_favorites(checked))

    def accept_terms(self, user_id: UUID) -> AccountSettings:
        return self._change(user_id, lambda u: u.accept_terms())

    def set_code_environment(self, user_id: UUID, environment: object) -> AccountSettings:
        return self._change(user_id, lambda u: u.set_code_environment(environment))

    def change_plugin(
        self,
        user_id: UUID,
        plugin_key: object,
        action: object,
        auth: dict[str, Any] | None,
        listed: bool = True,
    ) -> AccountSettings:
        """LibreChat's bookkeeping: `install` adds the key to the user's plugins (unless it
        is an entity tool: `listed` false) and keeps the credentials given; `uninstall`
        removes the key and the credentials named (all of them when none are named). Any
        other action changes nothing."""
        key = check_plugin_key(plugin_key)
        fields = check_auth(auth or {})
        if action == INSTALL:
            return self._change(user_id, lambda u: u.install_plugin(key, fields, listed))
        if action == UNINSTALL:
            names = sorted(fields)
            return self._change(user_id, lambda u: u.uninstall_plugin(key, names, listed))
        return self.of(user_id)

    def _change(self, user_id: UUID, decide: Callable[[User], None]) -> AccountSettings:
        def attempt() -> AccountSettings:
            user = self._load(user_id)
            decide(user)
            self.store.commit(user, actor=user_id)
            return settings_of(user)

        return retry_on_conflict(attempt)

    def _load(self, user_id: UUID) -> User:
        user = self.store.load(User, user_id)
        if user.deleted:
            raise NotFound("User not found")
        return user
