"""The master secret and the keys derived from it: one key per purpose (HKDF-SHA256).

Before derivation existed (v1), the master key itself wrapped subject keys and keyed the
email-claim HMAC. Data written then stays readable: `legacy` is that v1 key, used only to
open what v1 wrote (wrapped keys without a version byte, email claims made under v1).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
MIN_PASSPHRASE = 32
SUBJECT_KEY_WRAP = b"chronicle/subject-key-wrap/v2"
EMAIL_CLAIM = b"chronicle/email-claim/v2"


@dataclass(frozen=True)
class MasterKey:
    root: bytes  # 32 bytes: the v1 key, input of every derivation

    @classmethod
    def parse(cls, value: str) -> MasterKey:
        """A base64 32-byte key is taken as it is; any other value is a passphrase of at least
        32 characters, hashed to 32 bytes with SHA-256 (the v1 rule, kept so that data written
        under a passphrase stays readable; the length rule keeps guessable ones out)."""
        try:
            decoded = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if len(decoded) == KEY_BYTES:
            return cls(decoded)
        if len(value) < MIN_PASSPHRASE:
            raise ValueError(
                f"must be a base64 32-byte key or a passphrase of at least {MIN_PASSPHRASE}"
                " characters"
            )
        return cls(hashlib.sha256(value.encode()).digest())

    def derive(self, purpose: bytes) -> bytes:
        return HKDF(hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(self.root)

    @property
    def subject_key_wrap(self) -> bytes:
        return self.derive(SUBJECT_KEY_WRAP)

    @property
    def email_claim(self) -> bytes:
        return self.derive(EMAIL_CLAIM)

    @property
    def legacy(self) -> bytes:
        return self.root

    def encoded(self) -> str:
        return base64.b64encode(self.root).decode()
