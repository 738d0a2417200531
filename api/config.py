"""`GET /api/config`, `/api/endpoints`, `/api/endpoints/token-config` and `/api/models`: what
LibreChat's client configures itself from, built as LibreChat builds it (api/server/routes/
config.js, endpoints.js and the services they call) from librechat.yaml, chronicle.yaml and
the environment.

A feature Chronicle does not serve is turned off in `interface`, whatever the configuration
says, so the client never opens a screen whose routes answer 404 (api/identity/roles.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.di import Provide

from api.deps import bearer_user_id, container_of, provide_user_id
from api.identity.roles import SERVED
from application.chat.catalog import Endpoint
from application.config.interface import librechat_interface
from application.settings import Settings
from domain.billing.prices import load_price_table
from domain.billing.pricing import cache_multiplier, multiplier
from domain.billing.windows import context_window, window_endpoint

AUTH = {"user_id": Provide(provide_user_id)}
# interface key → the permission type whose feature it opens (LibreChat's PermissionTypes)
FEATURES = {
    "bookmarks": "BOOKMARKS",
    "memories": "MEMORIES",
    "prompts": "PROMPTS",
    "multiConvo": "MULTI_CONVO",
    "agents": "AGENTS",
    "temporaryChat": "TEMPORARY_CHAT",
    "runCode": "RUN_CODE",
    "webSearch": "WEB_SEARCH",
    "fileSearch": "FILE_SEARCH",
    "fileCitations": "FILE_CITATIONS",
    "peoplePicker": "PEOPLE_PICKER",
    "marketplace": "MARKETPLACE",
    "mcpServers": "MCP_SERVERS",
    "remoteAgents": "REMOTE_AGENTS",
    "skills": "SKILLS",
    "sharedLinks": "SHARED_LINKS",
}
# interface keys whose feature has no permission type: the route that serves it, if any
UNSERVED_UI = {"presets": "POST /api/presets"}
# what the terms modal (`termsOfService.modalAcceptance`) calls
TERMS = "GET /api/user/terms"
# flags of the object-valued features, all off when the feature is not served
_OFF_FLAGS = {
    "mcpServers": ("use", "create", "share", "public"),
    "sharedLinks": ("create", "share", "public", "snapshotFiles"),
}


@get("/api/config", sync_to_thread=True)
def startup_config(request: Request[Any, Any, Any]) -> dict[str, Any]:
    settings = container_of(request).settings
    config = _pre_login(settings)
    if not _signed_in(request):
        shown = {k: v for k, v in settings.librechat.interface.items() if k in _PUBLIC}
        if shown:
            config["interface"] = shown
        return config
    config |= {
        "showBirthdayIcon": False,
        "helpAndFaqURL": "/",
        "sharedLinksEnabled": settings.sharing.enabled,
        "publicSharedLinksEnabled": settings.sharing.public_enabled,
        "openidReuseTokens": False,
        "allowAccountDeletion": settings.allow_account_deletion,
        "sharedLinksSnapshotFilesEnabled": settings.sharing.enabled
        and settings.sharing.snapshot_files,
        "interface": served_interface(settings, _served_routes(request)),
        "titleGenerationTiming": "immediate",
        "balance": settings.balance.as_librechat(),
        "sharePointFilePickerEnabled": False,
        "conversationImportMaxFileSize": 50 * 1024 * 1024,
        "langfuseFanoutEnabled": False,
        "langfuseConnectionAccess": False,
        "insightsEnabled": False,
        "fileUploadSseEnabled": False,
    }
    if specs := _model_specs(settings):
        config["modelSpecs"] = specs
    return config


_PUBLIC = ("privacyPolicy", "termsOfService")


def _pre_login(settings: Settings) -> dict[str, Any]:
    return {
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
        "openidLabel": "Continue with OpenID",
        "openidAutoRedirect": False,
        "samlLoginEnabled": False,
        "emailEnabled": False,
        "passwordResetEnabled": False,
        "minPasswordLength": settings.min_password_length,
        "socialLogins": list(settings.librechat.social_logins),
    }


def served_interface(settings: Settings, routes: frozenset[str]) -> dict[str, Any]:
    """LibreChat's interface for this configuration, with what is not served turned off."""
    built = librechat_interface(settings.librechat.interface, settings.librechat.model_specs)
    for key, kind in FEATURES.items():
        if kind in SERVED:
            continue
        flags = _OFF_FLAGS.get(key)
        built[key] = dict.fromkeys(flags, False) if flags else False
    for key, route in UNSERVED_UI.items():
        if route not in routes:
            built[key] = False
    if settings.memory.disabled:  # LibreChat: a `memory:` block that disables them
        built["memories"] = False
    terms = built.get("termsOfService")
    if isinstance(terms, dict) and terms.get("modalAcceptance") and TERMS not in routes:
        built["termsOfService"] = {**terms, "modalAcceptance": False}  # the modal would 404
    return built


