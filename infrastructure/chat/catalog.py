"""Build the model catalog from endpoint configuration."""

from __future__ import annotations

from application.chat.catalog import Catalog, Endpoint
from application.chat.config import EndpointConfig
from application.chat.ports import ChatModel
from infrastructure.chat.anthropic import AnthropicModel
from infrastructure.chat.echo import EchoModel
from infrastructure.chat.openai import OpenAIModel


def build_catalog(configs: list[EndpointConfig], echo_delay: float = 0.0) -> Catalog:
    catalog = Catalog()
    for config in sorted(configs, key=lambda c: c.order):
        catalog.add(
            Endpoint(
                config.name,
                _model(config, echo_delay),
                config.models,
                config.label,
                config.order,
                kind=config.kind,
            )
        )
    return catalog


def _model(config: EndpointConfig, echo_delay: float) -> ChatModel:
    if config.kind == "echo":
        return EchoModel(echo_delay)
    if config.kind == "anthropic":
        return AnthropicModel(config.api_key, config.base_url)
    return OpenAIModel(config.api_key or "none", config.base_url)
