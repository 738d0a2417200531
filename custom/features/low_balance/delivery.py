"""Delivering alerts through a port (a signed webhook by default), each at least once, with
its id as the idempotency key, retried with backoff; what was delivered is kept in a table
of the plugin's own (not a read model: a rebuild must not deliver everything again)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

import sqlalchemy as sa

from custom.features.low_balance.alerts import ALERTS

SIGNATURE = "X-Chronicle-Signature"
TIMESTAMP = "X-Chronicle-Timestamp"
IDEMPOTENCY = "Idempotency-Key"

metadata = sa.MetaData()
deliveries = sa.Table(
    "low_balance_deliveries",
    metadata,
    sa.Column("alert_id", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # delivered | failed (gave up)
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.String(500)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


class Delivery(Protocol):
    """Sends one alert; raises when it was not accepted (it is retried)."""

    def deliver(self, alert: dict[str, Any]) -> None: ...


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver checks (and that the timestamp is recent, against replays)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def payload(alert: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": alert["alert_id"],
        "type": "low_balance",
        "user": alert["user_id"],
        "balance": _decimal(alert["balance"]),
        "threshold": _decimal(alert["threshold"]),
        "crossedAt": _iso(alert["crossed_at"]),
    }


class SignedWebhook:
    """POSTs the alert as JSON, HMAC-SHA256 signed over `<timestamp>.<body>`."""

    def __init__(self, url: str, secret: str, timeout_s: float) -> None:
        self.url, self.secret, self.timeout_s = url, secret, timeout_s

    def deliver(self, alert: dict[str, Any]) -> None:
        body = json.dumps(payload(alert)).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                IDEMPOTENCY: alert["alert_id"],
                TIMESTAMP: timestamp,
                SIGNATURE: sign(self.secret, timestamp, body),
            },
        )
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            if not 200 <= response.status < 300:
                raise OSError(f"webhook answered {response.status}")


class Deliveries:
    """The undelivered alerts and their delivery, on the read models' database."""

    def __init__(self, db: sa.Engine, port: Delivery | None, max_attempts: int) -> None:
        self.db, self.port, self.max_attempts = db, port, max_attempts

    def create_table(self) -> None:
        try:
            metadata.create_all(self.db, checkfirst=True)
        except sa.exc.DBAPIError:  # another process created it first
            metadata.create_all(self.db, checkfirst=True)

    def pending(self) -> list[dict[str, Any]]:
        done = sa.select(deliveries.c.alert_id).where(deliveries.c.status != "pending")
        query = (
            sa.select(ALERTS).where(ALERTS.c.alert_id.not_in(done)).order_by(ALERTS.c.crossed_at)
        )
        with self.db.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def untried(self) -> bool:
        """Whether an alert was never tried (a retry of the others is already scheduled)."""
        tried = sa.select(deliveries.c.alert_id)
        query = sa.select(ALERTS.c.alert_id).where(ALERTS.c.alert_id.not_in(tried)).limit(1)
        with self.db.connect() as conn:
            return conn.execute(query).first() is not None

    def statuses(self, alert_ids: list[str]) -> dict[str, str]:
        query = sa.select(deliveries.c.alert_id, deliveries.c.status).where(
            deliveries.c.alert_id.in_(alert_ids)
        )
        with self.db.connect() as conn:
            return {r.alert_id: r.status for r in conn.execute(query)}

    def run(self, on_error: Callable[[BaseException], None]) -> int:
        """Try every pending alert once; returns how many are still pending (to retry)."""
        if self.port is None:
            return 0
        left = 0
        for alert in self.pending():
            try:
                self.port.deliver(alert)
            except Exception as error:
                on_error(error)
                left += 0 if self._record(alert["alert_id"], error) == "failed" else 1
                continue
            self._record(alert["alert_id"], None)
        return left

    def _record(self, alert_id: str, error: BaseException | None) -> str:
        with self.db.begin() as conn:
            row = conn.execute(
                sa.select(deliveries.c.attempts).where(deliveries.c.alert_id == alert_id)
            ).first()
            attempts = int(row.attempts if row else 0) + 1
            status: str = "delivered" if error is None else "pending"
            if error is not None and attempts >= self.max_attempts:
                status = "failed"
            values = {
                "status": status,
                "attempts": attempts,
                "last_error": None if error is None else str(error)[:500],
                "updated_at": datetime.now(UTC),
            }
            if row is None:
                conn.execute(deliveries.insert().values(alert_id=alert_id, **values))
            else:
                conn.execute(
                    deliveries.update().where(deliveries.c.alert_id == alert_id).values(**values)
                )
        return status


def _decimal(value: Any) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        moment: datetime = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return str(value)
