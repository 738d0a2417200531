"""Hash chain over an events table: hash_n = SHA-256(hash_{n-1} ‖ record n)."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

GENESIS = bytes(32)


def link(
    previous: bytes,
    notification_id: int,
    originator_id: UUID | str,
    version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """The hash of one record: covers its position, identity, topic and stored (encrypted)
    bytes, so crypto-shredding never breaks verification but any edit, removal or reordering
    does."""
    digest = hashlib.sha256(previous)
    digest.update(struct.pack(">QQ", notification_id, version))
    for part in (str(originator_id).encode(), topic.encode(), state):
        digest.update(struct.pack(">I", len(part)))
        digest.update(part)
    return digest.digest()


def extend(
    previous: bytes, records: Iterable[tuple[int, UUID | str, int, str, bytes]]
) -> list[tuple[int, bytes]]:
    links = []
    for notification_id, originator_id, version, topic, state in records:
        previous = link(previous, notification_id, originator_id, version, topic, state)
        links.append((notification_id, previous))
    return links


@dataclass(frozen=True)
class ChainReport:
    table: str
    checked: int
    head: bytes
    first_bad: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad is None


class ChainedRecorder(Protocol):
    events_table_name: str

    def select_chained(
        self, after: int, limit: int
    ) -> Sequence[tuple[int, UUID | str, int, str, bytes, bytes | None]]: ...


def verify(
    recorder: ChainedRecorder, page: int = 1000, progress: Callable[[int], None] | None = None
) -> ChainReport:
    """Recompute the chain from the first record and report the first one that disagrees."""
    previous, checked, after = GENESIS, 0, 0
    for nid, oid, version, topic, state, stored_hash in _pages(recorder, page):
        expected = link(previous, nid, oid, version, topic, state)
        if stored_hash is None:
            return ChainReport(recorder.events_table_name, checked, previous, nid, "no chain link")
        if stored_hash != expected:
            return ChainReport(
                recorder.events_table_name,
                checked,
                previous,
                nid,
                "hash mismatch: the record or one before it was altered",
            )
        previous, checked, after = expected, checked + 1, nid
        if progress and checked % page == 0:
            progress(checked)
    del after
    return ChainReport(recorder.events_table_name, checked, previous)


def _pages(
    recorder: ChainedRecorder, page: int
) -> Iterator[tuple[int, UUID | str, int, str, bytes, bytes | None]]:
    after = 0
    while True:
        rows = recorder.select_chained(after, page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1][0]
