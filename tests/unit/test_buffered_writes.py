"""Batched projection writes leave exactly the rows that writing event by event leaves."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from domain.conversations.events import (
    ConversationArchived,
    ConversationDeleted,
    ConversationPinned,
    ConversationRetitled,
    ConversationSettingsChanged,
    ConversationStarted,
    ConversationTagged,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    TagCreated,
    TagDeleted,
    TagUpdated,
)
from domain.identity.events import (
    SessionStarted,
    UserDeleted,
    UserLoginFailed,
    UserRegistered,
    UserRoleChanged,
)
from projections.conversations.conversation_list import ConversationListProjection
from projections.conversations.transcript import TranscriptProjection
from projections.engine.writes import BufferedRows
from projections.identity.user_directory import UserDirectoryProjection

ROOT = uuid.UUID(int=0)


def _events(seed: int) -> list[Any]:
    """Users' conversations with posts interleaved, some started while others are going on,
    endpoints sometimes unset."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    convos: dict[uuid.UUID, uuid.UUID] = {}
    versions: dict[uuid.UUID, int] = {}
    events: list[Any] = []

    def begin(at: datetime) -> None:
        convo, user = uuid.uuid4(), uuid.uuid4()
        convos[convo], versions[convo] = user, 1
        started = ConversationStarted(
            originator_id=convo, originator_version=1, timestamp=at, user_id=user
        )
        events.append(started)

    for _ in range(3):
        begin(start)
    for n in range(200):
        if rng.random() < 0.1:
            begin(start + timedelta(seconds=n))
        recent = list(convos)[-1]
        convo = rng.choice(list(convos)) if rng.random() < 0.3 else recent
        versions[convo] += 1
        events.append(
            MessagePosted(
                originator_id=convo,
                originator_version=versions[convo],
                timestamp=start + timedelta(seconds=n),
                user_id=convos[convo],
                message_id=uuid.uuid4(),
                parent_message_id=ROOT,
                sender="User",
                is_created_by_user=True,
                text=f"m{n}",
                endpoint=rng.choice([None, "", "openAI", "anthropic"]),
                model=rng.choice([None, "gpt-4o", "claude"]),
            )
        )
    return events


def _life(seed: int) -> list[Any]:
    """Everything else the read models fold, interleaved at random over a few users and
    conversations (the same conversation retitled, tagged, pinned, deleted within a batch;
    tags renamed; logins counted)."""
    rng = random.Random(seed)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    users = [uuid.uuid4() for _ in range(3)]
    convos = {uuid.uuid4(): rng.choice(users) for _ in range(5)}
    events: list[Any] = []
    for user in users:
        events.append(_registered(user, at))
    for convo, user in convos.items():
        events.append(ConversationStarted(**_by(convo, user, at), endpoint="openAI"))
    for n in range(300):
        convo = rng.choice(list(convos))
        user = convos[convo]
        when = at + timedelta(seconds=n)
        events.append(rng.choice(_CHANGES)(rng, _by(convo, user, when), user, n))
    return events


def _by(convo: uuid.UUID, user: uuid.UUID, at: datetime) -> dict[str, Any]:
    return {"originator_id": convo, "originator_version": 1, "timestamp": at, "user_id": user}


def _without_user(by: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in by.items() if k != "user_id"}


def _registered(user: uuid.UUID, at: datetime) -> UserRegistered:
    base = {"originator_id": user, "originator_version": 1, "timestamp": at}
    return UserRegistered(**base, email=f"{user}@x.y", name="N", username="u", role="USER")


def _post(rng: random.Random, by: dict[str, Any], _user: uuid.UUID, n: int) -> Any:
    return MessagePosted(
        **by,
        message_id=uuid.UUID(int=n % 40),
        parent_message_id=ROOT,
        sender="User",
        is_created_by_user=True,
        text=f"m{n}",
        endpoint=rng.choice([None, "openAI", "anthropic"]),
    )


def _identity(rng: random.Random, by: dict[str, Any], user: uuid.UUID, n: int) -> Any:
    base = {**_without_user(by), "originator_id": user}
    session = {"ip": "1.2.3.4", "user_agent": "t"}
    return rng.choice(
        [
            SessionStarted(
                **{**base, "originator_id": uuid.uuid4()},
                user_id=user,
                refresh_hash=str(n),
                expires_at=by["timestamp"],
                **session,
            ),
            UserLoginFailed(**base, reason="bad", **session),
            UserRoleChanged(**base, role=rng.choice(["USER", "ADMIN"])),
            _registered(user, by["timestamp"]),
        ]
    )


