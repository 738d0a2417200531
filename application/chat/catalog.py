"""Which endpoints and models exist, and the ChatModel that serves each endpoint."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from application.chat.ports import ChatModel
from domain.shared.errors import Invalid

log = logging.getLogger(__name__)
MODELS_TTL_S = 600.0  # how long a fetched model list is kept (LibreChat caches it too)


@dataclass(frozen=True)
class Endpoint:
    name: str
    model: ChatModel
    models: list[str]
    label: str = ""
    order: int = 0
    title_model: str | None = None
    kind: str = "custom"  # openAI | anthropic | custom (LibreChat's endpoint types)
    user_provide: bool = False  # turns run on the user's own key (`/api/keys`)
    user_provide_url: bool = False  # … and the user's own base URL
    icon_url: str | None = None
    custom_params: dict[str, Any] | None = field(default=None, hash=False)
    token_config: dict[str, dict[str, float]] = field(default_factory=dict, hash=False)
    title_convo: bool = True
    # the model for a user's key and base URL (None: the configured URL)
    keyed: Callable[[str, str | None], ChatModel] | None = field(default=None, compare=False)
    # the provider's model list (models.fetch), or None
    lister: Callable[[], Awaitable[list[str]]] | None = field(default=None, compare=False)


@dataclass
class Catalog:
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    _fetched: dict[str, tuple[float, list[str]]] = field(default_factory=dict)

    def add(self, endpoint: Endpoint) -> None:
        self.endpoints[endpoint.name] = endpoint

    def resolve(self, endpoint: str | None, model: str | None) -> tuple[Endpoint, str]:
        """The endpoint and model a turn runs on; unknown names are a client error."""
        if not endpoint or endpoint == "agents":
            endpoint = next(iter(self.endpoints), None)
        if endpoint is None or endpoint not in self.endpoints:
            raise Invalid(f"Unknown endpoint: {endpoint}")
        chosen = self.endpoints[endpoint]
        # a fetched list may be newer in another process: the provider judges those names
        if model and chosen.lister is None and model not in self.known_models(chosen):
            raise Invalid(f"Unknown model for {chosen.name}: {model}")
        if not model and not chosen.models:
            raise Invalid(f"No model given for {chosen.name}")
        return chosen, model or chosen.models[0]

    def known_models(self, endpoint: Endpoint) -> list[str]:
        """The configured models and the last fetched list (without fetching)."""
        fetched = self._fetched.get(endpoint.name)
        extra = fetched[1] if fetched else []
        return endpoint.models + [m for m in extra if m not in endpoint.models]

    async def models_of(self, endpoint: Endpoint) -> list[str]:
        """LibreChat's `models.fetch`: the provider's list, kept for a while; the configured
        `default` list when fetching fails or is off."""
        if endpoint.lister is None:
            return list(endpoint.models)
        cached = self._fetched.get(endpoint.name)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1] or list(endpoint.models)
        try:
            found = await endpoint.lister()
        except Exception:  # the provider is down: the configured list, and try again later
            log.warning("models.fetch failed for %s", endpoint.name, exc_info=True)
            found = []
        self._fetched[endpoint.name] = (time.monotonic() + MODELS_TTL_S, found)
        return found or list(endpoint.models)
