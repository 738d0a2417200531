"""Which endpoints and models exist, and the ChatModel that serves each endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field

from application.chat.ports import ChatModel
from domain.shared.errors import Invalid


@dataclass(frozen=True)
class Endpoint:
    name: str
    model: ChatModel
    models: list[str]
    label: str = ""
    order: int = 0
    title_model: str | None = None
    kind: str = "custom"  # openAI | anthropic | custom (LibreChat's endpoint types)


@dataclass
class Catalog:
    endpoints: dict[str, Endpoint] = field(default_factory=dict)

    def add(self, endpoint: Endpoint) -> None:
        self.endpoints[endpoint.name] = endpoint

    def resolve(self, endpoint: str | None, model: str | None) -> tuple[Endpoint, str]:
        """The endpoint and model a turn runs on; unknown names are a client error."""
        if not endpoint or endpoint == "agents":
            endpoint = next(iter(self.endpoints), None)
        if endpoint is None or endpoint not in self.endpoints:
            raise Invalid(f"Unknown endpoint: {endpoint}")
        chosen = self.endpoints[endpoint]
        if model and model not in chosen.models:
            raise Invalid(f"Unknown model for {chosen.name}: {model}")
        return chosen, model or chosen.models[0]
