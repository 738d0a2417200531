"""LibreChat's admin audit log, served from the event store itself.

LibreChat appends grant changes to a separate hash-chained collection. Here every change of
who may do what already is an event in a context's log, under that log's hash chain
(docs/auditing.md): an entry is such an event (application/admin/entries.py), its `integrity`
is the event's own chain link (`seq` its position, `hash` and `prevHash` the chain table's),
and `verify` recomputes the real chains of the contexts the entries come from. Nothing is
copied, so nothing can drift from what the chain proves."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from application.admin.entries import AUDITED, Described, describe
from application.admin.ports import ChainCheck, Recorded, Trail
from application.shared.store import CONTEXTS

# user ids -> their names (for ids still registered; a deleted user's name is gone)
Names = Callable[[Iterable[str]], dict[str, str]]
PLATFORM = "__platform__"


@dataclass(frozen=True)
class Filters:
    search: str | None = None
    category: frozenset[str] = frozenset()
    action: frozenset[str] = frozenset()
    outcome: frozenset[str] = frozenset()
    severity: frozenset[str] = frozenset()
    actor_type: str | None = None
    actor_query: str | None = None
    target_type: str | None = None
    target_query: str | None = None
    capability: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    context: str
    seq: int
    at: datetime
    what: Described
    actor_name: str
    target_name: str | None
    hash: str = ""
    prev_hash: str = ""

    @property
    def actor_type(self) -> str:
        return "user" if self.what.actor_id else "system"


class AuditLog:
    def __init__(self, trail: Trail, names: Names) -> None:
        self.trail = trail
        self.names = names

    def entries(self, filters: Filters) -> list[Entry]:
        """Every matching entry, newest first, without their chain links."""
        recorded = [r for context in AUDITED for r in self._recorded(context)]
        entries = self._entries(recorded)
        matching = [e for e in entries if _matches(e, filters)]
        return sorted(matching, key=lambda e: (e.at, e.context, e.seq), reverse=True)

    def page(self, filters: Filters, limit: int, start: int) -> tuple[list[Entry], int, int | None]:
        """`limit` entries from position `start`, with their links; the total; the position
        of the next page (None: this is the last)."""
        matching = self.entries(filters)
        page = [self.linked(e) for e in matching[start : start + limit]]
        following = start + limit if start + limit < len(matching) else None
        return page, len(matching), following

    def entry(self, entry_id: str) -> Entry | None:
        located = _locate(entry_id)
        if located is None:
            return None
        context, seq = located
        recorded = self.trail.one(context, seq)
        if recorded is None or describe(recorded.event) is None:
            return None
        return self.linked(self._entries([recorded])[0])

    def linked(self, entry: Entry) -> Entry:
        hash_, previous = self.trail.links(entry.context, entry.seq)
        return replace(entry, hash=hash_, prev_hash=previous)

    def stream(self, filters: Filters, max_rows: int) -> Iterator[Entry]:
        for entry in self.entries(filters)[:max_rows]:
            yield self.linked(entry)

    def verify(self) -> tuple[bool, list[ChainCheck]]:
        checks = [self.trail.verify(context) for context in AUDITED]
        return all(c.broken_at is None for c in checks), checks

    # ---------------------------------------------------------------- helpers
    def _recorded(self, context: str) -> Iterator[Recorded]:
        return self.trail.recorded(context, [cls.TOPIC for cls in AUDITED[context]])

    def _entries(self, recorded: list[Recorded]) -> list[Entry]:
        described = [(r, describe(r.event)) for r in recorded]
        people = {d.actor_id for _, d in described if d and d.actor_id}
        people |= {
            d.target_id for _, d in described if d and d.target_id and d.target_type == "user"
        }
        names = self.names(people)
        return [
            Entry(
                entry_id(r.context, r.seq),
                r.context,
                r.seq,
                r.event.timestamp,
                d,
                _actor_name(d, names),
                d.target_name
                or (names.get(d.target_id or "") if d.target_type == "user" else None),
            )
            for r, d in described
            if d is not None
        ]


def entry_id(context: str, seq: int) -> str:
    """24 hex digits (the shape of LibreChat's ids): the context, then the position."""
    return f"{CONTEXTS.index(context):02x}{seq:022x}"


def _locate(entry_id: str) -> tuple[str, int] | None:
    try:
        context, seq = int(entry_id[:2], 16), int(entry_id[2:], 16)
    except ValueError:
        return None
    if len(entry_id) != 24 or context >= len(CONTEXTS) or CONTEXTS[context] not in AUDITED:
        return None
    return CONTEXTS[context], seq


def _actor_name(described: Described, names: dict[str, str]) -> str:
    if described.actor_id is None:
        return "system"
    return names.get(described.actor_id) or described.actor_id


def _contains(text: str | None, needle: str) -> bool:
    return text is not None and needle.lower() in text.lower()


def _matches(entry: Entry, f: Filters) -> bool:
    what = entry.what
    capability = str(what.metadata.get("capability") or "")
    checks = (
        not f.category or what.category in f.category,
        not f.action or what.action in f.action,
        not f.outcome or "success" in f.outcome,
        not f.severity or what.severity in f.severity,
        not f.actor_type or entry.actor_type == f.actor_type,
        not f.actor_query or _contains(entry.actor_name, f.actor_query),
        not f.target_type or what.target_type == f.target_type,
        not f.target_query or _contains(entry.target_name, f.target_query),
        not f.capability or _contains(capability, f.capability),
        f.start is None or entry.at >= f.start,
        f.end is None or entry.at <= f.end,
        not f.search or _search(entry, capability, f.search),
    )
    return all(checks)


def _search(entry: Entry, capability: str, needle: str) -> bool:
    fields = (entry.actor_name, entry.target_name, entry.what.action, capability)
    return any(_contains(text, needle) for text in fields)
