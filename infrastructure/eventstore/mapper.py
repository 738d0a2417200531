"""msgspec mapper: events as readable JSON, personal fields encrypted per data subject."""

from __future__ import annotations

import base64
import os
from typing import Any, Protocol
from uuid import UUID

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent, Transcoder

from domain.shared.events import REDACTED, DomainEvent, resolve_topic

ENVELOPE = "$enc"


class SubjectKeys(Protocol):
    def key_for_write(self, subject: UUID) -> bytes: ...
    def key_for_read(self, subject: UUID) -> bytes | None: ...


class _Unused(Transcoder):
    def encode(self, obj: Any) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:
        raise NotImplementedError


def _dec_hook(type_: type, obj: Any) -> Any:
    raise NotImplementedError(f"cannot decode {type_}")


class PersonalDataMapper(Mapper[UUID]):
    """Stored state is `{"field": value, ...}` JSON; a personal field becomes
    `{"$enc": base64(nonce|ciphertext), "t": "str"|"json"}` under the subject's key, with the
    subject, topic and field name as associated data, so ciphertext cannot be moved elsewhere.
    Without the key the field decodes to `REDACTED` (text), else to `None`, or to an empty
    list/dict where the field's type does not allow `None`.
    """

    def __init__(self, keys: SubjectKeys):
        super().__init__(transcoder=_Unused())
        self._keys = keys
        self._encoder = msgspec.json.Encoder()

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        assert isinstance(domain_event, DomainEvent), type(domain_event)
        cls = type(domain_event)
        state = msgspec.structs.asdict(domain_event)
        if cls.personal:
            subject = domain_event.subject_id()
            key = AESGCM(self._keys.key_for_write(subject))
            for field in cls.personal:
                state[field] = self._seal(key, subject, cls.TOPIC, field, state[field])
        state.pop("originator_id")
        state.pop("originator_version")
        if cls.class_version > 1:
            state["class_version"] = cls.class_version
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=cls.TOPIC,
            state=self._encoder.encode(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        try:
            cls = resolve_topic(stored_event.topic)
            state: dict[str, Any] = msgspec.json.decode(stored_event.state)
            originator_id = _as_uuid(stored_event.originator_id)
            self._open_all(state, originator_id, cls)
            from_version = state.pop("class_version", 1)
            while from_version < cls.class_version:
                getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
                from_version += 1
            state["originator_id"] = originator_id
            state["originator_version"] = stored_event.originator_version
            return msgspec.convert(state, cls, strict=False, dec_hook=_dec_hook)
        except (msgspec.DecodeError, msgspec.ValidationError, LookupError) as error:
            raise MapperDeserialisationError(
                f"cannot decode {stored_event.topic} "
                f"{stored_event.originator_id}@{stored_event.originator_version}: {error}"
            ) from error

    def _seal(self, key: AESGCM, subject: UUID, topic: str, field: str, value: Any) -> Any:
        if value is None:
            return None
        kind = "str" if isinstance(value, str) else "json"
        plain = value.encode() if kind == "str" else self._encoder.encode(value)
        nonce = os.urandom(12)
        sealed = nonce + key.encrypt(nonce, plain, f"{subject}|{topic}|{field}".encode())
        return {ENVELOPE: base64.b64encode(sealed).decode(), "t": kind}

    def _open_all(self, state: dict[str, Any], originator_id: UUID, cls: type[DomainEvent]) -> None:
        sealed = [f for f, v in state.items() if isinstance(v, dict) and ENVELOPE in v]
        if not sealed:
            return
        raw_subject = originator_id if cls.subject == "originator_id" else state[cls.subject]
        subject = _as_uuid(raw_subject)
        key_bytes = self._keys.key_for_read(subject)
        key = AESGCM(key_bytes) if key_bytes is not None else None
        for field in sealed:
            state[field] = self._open(key, subject, cls, field, state[field])

    def _open(
        self, key: AESGCM | None, subject: UUID, cls: type[DomainEvent], field: str, box: Any
    ) -> Any:
        if key is None:
            return _shredded(cls, field, box)
        sealed = base64.b64decode(box[ENVELOPE])
        try:
            plain = key.decrypt(sealed[:12], sealed[12:], f"{subject}|{cls.TOPIC}|{field}".encode())
        except InvalidTag:
            return _shredded(cls, field, box)
        return plain.decode() if box.get("t") == "str" else msgspec.json.decode(plain)


def _shredded(cls: type[DomainEvent], field: str, box: Any) -> Any:
    """What a field reads as without its key: `REDACTED` for text; else None, or an empty
    list/dict where the field's type does not allow None, so that the event still decodes."""
    if box.get("t") == "str":
        return REDACTED
    kind = next((f.type for f in msgspec.structs.fields(cls) if f.name == field), Any)
    empties: tuple[Any, ...] = (None, [], {})
    for empty in empties:
        try:
            return msgspec.convert(empty, kind)
        except msgspec.ValidationError:
            continue
    return None


def _as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
