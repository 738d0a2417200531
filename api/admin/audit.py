"""/api/admin/audit-log: LibreChat's list, entry, CSV export and chain verification, over the
event store itself (application/admin/audit.py). ACCESS_ADMIN and READ_AUDIT_LOG."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Request, Response, get
from litestar.response import Stream

from api.admin import audit_query
from api.admin.guards import admin
from api.deps import container_of
from application.admin.audit import PLATFORM, AuditLog, Entry
from domain.permissions.capabilities import READ_AUDIT_LOG


def _guard() -> dict[str, Any]:
    """A fresh Provide per route: Litestar fails a handler whose Provide another shares."""
    return admin(READ_AUDIT_LOG)


MAX_EXPORT_ROWS = 100_000
_ID = re.compile(r"^[a-fA-F0-9]{24}$")
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def _query(request: Request[Any, Any, Any]) -> audit_query.Query:
    params = request.query_params
    return {key: params.getall(key) for key in params}


def _log(request: Request[Any, Any, Any]) -> AuditLog:
    return container_of(request).audit_log


@get("/api/admin/audit-log", dependencies=_guard(), sync_to_thread=True)
def list_entries(request: Request[Any, Any, Any], caller: UUID) -> dict[str, Any]:
    query = _query(request)
    filters = audit_query.filters(query)
    limit, start = audit_query.page(query)
    entries, total, following = _log(request).page(filters, limit, start)
    return {"entries": [wire(e) for e in entries], "total": total, "nextCursor": following}


@get("/api/admin/audit-log/verify", dependencies=_guard(), sync_to_thread=True)
def verify(request: Request[Any, Any, Any], caller: UUID) -> dict[str, Any]:
    """Every chain the entries come from (identity, sharing), recomputed from its start."""
    intact, checks = _log(request).verify()
    broken = next((c for c in checks if c.broken_at is not None), None)
    result: dict[str, Any] = {
        "ok": intact,
        "chainKey": broken.context if broken else PLATFORM,
        "checked": sum(c.checked for c in checks),
        "chains": [
            {"chainKey": c.context, "ok": c.broken_at is None, "checked": c.checked, "head": c.head}
            | ({"brokenAt": c.broken_at, "reason": c.reason} if c.broken_at is not None else {})
            for c in checks
        ],
    }
    if broken is not None:
        result |= {"brokenAt": broken.broken_at, "reason": broken.reason}
        result["range"] = {"firstSeq": 1, "lastSeq": broken.broken_at}
    return result


@get("/api/admin/audit-log/export.csv", dependencies=_guard(), sync_to_thread=True)
def export_csv(request: Request[Any, Any, Any], caller: UUID) -> Stream:
    filters = audit_query.filters(_query(request))
    entries = _log(request).entries(filters)
    log = _log(request)

    def rows() -> Iterator[str]:
        yield "\ufeff" + ",".join(_cell(label) for label, _ in COLUMNS) + "\r\n"
        for entry in entries[:MAX_EXPORT_ROWS]:
            linked = log.linked(entry)
            yield ",".join(_cell(value(linked)) for _, value in COLUMNS) + "\r\n"
        if len(entries) > MAX_EXPORT_ROWS:
            yield (
                f"# TRUNCATED: export capped at {MAX_EXPORT_ROWS} rows — narrow the from/to "
                "range to export the complete set\r\n"
            )

    stamp = datetime.now(UTC).date().isoformat()
    return Stream(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


@get("/api/admin/audit-log/{entry_id:str}", dependencies=_guard(), sync_to_thread=True)
def get_entry(request: Request[Any, Any, Any], caller: UUID, entry_id: str) -> Response[Any]:
    if not _ID.match(entry_id):
        return Response({"error": "Invalid id"}, status_code=400)
    entry = _log(request).entry(entry_id.lower())
    if entry is None:
        return Response({"error": "Not found"}, status_code=404)
    return Response({"entry": wire(entry)})


def wire(entry: Entry) -> dict[str, Any]:
    """LibreChat's AdminAuditLogEntry (no `context`: requests' IPs are not recorded)."""
    what = entry.what
    actor: dict[str, Any] = {"type": entry.actor_type, "name": entry.actor_name}
    if what.actor_id:
        actor["id"] = what.actor_id
    target: dict[str, Any] = {"type": what.target_type}
    if what.target_id is not None:
        target["id"] = what.target_id
    if entry.target_name is not None:
        target["name"] = entry.target_name
    body: dict[str, Any] = {
        "id": entry.id,
        "schemaVersion": 1,
        "category": what.category,
        "action": what.action,
        "outcome": "success",
        "severity": what.severity,
        "actor": actor,
        "target": target,
        "integrity": {"seq": entry.seq, "hash": entry.hash, "prevHash": entry.prev_hash},
        "timestamp": _iso(entry.at),
    }
    if what.metadata:
        body["metadata"] = what.metadata
    return body


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _meta(entry: Entry, key: str) -> str:
    value = entry.what.metadata.get(key)
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _cell(value: str) -> str:
    if value == "":
        return ""
    guarded = f"'{value}" if _FORMULA.match(value) else value
    if re.search(r'[",\n\r]', guarded):
        return '"' + guarded.replace('"', '""') + '"'
    return guarded


COLUMNS: list[tuple[str, Any]] = [
    ("Timestamp", lambda e: _iso(e.at)),
    ("Category", lambda e: e.what.category),
    ("Action", lambda e: e.what.action),
    ("Outcome", lambda e: "success"),
    ("Severity", lambda e: e.what.severity),
    ("Actor type", lambda e: e.actor_type),
    ("Actor", lambda e: e.actor_name),
    ("Actor ID", lambda e: e.what.actor_id or ""),
    ("Target type", lambda e: e.what.target_type),
    ("Target", lambda e: e.target_name or ""),
    ("Target ID", lambda e: e.what.target_id or ""),
    ("Capability", lambda e: _meta(e, "capability")),
    ("Details", lambda e: json.dumps(e.what.metadata) if e.what.metadata else ""),
    ("IP", lambda e: ""),
    ("Request ID", lambda e: ""),
    ("Seq", lambda e: str(e.seq)),
    ("Hash", lambda e: e.hash),
]

ROUTES = [list_entries, verify, export_csv, get_entry]
