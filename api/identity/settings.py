"""/api/user settings LibreChat keeps on the user: favorites, preferences, terms, plugins."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.di import Provide
from litestar.params import JSONBody

from api.conversations.presenters import iso
from api.deps import container_of, provide_user_id
from domain.identity.preferences import TooManyFavorites


class FavoritesBody(msgspec.Struct, kw_only=True):
    """The list's items are checked by domain/identity/preferences.py, in LibreChat's words."""

    favorites: Any = None


class PreferencesBody(msgspec.Struct, kw_only=True):
    statefulCodeEnvironment: Any = None


class PluginBody(msgspec.Struct, kw_only=True):
    pluginKey: Any = None
    action: Any = None
    auth: dict[str, Any] | None = None
    isEntityTool: bool | None = None


class UserSettingsController(Controller):
    path = "/api/user"
    dependencies = {"user_id": Provide(provide_user_id)}

    @get("/settings/favorites", sync_to_thread=True)
    def favorites(self, request: Request[Any, Any, Any], user_id: UUID) -> list[dict[str, str]]:
        return list(container_of(request).user_settings.of(user_id).favorites)

    @post("/settings/favorites", status_code=200, sync_to_thread=True)
    def set_favorites(
        self, request: Request[Any, Any, Any], user_id: UUID, data: JSONBody[FavoritesBody]
    ) -> Response[Any]:
        try:
            changed = container_of(request).user_settings.set_favorites(user_id, data.favorites)
        except TooManyFavorites as refused:
            body = {"code": refused.code, "message": str(refused), "limit": refused.limit}
            return Response(body, status_code=400)
        return Response(list(changed.favorites))

    @patch("/preferences", sync_to_thread=True)
    def preferences(
        self, request: Request[Any, Any, Any], user_id: UUID, data: JSONBody[PreferencesBody]
    ) -> dict[str, Any]:
        settings = container_of(request).user_settings
        changed = settings.set_code_environment(user_id, data.statefulCodeEnvironment)
        env = changed.preferences.get("statefulCodeEnvironment")
        return {"updated": True, "preferences": {"statefulCodeEnvironment": env}}

    @get("/terms", sync_to_thread=True)
    def terms(self, request: Request[Any, Any, Any], user_id: UUID) -> dict[str, Any]:
        accepted_at = container_of(request).user_settings.of(user_id).terms_accepted_at
        return {
            "termsAccepted": accepted_at is not None,
            "termsAcceptedAt": iso(accepted_at) if accepted_at else None,
        }

    @post("/terms/accept", status_code=200, sync_to_thread=True)
    def accept_terms(self, request: Request[Any, Any, Any], user_id: UUID) -> dict[str, Any]:
        accepted_at = container_of(request).user_settings.accept_terms(user_id).terms_accepted_at
        return {
            "message": "Terms accepted successfully",
            "termsAcceptedAt": iso(accepted_at) if accepted_at else None,
        }

    @post("/plugins", status_code=200, sync_to_thread=True)
    def plugins(
        self, request: Request[Any, Any, Any], user_id: UUID, data: JSONBody[PluginBody]
    ) -> Response[None]:
        listed = not data.isEntityTool
        if listed or data.auth:
            settings = container_of(request).user_settings
            settings.change_plugin(user_id, data.pluginKey, data.action, data.auth, listed)
        return Response(None, status_code=200)
