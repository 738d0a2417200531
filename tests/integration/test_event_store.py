"""The event store's guarantees, on SQLite and PostgreSQL: a tamper-evident hash chain,
per-user crypto-shredding, upcasting by `class_version`, and optimistic concurrency."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
import pytest
from eventsourcing.persistence import IntegrityError
from litestar.testing import TestClient

from api.app import create_app
from application.shared.store import retry_on_conflict
from domain.conversations.conversation import Conversation
from domain.conversations.rules import NO_PARENT
from domain.identity.claims import EmailClaim
from domain.identity.events import UserRegistered
from domain.identity.user import User
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Conflict
from domain.shared.events import REDACTED, DomainEvent
from infrastructure.eventstore.chain import verify
from tests.raw_events import RawEvents

PASSWORD = "correct horse battery"


# --------------------------------------------------------------------------- hash chain
def _flip_a_byte(raw: RawEvents, at: list[int]) -> int:
    state = bytearray(raw.state(at[2]))
    state[len(state) // 2] ^= 0x01
    raw.set_state(at[2], bytes(state))
    return at[2]


def _delete_a_middle_row(raw: RawEvents, at: list[int]) -> int:
    raw.delete(at[2])
    return at[3]  # the record after the hole no longer links to its predecessor


def _swap_two_payloads(raw: RawEvents, at: list[int]) -> int:
    second, fifth = raw.state(at[1]), raw.state(at[4])
    raw.set_state(at[1], fifth)
    raw.set_state(at[4], second)
    return at[1]


def _reorder_two_rows(raw: RawEvents, at: list[int]) -> int:
    raw.swap_positions(at[1], at[4])
    return at[1]


TAMPERING = {
    "modified byte": _flip_a_byte,
    "deleted row": _delete_a_middle_row,
    "swapped payloads": _swap_two_payloads,
    "reordered rows": _reorder_two_rows,
}


@pytest.mark.parametrize("tamper", list(TAMPERING), ids=list(TAMPERING))
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_verify_names_the_first_tampered_position(
    kind: str, tamper: str, container_for: Callable[..., Any]
) -> None:
    # Given six events, each appended by its own commit, and an intact chain
    container = container_for(kind)
    store = container.stores["conversations"]
    owner = uuid.uuid4()
    positions = [
        store.commit(Conversation.start(uuid.uuid4(), owner, title=f"chat {i}")).notification_id
        for i in range(6)
    ]
    intact = verify(store.recorder)
    assert intact.ok and intact.checked == 6
    # When someone with database access changes the stored records
    raw = RawEvents(container, "conversations")
    first_bad = TAMPERING[tamper](raw, positions)
    # Then verification fails exactly at the first record that no longer fits,
    # after accepting every record stored before it
    report = verify(store.recorder)
    assert not report.ok
    assert report.first_bad == first_bad
    assert report.checked == len([p for p, *_ in raw.rows() if p < first_bad]) > 0


# --------------------------------------------------------------------------- crypto-shredding
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_destroying_a_users_key_shreds_only_their_personal_fields(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given Ada (with a conversation) and Bob, registered through the identity service
    container = container_for(kind)
    ada = _register(container, "ada@example.com", "Ada Lovelace")
    bob = _register(container, "bob@example.com", "Bob Babbage")
    convo = Conversation.start(uuid.uuid4(), ada, title="Plans for the engine")
    convo.tag(["engines"])
    convo.post(uuid.uuid4(), NO_PARENT, sender="User", is_created_by_user=True, text="Note G")
    container.stores["conversations"].commit(convo, actor=ada)
    # When Ada's key is destroyed
    container.keystore.destroy(ada)
    # Then this process, and a fresh one with a cold key cache, still load everything ...
    for reader in (container, container_for(kind)):
        identity = reader.stores["identity"]
        shredded = identity.load(User, ada)
        # ... Ada's personal fields read as the marker, the rest is intact
        personal = (shredded.email, shredded.name, shredded.username, shredded.password_hash)
        assert personal == (REDACTED,) * 4
        assert (shredded.role, shredded.provider) == ("ADMIN", "local")
        assert shredded.email_verified
        assert not shredded.deleted and shredded.version == 1
        registered = list(identity.events.get(ada))
        assert isinstance(registered[0], UserRegistered) and registered[0].email == REDACTED
        chat = reader.stores["conversations"].load(Conversation, convo.id)
        assert chat.user_id == ada and chat.version == 3
        assert chat.title == REDACTED and chat.tags == []
        [message] = chat.messages.values()
        assert message.text == REDACTED and message.sender == "User"
        # ... and Bob's data is untouched
        other = identity.load(User, bob)
        assert (other.email, other.name, other.role) == ("bob@example.com", "Bob Babbage", "USER")
    # And the stored bytes never held the plaintext, while the other fields stay readable JSON
    tables = [RawEvents(container, context) for context in ("identity", "conversations")]
    stored = [state for table in tables for *_, state in table.rows()]
    for secret in (b"ada@example.com", b"Ada Lovelace", b"Plans for", b"Note G", b"engines"):
        assert not any(secret in state for state in stored), secret
    assert any(b'"role":"ADMIN"' in state for state in stored)
    # And shredding changed no stored byte: the chain still verifies
    assert verify(container.stores["identity"].recorder).ok
    assert container.keystore.is_destroyed(ada) and not container.keystore.is_destroyed(bob)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_shredded_users_snapshotted_conversation_still_loads(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given a conversation long enough to have a snapshot (encrypted under its owner's key)
    container = container_for(kind)
    store = container.stores["conversations"]
    owner = uuid.uuid4()
    convo = Conversation.start(uuid.uuid4(), owner, title="Long chat")
    parent = NO_PARENT
    for i in range(120):
        message = uuid.uuid4()
        convo.post(message, parent, sender="User", is_created_by_user=True, text=f"secret {i}")
        parent = message
    store.commit(convo)
    assert [s.originator_version for s in store.snapshots.get(convo.id)] == [100]
    # When the owner's key is destroyed
    container.keystore.destroy(owner)
    # Then the conversation still loads, whole, with every text redacted
    loaded = store.load(Conversation, convo.id)
    assert loaded.version == 121 and len(loaded.messages) == 120
    assert loaded.title == REDACTED
    assert {m.text for m in loaded.messages.values()} == {REDACTED}


def _register(container: Any, email: str, name: str) -> UUID:
    done = container.identity.register(name=name, email=email, password=PASSWORD, confirm=PASSWORD)
    assert done.created and done.user_id is not None
    return UUID(str(done.user_id))


# --------------------------------------------------------------------------- upcasting
UPCAST_TOPIC = "tests.event_store.NoteWritten"


class NoteWritten(DomainEvent, frozen=True, kw_only=True):
    """Version 1, as the code of an older release wrote it."""

    TOPIC = UPCAST_TOPIC
    personal = ("text",)
    text: str


NoteWrittenV1 = NoteWritten


class NoteWritten(DomainEvent, frozen=True, kw_only=True):  # type: ignore[no-redef]
    """Version 2, the current code: same topic and name (it replaces v1 in the topic registry)
    with a required new field, filled from the old state by the upcaster."""

    TOPIC = UPCAST_TOPIC
    class_version = 2
    personal = ("text",)
    text: str
    words: int

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["words"] = len(state["text"].split())


class Note(Aggregate):
    text: str
    words: int

    def write(self, text: str) -> None:
        self._record(NoteWritten, text=text, words=len(text.split()))

    @applies(NoteWritten)
    def _written(self, event: NoteWritten) -> None:
        self.text, self.words = event.text, event.words


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_stored_v1_event_reads_as_v2_with_the_new_field_filled(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given a note whose first event was stored by the old code (v1), the second by the new
    container = container_for(kind)
    store = container.stores["conversations"]
    note = Note(uuid.uuid4())
    old = NoteWrittenV1(
        originator_id=note.id,
        originator_version=1,
        timestamp=datetime(2024, 1, 1, tzinfo=UTC),
        text="four words in v1",
    )
    store.save(old)
    loaded = store.load(Note, note.id)
    loaded.write("two words")
    store.commit(loaded)
    # When the events are read back
    first, second = store.events.get(note.id)
    # Then the v1 event arrives as a v2 instance with the added field upcast ...
    assert type(first) is NoteWritten and first.class_version == 2
    assert (first.text, first.words) == ("four words in v1", 4)
    assert (second.text, second.words) == ("two words", 2)
    assert store.load(Note, note.id).words == 2
    # ... while the stored v1 record itself was never rewritten
    states = [msgspec.json.decode(s) for *_, s in RawEvents(container, "conversations").rows()]
    assert "class_version" not in states[0] and "words" not in states[0]
    assert states[1]["class_version"] == 2 and states[1]["words"] == 2


# --------------------------------------------------------------------------- concurrency
def _committed_conversation(container: Any, **fields: Any) -> tuple[Any, Conversation]:
    """The conversations store and a conversation saved at version 1, for writers to race on."""
    store = container.stores["conversations"]
    convo = Conversation.start(uuid.uuid4(), fields.pop("user_id", uuid.uuid4()), **fields)
    store.commit(convo)
    return store, convo


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_of_two_writers_of_one_version_the_second_gets_a_conflict(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given two writers that loaded the same version of a conversation
    store, convo = _committed_conversation(container_for(kind))
    first, second = store.load(Conversation, convo.id), store.load(Conversation, convo.id)
    first.retitle("first writer")
    second.retitle("second writer")
    # When both save
    store.commit(first)
    with pytest.raises(IntegrityError):
        store.commit(second)
    # Then the first one's change is the only one stored
    stored = store.load(Conversation, convo.id)
    assert stored.title == "first writer" and stored.version == 2
    assert [e.originator_version for e in store.events.get(convo.id)] == [1, 2]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_retry_on_conflict_reruns_the_handler_until_it_succeeds(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given a handler whose first attempt races a rival writer
    store, convo = _committed_conversation(container_for(kind))
    attempts: list[int] = []

    def pin() -> int:
        mine = store.load(Conversation, convo.id)
        attempts.append(mine.version)
        if len(attempts) == 1:
            _rival_retitles(store, convo.id, "renamed by the rival")
        mine.pin(True)
        store.commit(mine)
        return mine.version

    # When it runs under retry_on_conflict
    version = retry_on_conflict(pin)
    # Then it ran twice (the second time on the rival's version) and both changes are kept
    assert attempts == [1, 2] and version == 3
    stored = store.load(Conversation, convo.id)
    assert stored.pinned and stored.title == "renamed by the rival"


def test_retry_on_conflict_gives_up_with_a_conflict_error(
    container_for: Callable[..., Any],
) -> None:
    store, convo = _committed_conversation(container_for("sqlite"))
    calls: list[int] = []

    def always_loses() -> None:
        calls.append(1)
        mine = store.load(Conversation, convo.id)
        _rival_retitles(store, convo.id, f"rival {len(calls)}")
        mine.pin(True)
        store.commit(mine)

    with pytest.raises(Conflict):
        retry_on_conflict(always_loses, attempts=3)
    assert len(calls) == 3 and not store.load(Conversation, convo.id).pinned


def test_a_conflict_that_outlasts_the_retries_answers_409(
    container_for: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a user's conversation that a rival writer changes after every load
    container, user_id = container_for("sqlite"), uuid.uuid4()
    store, convo = _committed_conversation(container, user_id=user_id, title="Original")
    load = store.load
    rival_commits: list[int] = []

    def load_then_lose_the_race(cls: type[Any], aggregate_id: UUID, version: Any = None) -> Any:
        loaded = load(cls, aggregate_id, version)
        rival = load(Conversation, convo.id)
        rival.pin(not rival.pinned)
        store.commit(rival)
        rival_commits.append(rival.version)
        return loaded

    monkeypatch.setattr(store, "load", load_then_lose_the_race)
    token = container.tokens.access(user_id, "ada", "local", "ada@example.com")
    # When the user renames it over HTTP
    with TestClient(create_app(container)) as client:
        response = client.post(
            "/api/convos/update",
            json={"arg": {"conversationId": str(convo.id), "title": "Renamed"}},
            headers={"Authorization": f"Bearer {token}"},
        )
    # Then, after the handler's retries, the answer is 409 in LibreChat's error shape
    assert response.status_code == 409, response.text
    body = response.json()
    assert set(body) == {"error", "message"} and body["error"] == body["message"]
    assert "concurrently" in body["message"]
    # And the handler really retried (5 attempts), and its change was never stored
    assert len(rival_commits) == 5
    monkeypatch.undo()
    assert store.load(Conversation, convo.id).title == "Original"


def _rival_retitles(store: Any, conversation_id: UUID, title: str) -> None:
    rival = store.load(Conversation, conversation_id)
    rival.retitle(title)
    store.commit(rival)


def test_concurrent_registrations_of_one_email_create_exactly_one_user(
    container_for: Callable[..., Any],
) -> None:
    # Given eight clients registering the same address (in different spellings) at once
    container = container_for("postgres")
    identity = container.identity
    emails = ["race@example.com", "RACE@example.com", "Race@Example.com", "race@EXAMPLE.COM"] * 2
    start = threading.Barrier(len(emails))

    def register(index: int) -> Any:
        start.wait()
        return identity.register(
            name=f"Racer {index}", email=emails[index], password=PASSWORD, confirm=PASSWORD
        )

    # When they all register
    with ThreadPoolExecutor(len(emails)) as pool:
        results = list(pool.map(register, range(len(emails))))
    # Then exactly one of them created a user, and the store holds exactly one
    created = [r.user_id for r in results if r.created]
    assert len(created) == 1 and all(r.user_id is None for r in results if not r.created)
    topics = [topic for _, topic, _ in RawEvents(container, "identity").rows()]
    assert topics.count(UserRegistered.TOPIC) == 1
    assert topics.count("identity.EmailClaimed") == 1
    claim = container.stores["identity"].load(
        EmailClaim, identity.email_claim_id("race@example.com")
    )
    assert claim.user_id == created[0] and claim.version == 1
    # And that user is the one who can sign in with the address
    signed_in = identity.login("race@example.com", PASSWORD, "127.0.0.1", "pytest")
    assert signed_in.user.id == created[0]
