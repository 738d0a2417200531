"""Storage strategies: local disk (under the data directory) and S3-compatible object
storage. Both hold only sealed bytes: AES-GCM under the owner's data key (the key the event
mapper encrypts their personal fields with), bound to the object's key. Destroying a user's
key (account deletion) makes their stored files unreadable, wherever copies remain."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.shared.ports import KeyStore

MAGIC = b"CHF1"  # format of a sealed object: MAGIC | nonce(12) | ciphertext+tag


class Sealer:
    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys

    def seal(self, owner: UUID, key: str, data: bytes) -> bytes:
        nonce = os.urandom(12)
        aead = AESGCM(self._keys.key_for_write(owner))
        return MAGIC + nonce + aead.encrypt(nonce, data, key.encode())

    def open(self, owner: UUID, key: str, sealed: bytes) -> bytes | None:
        secret = self._keys.key_for_read(owner)
        if secret is None or not sealed.startswith(MAGIC):
            return None
        nonce, body = sealed[4:16], sealed[16:]
        try:
            return AESGCM(secret).decrypt(nonce, body, key.encode())
        except InvalidTag:
            return None


class LocalStorage:
    """Files under `<data_dir>/files/<user>/<file>`; keys are made by the service from a
    user id and a UUID file id and a sanitised name, and checked again here."""

    name = "local"

    def __init__(self, root: str | Path, sealer: Sealer) -> None:
        self._root = Path(root).resolve()
        self._sealer = sealer

    def _path(self, key: str) -> Path:
        path = (self._root / key).resolve()
        if self._root not in path.parents:
            raise ValueError(f"storage key outside the store: {key!r}")
        return path

    def put(self, owner: UUID, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(self._sealer.seal(owner, key, data))
        partial.replace(path)

    def get(self, owner: UUID, key: str) -> bytes | None:
        try:
            sealed = self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None
        return self._sealer.open(owner, key, sealed)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """An S3-compatible bucket (AWS, MinIO, moto), LibreChat's `AWS_*` settings."""

    name = "s3"

    def __init__(self, client: Any, bucket: str, sealer: Sealer, prefix: str = "files") -> None:
        self._client = client
        self._bucket = bucket
        self._sealer = sealer
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self._prefix}/{key}"

    def put(self, owner: UUID, key: str, data: bytes) -> None:
        body = self._sealer.seal(owner, key, data)
        self._client.put_object(Bucket=self._bucket, Key=self._key(key), Body=body)

    def get(self, owner: UUID, key: str) -> bytes | None:
        try:
            found = self._client.get_object(Bucket=self._bucket, Key=self._key(key))
        except self._client.exceptions.NoSuchKey:
            return None
        return self._sealer.open(owner, key, found["Body"].read())

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=self._key(key))


def s3_client(endpoint_url: str, region: str, access_key: str, secret_key: str) -> Any:
    import boto3  # imported when the strategy is chosen: it takes a while to import

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or "us-east-1",
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
    )
