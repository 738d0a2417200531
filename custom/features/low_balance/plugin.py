"""Low-balance alerts: when a ledger account's balance falls below the configured threshold,
an alert is recorded (the `low_balance_alerts` read model), served at
`GET /api/custom/low-balance/alerts`, and delivered through the Delivery port (a signed
webhook when `webhook_url` is configured) with retries and idempotency keys."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from litestar import Response, get

from application.plugins.plugin import Plugin, PluginConfigError, PluginHost
from custom.features.low_balance import delivery
from custom.features.low_balance.alerts import NAME, LowBalanceProjection, alerts_of

KEYS = {"threshold", "webhook_url", "webhook_secret", "max_attempts", "timeout_s"}


@get("/alerts", sync_to_thread=True)
def alerts(host: PluginHost, user_id: UUID) -> Response[Any]:
    """The signed-in user's alerts, newest first, with each one's delivery status."""
    services = host.services
    services.consistency.wait(user_id, [NAME])
    with services.reads.connect() as conn:
        found = alerts_of(conn, user_id)
    deliveries: delivery.Deliveries = host.state["deliveries"]
    statuses = deliveries.statuses([a["alert_id"] for a in found]) if found else {}
    body = [
        {**delivery.payload(a), "delivery": statuses.get(a["alert_id"], "pending")} for a in found
    ]
    return Response({"alerts": body})


class LowBalancePlugin(Plugin):
    name = "low_balance"

    def configure(self, config: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(config) - KEYS
        if unknown:
            raise PluginConfigError(f"{sorted(unknown)[0]}: unknown key")
        try:
            threshold = Decimal(str(config.get("threshold", 1000)))
        except InvalidOperation:
            raise PluginConfigError("threshold: must be a number of credits") from None
        if not threshold.is_finite() or threshold < 0:
            raise PluginConfigError("threshold: must be a number of credits, at least 0")
        url = config.get("webhook_url")
        if url is not None and (
            not isinstance(url, str) or not url.startswith(("http://", "https://"))
        ):
            raise PluginConfigError("webhook_url: must be an http(s) URL")
        secret = config.get("webhook_secret", "")
        if url is not None and (not isinstance(secret, str) or len(secret) < 16):
            raise PluginConfigError("webhook_secret: at least 16 characters with webhook_url")
        attempts = config.get("max_attempts", 8)
        if not isinstance(attempts, int) or not 1 <= attempts <= 100:
            raise PluginConfigError("max_attempts: a whole number from 1 to 100")
        timeout = config.get("timeout_s", 5)
        if not isinstance(timeout, int | float) or not 0 < timeout <= 60:
            raise PluginConfigError("timeout_s: seconds, more than 0 and at most 60")
        return {
            "threshold": threshold,
            "webhook_url": url,
            "webhook_secret": secret,
            "max_attempts": attempts,
            "timeout_s": float(timeout),
        }

    def projections(self, config: Mapping[str, Any]) -> Sequence[Any]:
        return [LowBalanceProjection(config["threshold"])]

    def routes(self) -> Sequence[Any]:
        return [alerts]

    def start(self, host: PluginHost) -> None:
        config = host.config
        port = (
            delivery.SignedWebhook(
                config["webhook_url"], config["webhook_secret"], config["timeout_s"]
            )
            if config["webhook_url"]
            else None
        )
        deliveries = delivery.Deliveries(host.services.db, port, config["max_attempts"])
        deliveries.create_table()
        host.state["deliveries"] = deliveries
        if port is None:
            return
        running = threading.Lock()

        def deliver() -> None:
            if not running.acquire(blocking=False):
                return  # this process is delivering; what it missed, the next trigger sends
            try:
                left = deliveries.run(lambda error: host.failed("delivery", error))
            finally:
                running.release()
            if left:
                raise RuntimeError(f"{left} low-balance alerts not delivered yet")

        actor = host.actor(
            deliver,
            name="custom_low_balance_deliver",
            max_retries=config["max_attempts"],
            backoff_ms=(200, 60_000),
        )

        def caught_up(projection: str) -> None:
            if projection == NAME and deliveries.untried():
                actor.send()

        host.on_caught_up(caught_up)


PLUGIN = LowBalancePlugin()
