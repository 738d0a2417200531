"""The Litestar application: `create_app()` wires routes to a container built at startup."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from api import audit, billing, health, keys, limits, observability, plugins, search
from api import config as startup_config
from api.admin import audit as admin_audit
from api.admin import grants as admin_grants
from api.admin import groups as admin_groups
from api.admin import roles as admin_roles
from api.admin import users as admin_users
from api.agents.routes import AgentsController
from api.bodies import BodyRequest
from api.chat.controllers import ChatController
from api.conversations.convos import ConvosController
from api.conversations.messages import MessagesController
from api.conversations.presets import PresetsController
from api.conversations.projects import ProjectsController
from api.conversations.tags import TagsController
from api.errors import HANDLERS
from api.files.routes import ROUTES as FILES
from api.identity import auth, logins, role_permissions
from api.identity.settings import UserSettingsController
from api.mcp import routes as mcp_routes
from api.memories import MemoriesController
from api.permissions import audit as access_audit
from api.permissions.routes import PermissionsController
from api.sharing.routes import ShareController
from api.startup import ROUTES as STARTUP
from application.bootstrap import Container, bootstrap
from application.settings import Settings, load_settings

log = logging.getLogger("chronicle.chat")


def create_app(container: Container | None = None, settings: Settings | None = None) -> Litestar:
    """With no container, one is bootstrapped when the app starts and closed when it stops;
    nothing connects at import time. In the embedded mode it runs the workers in-process; in
    the distributed mode `chronicle worker` processes do, and the API serves only requests."""
    settings = container.settings if container else (settings or load_settings())
    observability.configure_logging(settings.log_level, settings.log_json)
    metrics = observability.Metrics()
    extensions = plugins.enabled(container, settings)  # custom/ (api/plugins.py)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        owned = container is None
        built: Container = (
            container
            if container is not None
            else await asyncio.to_thread(bootstrap, settings, workers=settings.mode == "embedded")
        )
        built.commit_listeners.append(metrics.committed)
        app.state.container = built
        sweep = asyncio.create_task(_sweep_generations(built))
        try:
            yield
        finally:
            sweep.cancel()
            # A container outlives an app in tests: it must not keep counting for a dead one.
            built.commit_listeners.remove(metrics.committed)
            await built.chat.close()
            await built.mcp_connections.close_all()  # on this loop: the sessions' tasks live here
            if owned:
                await asyncio.to_thread(built.close)

    app = Litestar(
        route_handlers=[
            health.live,
            health.ready,
            observability.metrics_endpoint,
            *auth.ROUTES,
            *startup_config.ROUTES,
            *role_permissions.ROUTES,
            *admin_audit.ROUTES,
            *admin_roles.ROUTES,
            *admin_users.ROUTES,
            *admin_groups.ROUTES,
            *admin_grants.ROUTES,
            *STARTUP,
            *billing.ROUTES,
            *search.ROUTES,
            *keys.ROUTES,
            *audit.ROUTES,
            ConvosController,
            MessagesController,
            TagsController,
            PresetsController,
            ProjectsController,
            UserSettingsController,
            ChatController,
            MemoriesController,
            ShareController,
            AgentsController,
            PermissionsController,
            *access_audit.ROUTES,
            *FILES,
            *logins.ROUTES,
            *plugins.routers(extensions),
            *mcp_routes.ROUTES,
        ],
        lifespan=[lifespan],
        exception_handlers={**HANDLERS, **limits.HANDLERS},
        request_class=BodyRequest,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(title="Chronicle", version="0.1.0", path="/schema"),
        state=State({"metrics": metrics}),
        debug=False,
        logging_config=None,
    )
    # Outside the router and its exception handling, so that unmatched paths (404) and the
    # final status of every error are timed and logged too; route middleware never sees them.
    wrapped = plugins.wrap_requests(app.asgi_handler, plugins.wrappers(extensions))
    app.asgi_handler = observability.metrics_middleware(wrapped)
    return app


async def _sweep_generations(container: Container) -> None:
    """Finish generations whose API process died (their heartbeat went stale)."""
    while True:
        await asyncio.sleep(container.settings.generation_stale_s / 2)
        try:
            await container.chat.sweep(container.settings.generation_stale_s)
        except Exception:  # the bus is down: the next round tries again
            log.warning("generation sweep failed", exc_info=True)
