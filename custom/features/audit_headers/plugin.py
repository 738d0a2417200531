"""Request audit headers: `X-Request-Id` on every response under /api, and the event
positions a request's writes produced (`X-Chronicle-Positions: billing:12,conversations:40`),
so a client can ask for read-your-writes explicitly by sending them back
(`X-Chronicle-Wait-For: billing:12,…`: the request waits, bounded, until every core read
model of those contexts has passed them; `X-Chronicle-Consistent: true|false` says if it did)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from application.plugins.plugin import (
    Plugin,
    PluginConfigError,
    PluginHost,
    Refusal,
    RequestInfo,
    RequestWrapper,
)
from application.shared.store import CONTEXTS, Position

REQUEST_ID = "x-request-id"
POSITIONS = "x-chronicle-positions"
WAIT_FOR = "x-chronicle-wait-for"
CONSISTENT = "x-chronicle-consistent"
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_MARK = re.compile(r"^([a-z]+):([0-9]{1,18})$")

# the positions the current request committed; None outside a wrapped request
_written: ContextVar[dict[str, int] | None] = ContextVar("chronicle_written", default=None)


def parse_marks(header: str) -> dict[str, int]:
    """`context:position,…` → {context: position}; a clear error for anything else."""
    marks: dict[str, int] = {}
    parts = [p.strip() for p in header.split(",") if p.strip()]
    if not parts or len(parts) > len(CONTEXTS):
        raise Refusal(400, f"X-Chronicle-Wait-For: expected context:position, got {header!r}")
    for part in parts:
        match = _MARK.match(part)
        if match is None or match.group(1) not in CONTEXTS:
            raise Refusal(400, f"X-Chronicle-Wait-For: {part!r} is not context:position")
        marks[match.group(1)] = max(marks.get(match.group(1), 0), int(match.group(2)))
    return marks


def format_marks(marks: Mapping[str, int]) -> str:
    return ",".join(f"{context}:{marks[context]}" for context in sorted(marks))


def record(position: Position, _actor: Any) -> None:
    """A commit listener: notes the position in the request that wrote it (if any)."""
    written = _written.get()
    if written is not None:
        context = position.context
        written[context] = max(written.get(context, 0), position.notification_id)


class AuditHeaders:
    def __init__(self, group: str, trust_client_id: bool) -> None:
        self.group = group
        self.trust_client_id = trust_client_id

    async def before(self, request: RequestInfo) -> None:
        given = request.headers.get(REQUEST_ID, "")
        trusted = self.trust_client_id and _CLIENT_ID.match(given)
        request.state["id"] = given if trusted else uuid.uuid4().hex
        request.state["token"] = _written.set({})
        wait_for = request.headers.get(WAIT_FOR)
        if wait_for is not None:
            marks = parse_marks(wait_for)
            host = request.host
            consistency = host.services.consistency
            exclude = host.services.plugins.projections
            done = await asyncio.to_thread(consistency.wait_for_positions, marks, exclude)
            request.state["consistent"] = "true" if done else "false"

    async def after(self, request: RequestInfo) -> None:
        request.response_headers["X-Request-Id"] = request.state["id"]
        written = _written.get() or {}
        if written:
            request.response_headers["X-Chronicle-Positions"] = format_marks(written)
        if "consistent" in request.state:
            request.response_headers["X-Chronicle-Consistent"] = request.state["consistent"]


class AuditHeadersPlugin(Plugin):
    name = "audit_headers"

    def configure(self, config: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(config) - {"group", "trust_client_request_id"}
        if unknown:
            raise PluginConfigError(f"{sorted(unknown)[0]}: unknown key")
        group = config.get("group", "/api")
        if not isinstance(group, str) or not group.startswith("/"):
            raise PluginConfigError("group: must be a path starting with /")
        trust = config.get("trust_client_request_id", True)
        if not isinstance(trust, bool):
            raise PluginConfigError("trust_client_request_id: must be true or false")
        return {"group": group, "trust_client_request_id": trust}

    def wrappers(self, config: Mapping[str, Any]) -> Sequence[RequestWrapper]:
        return [AuditHeaders(config["group"], config["trust_client_request_id"])]

    def start(self, host: PluginHost) -> None:
        host.on_commit(record)


PLUGIN = AuditHeadersPlugin()
