"""The audit log's view of the events stores: audited events with their chain links, read
straight from the events and chain tables (nothing copied, so what is shown is what verifies)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from application.admin.ports import ChainCheck, Recorded
from application.shared.store import EventStore
from domain.shared.events import DomainEvent
from infrastructure.eventstore.chain import GENESIS, verify

PAGE = 1000


class StoreTrail:
    def __init__(self, stores: Mapping[str, EventStore]) -> None:
        self._stores = stores

    def recorded(self, context: str, topics: Sequence[str]) -> Iterator[Recorded]:
        store = self._stores[context]
        after = 0
        while True:
            page = store.recorder.select_notifications(
                start=after, limit=PAGE, topics=topics, inclusive_of_start=False
            )
            for notification in page:
                yield Recorded(context, notification.id, _event(store, notification))
            if len(page) < PAGE:
                return
            after = page[-1].id

    def one(self, context: str, seq: int) -> Recorded | None:
        store = self._stores[context]
        page = store.recorder.select_notifications(start=seq, limit=1, stop=seq)
        if not page:
            return None
        return Recorded(context, seq, _event(store, page[0]))

    def links(self, context: str, seq: int) -> tuple[str, str]:
        recorder: Any = self._stores[context].recorder
        links = recorder.select_links(seq)
        if not links or links[0][0] != seq:
            return "", ""
        previous = links[1][1] if len(links) > 1 else GENESIS
        return links[0][1].hex(), previous.hex()

    def verify(self, context: str) -> ChainCheck:
        report = verify(self._stores[context].recorder)  # type: ignore[arg-type]
        return ChainCheck(
            context, report.checked, report.head.hex(), report.first_bad, report.reason
        )


def _event(store: EventStore, notification: Any) -> DomainEvent:
    event = store.mapper.to_domain_event(notification)
    assert isinstance(event, DomainEvent)
    return event
