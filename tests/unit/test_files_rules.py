"""Files without a server: what content sniffing accepts, `fileConfig` merged over LibreChat's
defaults, names refused, document text, images converted."""

from __future__ import annotations

import io
import zipfile

import pytest

from application.files.config import DEFAULT_SIZE, MB, FileConfigError, load_file_limits
from application.files.service import check_name, safe_name
from domain.files import content
from domain.shared.errors import Invalid
from infrastructure.files.documents import DOCX, TextDocuments
from infrastructure.files.images import PillowImages
from tests.files_support import pdf, png


@pytest.mark.parametrize(
    ("mime", "data", "ok"),
    [
        ("image/png", png(), True),
        ("image/png", b"GIF89a....", False),
        ("image/jpeg", png(), False),
        ("application/pdf", pdf("x"), True),
        ("application/pdf", b"plain words", False),
        ("text/plain", "héllo".encode(), True),
        ("text/plain", b"\x00\x01binary", False),
        ("text/plain", png(), False),
        ("application/json", b'{"a": 1}', True),
        ("video/avi", b"RIFF\x00\x00\x00\x00AVI LIST", True),
        ("video/avi", png(), False),  # a known other type's signature
        (DOCX, b"PK\x03\x04rest", True),
        (DOCX, b"not a zip", False),
    ],
)
def test_content_must_match_the_declared_type(mime: str, data: bytes, ok: bool) -> None:
    assert content.matches(mime, data) is ok


def test_type_from_the_name_when_none_is_declared() -> None:
    assert content.infer_type("a.py", "") == "text/x-python"
    assert content.infer_type("a.pdf", "application/octet-stream") == "application/pdf"
    assert content.infer_type("a.bin", "IMAGE/PNG; q=1") == "image/png"


def test_file_config_defaults_and_overrides() -> None:
    default = load_file_limits(None)
    assert default.for_endpoint("openAI").file_limit == 10
    assert default.for_endpoint("openAI").file_size_limit == DEFAULT_SIZE
    assert default.avatar_size_limit == 2 * MB and default.raw == {}
    limits = load_file_limits(
        {
            "serverFileSizeLimit": 100,
            "endpoints": {
                "openAI": {
                    "fileLimit": 2,
                    "fileSizeLimit": 5,
                    "supportedMimeTypes": ["^image/.*$"],
                },
                "default": {"fileSizeLimit": 1},
                "anthropic": {"disabled": True},
            },
        }
    )
    assert limits.server_file_size_limit == 100 * MB
    openai = limits.for_endpoint("openAI")
    assert (openai.file_limit, openai.file_size_limit) == (2, 5 * MB)
    assert openai.accepts("image/png") and not openai.accepts("application/pdf")
    assert limits.for_endpoint("custom-x").file_size_limit == 1 * MB
    assert limits.for_endpoint("anthropic").disabled


@pytest.mark.parametrize(
    "section",
    [
        [],
        {"endpoints": {"x": 3}},
        {"avatarSizeLimit": -1},
        {"endpoints": {"x": {"supportedMimeTypes": ["("]}}},
    ],
)
def test_wrong_file_config_is_refused(section: object) -> None:
    with pytest.raises(FileConfigError):
        load_file_limits(section)


@pytest.mark.parametrize("name", ["../x.txt", "a/b.txt", "a\\b.txt", "..", "", "x" * 256])
def test_names_that_are_paths_are_refused(name: str) -> None:
    with pytest.raises(Invalid):
        check_name(name)


def test_safe_names() -> None:
    assert safe_name("my report (v2).pdf") == "my report (v2).pdf"
    assert safe_name(".hidden<>.txt") == "hidden__.txt"


def test_document_text() -> None:
    docs = TextDocuments()
    assert "hello pdf" in (docs.text_of(pdf("hello pdf"), "application/pdf") or "")
    body = (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>first</w:t></w:r></w:p><w:p><w:r><w:t>second</w:t></w:r></w:p>"
        "</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", body)
    assert docs.text_of(out.getvalue(), DOCX) == "first\nsecond"
    assert docs.text_of(b"plain", "text/plain") == "plain"
    assert docs.text_of(png(), "image/png") is None
    with pytest.raises(ValueError):
        docs.text_of(b"%PDF-garbage", "application/pdf")


def test_images_are_decoded_and_converted() -> None:
    images = PillowImages()
    kept = images.convert(png(100, 50))
    assert (kept.type, kept.width, kept.height) == ("image/png", 100, 50)
    small = images.convert(png(1000, 500), max_side=250, fmt="webp")
    assert (small.type, small.width, small.height) == ("image/webp", 250, 125)
    with pytest.raises(ValueError):
        images.convert(b"\x89PNG\r\n\x1a\nbroken")