def _model_specs(settings: Settings) -> dict[str, Any] | None:
    """LibreChat's `excludeHiddenModelSpecs` and `sanitizeModelSpecs`: specs with
    `showInMenu: false` are not advertised, nor a spec's `skills`."""
    specs = settings.librechat.model_specs
    if not specs:
        return None
    listed = [
        {k: v for k, v in spec.items() if k != "skills"}
        for spec in specs.get("list") or []
        if spec.get("showInMenu") is not False
    ]
    return {**specs, "list": listed}


def _served_routes(request: Request[Any, Any, Any]) -> frozenset[str]:
    return frozenset(
        f"{method} {route.path}" for route in request.app.routes for method in route.methods
    )


@get("/api/endpoints", dependencies=AUTH)
async def endpoints(request: Request[Any, Any, Any], user_id: UUID) -> dict[str, Any]:
    """LibreChat's `getEndpointsConfig`: one entry per endpoint, in order."""
    catalog = container_of(request).chat.catalog
    return {name: _entry(e) for name, e in catalog.endpoints.items()}


def _entry(endpoint: Endpoint) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "order": endpoint.order,
        "type": endpoint.kind if endpoint.kind != "echo" else "custom",
        "userProvide": endpoint.user_provide,
        "modelDisplayLabel": endpoint.label or endpoint.name,
    }
    if endpoint.kind in ("custom", "echo"):
        entry["userProvideURL"] = endpoint.user_provide_url
        if endpoint.custom_params is not None:
            entry["customParams"] = endpoint.custom_params
        if endpoint.icon_url:
            entry["iconURL"] = endpoint.icon_url
    return entry


@get("/api/endpoints/token-config", dependencies=AUTH)
async def token_config(request: Request[Any, Any, Any], user_id: UUID) -> dict[str, Any]:
    """LibreChat's `resolveTokenConfigMap`: endpoint → model → `context` (the window), and
    the rates per 1M tokens when `interface.contextCost` is on; an endpoint's `tokenConfig`
    overrides the built-in values."""
    container = container_of(request)
    pricing = container.settings.librechat.interface.get("contextCost") is True
    catalog = container.chat.catalog
    answer: dict[str, Any] = {}
    for name, endpoint in catalog.endpoints.items():
        models = await catalog.models_of(endpoint)
        if models:
            answer[name] = {m: _tokenomics(endpoint, m, pricing) for m in models}
    return answer


def _tokenomics(endpoint: Endpoint, model: str, pricing: bool) -> dict[str, float]:
    override = endpoint.token_config.get(model, {})
    tokens: dict[str, float] = {}
    context = context_window(model, window_endpoint(endpoint.name), endpoint.token_config)
    if context is not None:
        tokens["context"] = context
    if pricing:
        if "prompt" in override or "completion" in override:
            tokens |= {k: override[k] for k in ("prompt", "completion") if k in override}
            tokens |= {k: override[k] for k in ("cacheWrite", "cacheRead") if k in override}
        else:
            tokens |= _rates(model, endpoint.name)
    return tokens


def _rates(model: str, endpoint: str) -> dict[str, float]:
    """LibreChat's multipliers: USD per 1M tokens (the billing price table)."""
    table = load_price_table()
    rates = {
        kind: multiplier(table, kind, model=model, endpoint=endpoint)
        for kind in ("prompt", "completion")
    }
    for name, kind in (("cacheWrite", "write"), ("cacheRead", "read")):
        rate = cache_multiplier(table, kind, model=model, endpoint=endpoint)  # type: ignore[arg-type]
        if rate is not None:
            rates[name] = rate
    return rates


@get("/api/models", dependencies=AUTH)
async def models(request: Request[Any, Any, Any], user_id: UUID) -> dict[str, list[str]]:
    catalog = container_of(request).chat.catalog
    return {name: await catalog.models_of(e) for name, e in catalog.endpoints.items()}


def _signed_in(request: Request[Any, Any, Any]) -> bool:
    try:
        bearer_user_id(request)
    except Exception:
        return False
    return True


ROUTES = [startup_config, endpoints, token_config, models]
