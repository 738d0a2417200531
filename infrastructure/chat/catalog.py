"""Build the model catalog from endpoint configuration."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from threading import Lock

from application.chat.catalog import Catalog, Endpoint
from application.chat.config import EndpointConfig
from application.chat.ports import ChatModel
from infrastructure.chat.anthropic import AnthropicModel
from infrastructure.chat.echo import EchoModel
from infrastructure.chat.openai import OpenAIModel

KEYED_MODELS = 256  # SDK clients kept for users' own keys (each holds a connection pool)


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
                title_model=config.title_model,
                kind=config.kind,
                user_provide=config.user_provide,
                user_provide_url=config.user_provide_url,
                icon_url=config.icon_url,
                custom_params=config.custom_params,
                token_config=config.token_config,
                title_convo=config.title_convo,
                keyed=_Keyed(config) if config.user_provide else None,
                lister=_lister(config),
            )
        )
    return catalog


def _model(config: EndpointConfig, echo_delay: float) -> ChatModel:
    if config.kind == "echo":
        return EchoModel(echo_delay)
    if config.kind == "anthropic":
        return AnthropicModel(config.api_key or "none", config.base_url)
    return _openai(config, config.api_key or "none", _url(config.base_url))


def _openai(config: EndpointConfig, api_key: str, url: str | None) -> OpenAIModel:
    add = config.options.get("addParams")
    drop = config.options.get("dropParams")
    return OpenAIModel(
        api_key,
        url,
        headers=config.headers,
        add_params=add if isinstance(add, dict) else None,
        drop_params=tuple(str(p) for p in drop) if isinstance(drop, list) else (),
    )


def _url(base_url: str | None) -> str | None:
    return None if base_url in (None, "", "user_provided") else base_url


def _lister(config: EndpointConfig) -> Callable[[], Awaitable[list[str]]] | None:
    """models.fetch with the configured key; an endpoint of users' own keys lists `default`."""
    if not config.fetch_models or config.user_provide or config.kind != "custom":
        return None
    return _openai(config, config.api_key or "none", _url(config.base_url)).list


class _Keyed:
    """The endpoint's model on a user's key (and URL), one SDK client per key kept a while."""

    def __init__(self, config: EndpointConfig) -> None:
        self._config = config
        self._models: OrderedDict[tuple[str, str | None], ChatModel] = OrderedDict()
        self._lock = Lock()

    def __call__(self, api_key: str, base_url: str | None) -> ChatModel:
        url = base_url if self._config.user_provide_url else _url(self._config.base_url)
        with self._lock:
            model = self._models.pop((api_key, url), None)
            if model is None:
                model = self._build(api_key, url)
            self._models[(api_key, url)] = model
            while len(self._models) > KEYED_MODELS:
                self._models.popitem(last=False)
            return model

    def _build(self, api_key: str, url: str | None) -> ChatModel:
        if self._config.kind == "anthropic":
            return AnthropicModel(api_key, url)
        return _openai(self._config, api_key, url)
