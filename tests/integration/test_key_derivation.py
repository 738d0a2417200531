"""Keys derived from the master key per purpose (HKDF), and data written before that (v1:
the master key itself wrapped subject keys and keyed email claims) still opens."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.identity.service import IdentityPolicy, IdentityService
from infrastructure.eventstore.keystore import subject_keys
from infrastructure.masterkey import MasterKey

PASSWORD = "correct horse battery"


def _master(container: Any) -> MasterKey:
    value = container.settings.master_key
    if not value:  # embedded mode made one in var/
        path = Path(container.settings.data_dir) / "secrets.json"
        value = json.loads(path.read_text())["master_key"]
    return MasterKey.parse(value)


def _wrapped(container: Any, subject: object) -> bytes:
    with container.keys_db.connect() as conn:
        row = conn.execute(
            sa.select(subject_keys.c.wrapped_key).where(subject_keys.c.subject_id == str(subject))
        ).one()
    return bytes(row.wrapped_key)


def test_subject_key_is_not_wrapped_by_the_bare_master_key(
    mode: str, container_for: Callable[..., Any]
) -> None:
    container = container_for(mode)
    subject = uuid4()
    key = container.keystore.key_for_write(subject)
    wrapped = _wrapped(container, subject)
    with pytest.raises(InvalidTag):
        AESGCM(_master(container).legacy).decrypt(wrapped[:12], wrapped[12:], str(subject).encode())
    assert wrapped[:1] == b"\x02"
    assert key == container.keystore.key_for_read(subject)


def test_subject_key_wrapped_before_derivation_still_opens(
    mode: str, container_for: Callable[..., Any]
) -> None:
    container = container_for(mode)
    subject, key, nonce = uuid4(), AESGCM.generate_key(bit_length=256), os.urandom(12)
    v1 = nonce + AESGCM(_master(container).legacy).encrypt(nonce, key, str(subject).encode())
    with container.keys_db.begin() as conn:
        conn.execute(
            subject_keys.insert().values(
                subject_id=str(subject), wrapped_key=v1, created_at=sa.func.now()
            )
        )
    assert container.keystore.key_for_read(subject) == key


def test_email_claimed_before_derivation_keeps_its_account(
    mode: str, container_for: Callable[..., Any]
) -> None:
    container = container_for(mode)
    identity = container.identity
    master = _master(container)
    # an account registered by v1, whose claim id is keyed by the bare master key
    v1 = IdentityService(
        identity.store,
        identity.hasher,
        identity.tokens,
        container.keystore,
        IdentityPolicy(email_claim_key=master.legacy),
        identity.revocations,
    )
    form = {"name": "Old", "email": "old@example.com", "password": PASSWORD, "confirm": PASSWORD}
    old = v1.register(**form)
    assert old.created
    # it still signs in, and its address is still taken
    signed_in = identity.login("old@example.com", PASSWORD, "127.0.0.1", "test")
    assert signed_in.user.id == old.user_id
    again = identity.register(**form)
    assert not again.created
    # while a new address is claimed under the derived key
    new = identity.register(**{**form, "email": "new@example.com"})
    assert identity.email_claim_id("new@example.com") != v1.email_claim_id("new@example.com")
    assert identity.login("new@example.com", PASSWORD, "127.0.0.1", "test").user.id == new.user_id
