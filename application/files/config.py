"""LibreChat's `fileConfig` (librechat.yaml) merged over its defaults as `mergeFileConfig`
does (packages/data-provider/src/file-config.ts): sizes in the file are megabytes, MIME
types regular expressions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MB = 1024 * 1024
DEFAULT_SIZE = 512 * MB

TEXT = (
    r"^(text/(x-c|x-csharp|tab-separated-values|x-c\+\+|x-h|x-java|html|markdown|x-php|x-python"
    r"|x-script\.python|x-ruby|x-tex|plain|css|vtt|javascript|csv|xml|calendar))$"
)
EXCEL = (
    r"^application/(vnd\.ms-excel|msexcel|x-msexcel|x-ms-excel|x-excel|x-dos_ms_excel|xls|x-xls"
    r"|vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet)$"
)
APPLICATION = (
    r"^(application/(epub\+zip|csv|json|msword|pdf|x-tar|x-sh|x-zip-compressed|typescript|sql"
    r"|yaml|x-parquet|vnd\.apache\.parquet|vnd\.coffeescript|vnd\.openxmlformats-officedocument\."
    r"(wordprocessingml\.document|presentationml\.(presentation|template)|spreadsheetml\.sheet)"
    r"|vnd\.oasis\.opendocument\.(text|spreadsheet|presentation|graphics)|xml|zip))$"
)
IMAGE = r"^image/(jpeg|gif|png|webp|heic|heif)$"
VIDEO = r"^video/(mp4|avi|mov|wmv|flv|webm|mkv|m4v|3gp|ogv)$"
AUDIO = (
    r"^audio/(mp3|mpeg|mpeg3|wav|wave|x-wav|ogg|vorbis|mp4|m4a|x-m4a|flac|x-flac|webm|aac|wma"
    r"|opus)$"
)
SUPPORTED = (TEXT, EXCEL, APPLICATION, IMAGE, VIDEO, AUDIO, r"^image/(svg|svg\+xml)$",
             r"^message/rfc822$")  # fmt: skip


class FileConfigError(ValueError):
    """`fileConfig` has a wrong value; the message names it."""


@dataclass(frozen=True)
class EndpointFiles:
    file_limit: int = 10
    file_size_limit: int = DEFAULT_SIZE
    total_size_limit: int = DEFAULT_SIZE
    supported: tuple[str, ...] = SUPPORTED
    disabled: bool = False

    def accepts(self, mime: str) -> bool:
        return any(re.match(pattern, mime) for pattern in self.supported)


@dataclass(frozen=True)
class FileLimits:
    """The limits an upload is checked against; `raw` is the section as written, which
    `GET /api/files/config` answers (LibreChat sends `appConfig.fileConfig`; the client
    merges it over the same defaults)."""

    endpoints: dict[str, EndpointFiles] = field(default_factory=dict, hash=False)
    default: EndpointFiles = EndpointFiles()
    server_file_size_limit: int = DEFAULT_SIZE
    avatar_size_limit: int = 2 * MB
    file_token_limit: int = 100_000
    raw: dict[str, Any] = field(default_factory=dict, hash=False)

    def for_endpoint(self, endpoint: str | None) -> EndpointFiles:
        """LibreChat's `getEndpointFileConfig`: the endpoint's own, else agents' for the
        agents endpoint, else `default`."""
        if endpoint and endpoint in self.endpoints:
            return self.endpoints[endpoint]
        return self.endpoints.get("default", self.default)


def load_file_limits(section: Any) -> FileLimits:
    if section is None:
        return FileLimits()
    if not isinstance(section, dict):
        raise FileConfigError("fileConfig: must be a mapping")
    endpoints: dict[str, EndpointFiles] = {}
    for name, value in (section.get("endpoints") or {}).items():
        endpoints[str(name)] = _endpoint(f"fileConfig.endpoints.{name}", value)
    return FileLimits(
        endpoints=endpoints,
        server_file_size_limit=_mb(section, "serverFileSizeLimit", DEFAULT_SIZE, "fileConfig"),
        avatar_size_limit=_mb(section, "avatarSizeLimit", 2 * MB, "fileConfig"),
        file_token_limit=int(_number(section, "fileTokenLimit", 100_000, "fileConfig")),
        raw=dict(section),
    )


def _endpoint(where: str, value: Any) -> EndpointFiles:
    if not isinstance(value, dict):
        raise FileConfigError(f"{where}: must be a mapping")
    if value.get("disabled") is True:
        return EndpointFiles(0, 0, 0, (), True)
    types = value.get("supportedMimeTypes")
    if types is not None:
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise FileConfigError(f"{where}.supportedMimeTypes: must be a list of strings")
        for pattern in types:
            try:
                re.compile(pattern)
            except re.error:
                raise FileConfigError(
                    f"{where}.supportedMimeTypes: bad pattern {pattern!r}"
                ) from None
    return EndpointFiles(
        file_limit=int(_number(value, "fileLimit", 10, where)),
        file_size_limit=_mb(value, "fileSizeLimit", DEFAULT_SIZE, where),
        total_size_limit=_mb(value, "totalSizeLimit", DEFAULT_SIZE, where),
        supported=tuple(types) if types is not None else SUPPORTED,
    )


def _number(section: dict[str, Any], key: str, default: float, where: str) -> float:
    value = section.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FileConfigError(f"{where}.{key}: must be a number ≥ 0")
    return float(value)


def _mb(section: dict[str, Any], key: str, default: int, where: str) -> int:
    value = section.get(key)
    return default if value is None else int(_number(section, key, 0, where) * MB)