def _tags(rng: random.Random, by: dict[str, Any], _user: uuid.UUID, n: int) -> Any:
    tag, other = rng.choice("abc"), rng.choice(["", str(n)])  # renamed to itself, or anew
    return rng.choice(
        [
            TagCreated(**by, tag=tag, position=n),
            TagUpdated(**by, tag=tag, new_tag=tag + other, description=str(n), position=n),
            TagDeleted(**by, tag=tag),
            ConversationTagged(**by, tags=rng.sample("abc", rng.randint(0, 3))),
        ]
    )


def _convo(rng: random.Random, by: dict[str, Any], _user: uuid.UUID, n: int) -> Any:
    return rng.choice(
        [
            ConversationRetitled(**by, title=f"t{n}"),
            ConversationPinned(**by, pinned=rng.random() < 0.5),
            ConversationArchived(**by, archived=rng.random() < 0.5),
            ConversationSettingsChanged(
                **by, model=rng.choice([None, "m"]), settings={f"k{n % 3}": n}
            ),
            MessageEdited(**by, message_id=uuid.UUID(int=n % 40), text=f"e{n}"),
            MessageDeleted(**by, message_id=uuid.UUID(int=n % 40)),
            ConversationStarted(**by, title=f"again {n}"),
            rng.choice(
                [
                    ConversationDeleted(**by),
                    UserDeleted(**{**_without_user(by), "originator_id": _user}),
                ]
            ),
        ]
    )


_CHANGES = [_post, _post, _identity, _identity, _tags, _tags, _convo, _convo, _convo]
PROJECTIONS = [ConversationListProjection(), TranscriptProjection(), UserDirectoryProjection()]


def _apply(events: list[Any], batch: int) -> dict[str, list[Any]]:
    """Apply `events` in batches of `batch`, each through its own BufferedRows as the engine
    does. A batch of one sends every change alone: each is its own statement, as when a
    projection writes event by event."""
    engine = sa.create_engine("sqlite://")
    metadata = sa.MetaData()
    tables = [p.define(metadata, lambda name: name) for p in PROJECTIONS]
    metadata.create_all(engine)
    with engine.begin() as conn:
        for projection, own in zip(PROJECTIONS, tables, strict=True):  # as the engine does
            for first in range(0, len(events), batch):
                rows = BufferedRows(conn)
                for event in events[first : first + batch]:
                    projection.apply(rows, own, event)
                rows.flush()
        return {
            name: sorted(tuple(map(str, row)) for row in conn.execute(sa.select(table)))
            for own in tables
            for name, table in own.items()
        }


def test_buffered_application_equals_event_by_event() -> None:
    for seed in range(4):
        events = _events(seed)
        for cut in range(5, len(events) + 1, 13):  # the state after every run length
            expected = _apply(events[:cut], 1)
            for batch in (7, 50, 1000):  # conversations started in this batch or an earlier one
                assert _apply(events[:cut], batch) == expected, (seed, cut, batch)


def test_buffered_application_equals_event_by_event_for_every_kind_of_change() -> None:
    for seed in range(4):
        events = _life(seed)
        for cut in (len(events) // 3, len(events) - 17, len(events)):
            expected = _apply(events[:cut], 1)
            for batch in (3, 16, 1000):
                assert _apply(events[:cut], batch) == expected, (seed, cut, batch)


def test_buffered_application_equals_event_by_event_when_a_tag_is_renamed_twice() -> None:
    # Given a tag renamed, then its old name renamed again (no longer there: nothing happens),
    # then the new name renamed back, all within one batch
    user = uuid.uuid4()
    by = _by(user, user, datetime(2026, 1, 1, tzinfo=UTC))
    events = [
        TagCreated(**by, tag="a"),
        TagUpdated(**by, tag="a", new_tag="b", description="first"),
        TagUpdated(**by, tag="a", new_tag="c", description="nothing to rename"),
        TagUpdated(**by, tag="b", new_tag="a", description="back"),
        TagUpdated(**by, tag="b", new_tag="d", description="nothing again"),
    ]
    # Then one batch leaves the tag book as applying them one by one does
    expected = _apply(events, 1)
    assert [row[1:3] for row in expected["conversation_tags"]] == [("a", "back")]
    assert _apply(events, len(events)) == expected


def test_a_repeated_key_starts_a_new_run() -> None:
    engine = sa.create_engine("sqlite://")
    metadata = sa.MetaData()
    table = sa.Table(
        "t", metadata, sa.Column("k", sa.Integer, primary_key=True), sa.Column("v", sa.Integer)
    )
    metadata.create_all(engine)
    with engine.begin() as conn:
        rows = BufferedRows(conn)
        for k, v in [(1, 1), (2, 2), (1, 3), (1, 4)]:
            rows.upsert(table, {"k": k, "v": v}, key=["k"])
        rows.flush()
        assert sorted(conn.execute(sa.select(table))) == [(1, 4), (2, 2)]
