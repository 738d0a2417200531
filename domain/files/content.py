"""What a file's bytes are, told by their first bytes (magic numbers), not by their name:
an upload whose declared type its content contradicts is refused."""

from __future__ import annotations

import re
from collections.abc import Callable

# (types that must carry the signature, a test of the first bytes)
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _png(b: bytes) -> bool:
    return b.startswith(b"\x89PNG\r\n\x1a\n")


def _jpeg(b: bytes) -> bool:
    return b.startswith(b"\xff\xd8\xff")


def _gif(b: bytes) -> bool:
    return b[:6] in (b"GIF87a", b"GIF89a")


def _webp(b: bytes) -> bool:
    return b[:4] == b"RIFF" and b[8:12] == b"WEBP"


def _heic(b: bytes) -> bool:
    return b[4:8] == b"ftyp" and b[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heif")


def _pdf(b: bytes) -> bool:
    return b.startswith(b"%PDF-")


def _zip(b: bytes) -> bool:
    return b.startswith(_ZIP)


def _ole(b: bytes) -> bool:
    return b.startswith(_OLE)


def _wav(b: bytes) -> bool:
    return b[:4] == b"RIFF" and b[8:12] == b"WAVE"


def _mp3(b: bytes) -> bool:
    return b.startswith(b"ID3") or (len(b) > 1 and b[0] == 0xFF and b[1] & 0xE0 == 0xE0)


def _ogg(b: bytes) -> bool:
    return b.startswith(b"OggS")


def _flac(b: bytes) -> bool:
    return b.startswith(b"fLaC")


def _mp4(b: bytes) -> bool:
    return b[4:8] == b"ftyp"


def _ebml(b: bytes) -> bool:
    return b.startswith(b"\x1a\x45\xdf\xa3")


SIGNATURES: list[tuple[re.Pattern[str], Callable[[bytes], bool]]] = [
    (re.compile(r"^image/png$"), _png),
    (re.compile(r"^image/jpe?g$"), _jpeg),
    (re.compile(r"^image/gif$"), _gif),
    (re.compile(r"^image/webp$"), _webp),
    (re.compile(r"^image/hei[cf]$"), _heic),
    (re.compile(r"^application/pdf$"), _pdf),
    (
        re.compile(
            r"^application/(zip|x-zip-compressed|epub\+zip|vnd\.openxmlformats-officedocument\..*"
            r"|vnd\.oasis\.opendocument\..*)$"
        ),
        _zip,
    ),
    (
        re.compile(
            r"^application/(msword|vnd\.ms-excel|msexcel|x-msexcel|x-ms-excel|x-excel|xls|x-xls)$"
        ),
        _ole,
    ),
    (re.compile(r"^audio/(wav|wave|x-wav)$"), _wav),
    (re.compile(r"^audio/(mp3|mpeg|mpeg3)$"), _mp3),
    (re.compile(r"^audio/(ogg|vorbis|opus)$"), _ogg),
    (re.compile(r"^audio/(flac|x-flac)$"), _flac),
    (re.compile(r"^(audio/(mp4|m4a|x-m4a|aac)|video/(mp4|m4v|3gp|mov))$"), _mp4),
    (re.compile(r"^(audio|video)/webm$|^video/mkv$"), _ebml),
]

_TEXTUAL = re.compile(
    r"^(text/.+|application/(json|xml|yaml|x-yaml|csv|x-sh|typescript|sql|javascript"
    r"|vnd\.coffeescript)|image/svg(\+xml)?|message/rfc822)$"
)


def is_textual(mime: str) -> bool:
    return bool(_TEXTUAL.match(mime))


def is_image(mime: str) -> bool:
    return bool(re.match(r"^image/(jpeg|jpg|png|gif|webp|heic|heif)$", mime))


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def matches(mime: str, data: bytes) -> bool:
    """True when the bytes can be what `mime` says: a type with a signature must carry it,
    a text type must be UTF-8 without NUL bytes, and any other type must not carry the
    signature of a known different type."""
    head = data[:64]
    for pattern, test in SIGNATURES:
        if pattern.match(mime):
            return test(head)
    if is_textual(mime):
        return _is_text(data)
    return not any(test(head) for _, test in SIGNATURES)


# what a name implies when the client sent no type (LibreChat's codeTypeMapping and more)
_BY_EXTENSION = {
    "c": "text/x-c", "cs": "text/x-csharp", "cpp": "text/x-c++", "h": "text/x-h",
    "md": "text/markdown", "php": "text/x-php", "py": "text/x-python", "rb": "text/x-ruby",
    "tex": "text/x-tex", "java": "text/x-java", "js": "text/javascript", "sh": "application/x-sh",
    "ts": "application/typescript", "tar": "application/x-tar", "zip": "application/zip",
    "txt": "text/plain", "log": "text/plain", "csv": "text/csv", "json": "application/json",
    "xml": "application/xml", "html": "text/html", "htm": "text/html", "css": "text/css",
    "yml": "application/yaml", "yaml": "application/yaml", "sql": "application/sql",
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
    "gif": "image/gif", "webp": "image/webp", "mp3": "audio/mpeg", "wav": "audio/wav",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}  # fmt: skip


def infer_type(filename: str, declared: str | None) -> str:
    """The declared type, or (none, or `application/octet-stream`) the name's."""
    declared = (declared or "").split(";", 1)[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return _BY_EXTENSION.get(extension, declared or "application/octet-stream")
