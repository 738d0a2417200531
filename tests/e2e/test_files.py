"""/api/files on SQLite and PostgreSQL, with both storage strategies (local disk and S3
against moto's server): uploads checked before anything is stored, downloads, previews,
deletions, and another user locked out."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from application.files.config import load_file_limits
from tests.e2e.conftest import Api
from tests.files_support import pdf, png, s3_server


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with s3_server() as url:
        yield url


def _s3_settings(url: str) -> dict[str, object]:
    import boto3

    bucket = f"chronicle-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    ).create_bucket(Bucket=bucket)  # fmt: skip
    return {
        "file_strategy": "s3",
        "aws_endpoint_url": url,
        "aws_region": "us-east-1",
        "aws_bucket_name": bucket,
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }


@pytest.fixture(
    params=[("sqlite", "local"), ("sqlite", "s3"), ("distributed", "local"), ("distributed", "s3")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def files_api(request: pytest.FixtureRequest, api_for: Callable[..., Api], s3_url: str) -> Api:
    mode, strategy = request.param
    overrides = _s3_settings(s3_url) if strategy == "s3" else {}
    return api_for(mode, **overrides)


def upload(
    api: Api,
    me: dict[str, str],
    name: str,
    data: bytes,
    mime: str,
    *,
    route: str = "/api/files",
    file_id: str | None = None,
    endpoint: str = "openAI",
    **extra: str,
) -> Any:
    form = {"file_id": file_id or str(uuid.uuid4()), "endpoint": endpoint, **extra}
    if route.endswith("/images"):
        form |= {"width": "64", "height": "48"}
    return api.client.post(route, headers=me, data=form, files={"file": (name, data, mime)})


def _stored(api: Api) -> list[Path]:
    root = Path(api.container.settings.data_dir) / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _s3_objects(api: Api) -> int:
    storage = api.container.files._storage
    if storage.name != "s3":
        return len(_stored(api))
    listed = storage._client.list_objects_v2(Bucket=storage._bucket)
    return int(listed.get("KeyCount", 0))


def test_upload_list_download_preview_delete(files_api: Api) -> None:
    api = files_api
    me = api.user("files-owner@example.com")
    image = upload(api, me, "photo.png", png(), "image/png", route="/api/files/images")
    assert image.status_code == 200, image.text
    body = image.json()
    assert body["message"] == "File uploaded and processed successfully"
    assert (body["type"], body["width"], body["height"]) == ("image/png", 64, 48)
    assert body["filepath"].startswith(f"/images/{body['user']}/")
    assert body["source"] == api.container.files._storage.name

    doc = upload(api, me, "notes.pdf", pdf("Quarterly numbers are up"), "application/pdf")
    assert doc.status_code == 200, doc.text
    doc_id = doc.json()["file_id"]

    listed = api.client.get("/api/files", headers=me).json()
    assert {f["file_id"] for f in listed} == {body["file_id"], doc_id}
    assert all("text" not in f and f["object"] == "file" for f in listed)

    got = api.client.get(f"/api/files/download/{body['user']}/{doc_id}", headers=me)
    assert got.status_code == 200
    assert got.content == pdf("Quarterly numbers are up")
    assert got.headers["content-disposition"].startswith('attachment; filename="notes.pdf"')
    assert json.loads(unquote(got.headers["x-file-metadata"]))["file_id"] == doc_id

    preview = api.client.get(f"/api/files/{doc_id}/preview", headers=me).json()
    assert preview["status"] == "ready" and "Quarterly numbers are up" in preview["text"]

    shown = api.client.get(body["filepath"], headers=me)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    assert shown.content.startswith(b"\x89PNG")

    assert _s3_objects(api) == 2
    files = [{"file_id": doc_id, "filepath": doc.json()["filepath"]}]
    gone = api.client.request("DELETE", "/api/files", headers=me, json={"files": files})
    assert gone.status_code == 200 and gone.json() == {"message": "Files deleted successfully"}
    assert [f["file_id"] for f in api.client.get("/api/files", headers=me).json()] == [
        body["file_id"]
    ]
    assert _s3_objects(api) == 1
    again = api.client.get(f"/api/files/download/{body['user']}/{doc_id}", headers=me)
    assert again.status_code == 404


def test_bytes_at_rest_are_sealed(files_api: Api) -> None:
    api = files_api
    me = api.user("sealed@example.com")
    secret = b"the plaintext must not be at rest"
    assert upload(api, me, "secret.txt", secret, "text/plain").status_code == 200
    storage = api.container.files._storage
    if storage.name == "s3":
        key = storage._client.list_objects_v2(Bucket=storage._bucket)["Contents"][0]["Key"]
        raw = storage._client.get_object(Bucket=storage._bucket, Key=key)["Body"].read()
    else:
        raw = _stored(api)[0].read_bytes()
    assert secret not in raw and raw.startswith(b"CHF1")


BAD = [
    ("wrong type under a good name", "photo.png", b"just some text", "image/png", 400),
    ("PDF that is a PNG", "doc.pdf", png(), "application/pdf", 400),
    ("zero bytes", "empty.txt", b"", "text/plain", 400),
    ("a path in the name", "../../etc/passwd.txt", b"hello", "text/plain", 400),
    ("a folder in the name", "a/b.txt", b"hello", "text/plain", 400),
    ("unsupported type", "tool.exe", b"MZ\x90\x00", "application/x-msdownload", 400),
]


@pytest.mark.parametrize(("why", "name", "data", "mime", "status"), BAD, ids=[b[0] for b in BAD])
def test_bad_files_store_nothing(
    embedded_api: Api, why: str, name: str, data: bytes, mime: str, status: int
) -> None:
    api = embedded_api
    me = api.user("bad-files@example.com")
    before = api.events("files")
    answer = upload(api, me, name, data, mime)
    assert answer.status_code == status, (why, answer.text)
    assert "message" in answer.json()
    assert api.events("files") == before and _stored(api) == []


def test_limits_from_file_config(embedded_api: Api) -> None:
    api = embedded_api
    api.container.files.limits = load_file_limits(
        {"endpoints": {"openAI": {"fileSizeLimit": 1, "supportedMimeTypes": ["^text/.*$"]}}}
    )
    me = api.user("limits@example.com")
    too_big = upload(api, me, "big.txt", b"x" * (1024 * 1024 + 1), "text/plain")
    assert too_big.status_code == 413
    assert too_big.json() == {"message": "File size limit of 1 MB exceeded for openAI endpoint"}
    refused = upload(api, me, "notes.pdf", pdf("hi"), "application/pdf")
    assert refused.status_code == 400 and refused.json() == {"message": "Unsupported file type"}
    assert upload(api, me, "ok.txt", b"small", "text/plain").status_code == 200
    assert (
        upload(api, me, "ok.pdf", pdf("hi"), "application/pdf", endpoint="anthropic").status_code
        == 200
    )
    config = api.client.get("/api/files/config", headers=me).json()
    assert config["endpoints"]["openAI"]["fileSizeLimit"] == 1


def test_too_many_files_in_one_upload(embedded_api: Api) -> None:
    api = embedded_api
    me = api.user("many@example.com")
    files = [("file", ("a.txt", b"a", "text/plain")), ("file", ("b.txt", b"b", "text/plain"))]
    form = {"file_id": str(uuid.uuid4()), "endpoint": "openAI"}
    answer = api.client.post("/api/files", headers=me, data=form, files=files)
    assert answer.status_code == 400 and answer.json()["message"].startswith("Too many files")
    assert api.events("files") == 0


def test_missing_fields(embedded_api: Api) -> None:
    api = embedded_api
    me = api.user("fields@example.com")
    files = {"file": ("a.txt", b"a", "text/plain")}
    no_id = api.client.post("/api/files", headers=me, data={"endpoint": "openAI"}, files=files)
    assert no_id.json() == {"message": "No file_id provided"}
    bad_id = api.client.post(
        "/api/files", headers=me, data={"endpoint": "openAI", "file_id": "x"}, files=files
    )
    assert bad_id.status_code == 400
    no_endpoint = api.client.post(
        "/api/files", headers=me, data={"file_id": str(uuid.uuid4())}, files=files
    )
    assert no_endpoint.json() == {"message": "No endpoint provided"}
    no_file = api.client.post("/api/files", headers=me, data={"file_id": str(uuid.uuid4())})
    assert no_file.status_code == 400
    assert api.events("files") == 0


def test_another_user_cannot_read_list_or_delete(files_api: Api) -> None:
    api = files_api
    owner = api.user("owner2@example.com")
    other = api.user("other2@example.com")
    made = upload(api, owner, "photo.png", png(), "image/png", route="/api/files/images").json()
    doc = upload(api, owner, "a.txt", b"private words", "text/plain").json()
    user, fid = made["user"], made["file_id"]
    assert api.client.get("/api/files", headers=other).json() == []
    denied = {"error": "Forbidden", "message": "Insufficient permissions to access this file"}
    got = api.client.get(f"/api/files/download/{user}/{fid}", headers=other)
    assert (got.status_code, got.json()) == (403, denied)
    got = api.client.get(f"/api/files/{doc['file_id']}/preview", headers=other)
    assert (got.status_code, got.json()) == (403, denied)
    nobody = api.client.get(f"/api/files/{uuid.uuid4()}/preview", headers=other)
    assert nobody.status_code == 404 and nobody.json()["message"] == "File not found"
    assert api.client.get(made["filepath"], headers=other).status_code == 404
    files = [{"file_id": fid, "filepath": made["filepath"]}]
    refused = api.client.request("DELETE", "/api/files", headers=other, json={"files": files})
    assert refused.status_code == 403
    assert refused.json() == {
        "message": "You can only delete files you own",
        "unauthorizedFiles": [fid],
    }
    assert len(api.client.get("/api/files", headers=owner).json()) == 2
    assert api.client.get(made["filepath"]).status_code == 401


def test_avatar_is_resized_to_webp(embedded_api: Api) -> None:
    api = embedded_api
    me = api.user("avatar@example.com")
    answer = api.client.post(
        "/api/files/images/avatar",
        headers=me,
        files={"file": ("me.png", png(800, 600), "image/png")},
    )
    assert answer.status_code == 200, answer.text
    picture = api.client.get(answer.json()["url"], headers=me)
    assert picture.headers["content-type"] == "image/webp"
    from io import BytesIO

    from PIL import Image

    assert max(Image.open(BytesIO(picture.content)).size) == 250


def test_speech_config_defaults(embedded_api: Api) -> None:
    me = embedded_api.user("speech@example.com")
    answer = embedded_api.client.get("/api/files/speech/config/get", headers=me)
    assert answer.json() == {"sttExternal": False, "ttsExternal": False}
