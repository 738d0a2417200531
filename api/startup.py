"""What the web client loads at start: config, roles, endpoints, models, and well-formed empty
answers for features Chronicle does not offer yet (so the client renders)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get
from litestar.di import Provide

from api.deps import bearer_user_id, container_of, provide_user_id
from api.identity.roles import SERVED
from domain.identity.roles import role_document
from domain.identity.rules import ADMIN, USER
from domain.shared.errors import NotFound

AUTH = {"user_id": Provide(provide_user_id)}


@get("/api/config", sync_to_thread=True)
def startup_config(request: Request[Any, Any, Any]) -> dict[str, Any]:
    settings = container_of(request).settings
    config: dict[str, Any] = {
        "appTitle": settings.app_title,
        "serverDomain": settings.domain_client,
        "emailLoginEnabled": settings.allow_email_login,
        "registrationEnabled": settings.allow_registration,
        "socialLoginEnabled": False,
        "discordLoginEnabled": False,
        "facebookLoginEnabled": False,
        "githubLoginEnabled": False,
        "googleLoginEnabled": False,
        "appleLoginEnabled": False,
        "openidLoginEnabled": False,
        "samlLoginEnabled": False,
        "emailEnabled": False,
        "passwordResetEnabled": False,
        "minPasswordLength": settings.min_password_length,
        "interface": {"privacyPolicy": {}, "termsOfService": {}},
    }
    if _signed_in(request):
        config |= {
            "sharedLinksEnabled": False,
            "publicSharedLinksEnabled": False,
            "allowAccountDeletion": settings.allow_account_deletion,
            "showBirthdayIcon": False,
            "helpAndFaqURL": "/",
            "socialLogins": [],
            "modelSpecs": {"list": []},
            "balance": settings.balance.as_librechat(),
            "titleGenerationTiming": "immediate",
            "conversationImportMaxFileSize": 50 * 1024 * 1024,
        }
    return config


@get("/api/roles/{role_name:str}", dependencies=AUTH, sync_to_thread=True)
def role(request: Request[Any, Any, Any], user_id: UUID, role_name: str) -> Response[Any]:
    try:
        own = container_of(request).identity.profile(user_id).role
    except NotFound:  # a valid token of a deleted user authenticates nobody
        return Response({"message": "Unauthorized"}, status_code=401)
    document = role_document(role_name, SERVED)
    if document is None:
        return Response({"message": "Role not found"}, status_code=404)
    if role_name == ADMIN and own != ADMIN:
        return Response({"message": "Unauthorized"}, status_code=403)
    return Response(document)


@get("/api/endpoints", dependencies=AUTH)
async def endpoints(request: Request[Any, Any, Any], user_id: UUID) -> dict[str, Any]:
    catalog = container_of(request).chat.catalog
    return {
        name: {
            "order": e.order,
            "type": e.kind if e.kind != "echo" else "custom",
            "userProvide": False,
            "modelDisplayLabel": e.label or name,
        }
        for name, e in catalog.endpoints.items()
    }


@get("/api/models", dependencies=AUTH)
async def models(request: Request[Any, Any, Any], user_id: UUID) -> dict[str, list[str]]:
    catalog = container_of(request).chat.catalog
    return {name: list(e.models) for name, e in catalog.endpoints.items()}


# Placeholders: empty answers in LibreChat's shape for features that later issues build.
@get("/api/banner")
async def banner() -> None:
    return None


@get(["/api/presets", "/api/files", "/api/user/settings/favorites"], dependencies=AUTH)
async def empty_lists(user_id: UUID) -> list[Any]:
    return []


@get(
    ["/api/files/config", "/api/endpoints/token-config", "/api/files/speech/config/get"],
    dependencies=AUTH,
)
async def empty_objects(user_id: UUID) -> dict[str, Any]:
    return {}


@get("/api/projects", dependencies=AUTH)
async def projects(user_id: UUID) -> dict[str, Any]:
    return {"projects": [], "nextCursor": None}


@get("/api/agents/tools/web_search/auth", dependencies=AUTH)
async def web_search_auth(user_id: UUID) -> dict[str, Any]:
    return {"authenticated": False}


def _signed_in(request: Request[Any, Any, Any]) -> bool:
    try:
        bearer_user_id(request)
    except Exception:
        return False
    return True


ROUTES = [
    startup_config,
    role,
    endpoints,
    models,
    banner,
    empty_lists,
    empty_objects,
    projects,
    web_search_auth,
]
__all__ = ["ROUTES", "USER"]
