"""Artifacts inside a message (`:::artifact … :::` blocks) and the edit of one of them, as
LibreChat finds and rewrites them (packages/api/src/artifacts/update.ts, utils/latex.ts), so
the client's artifact editor changes the same characters here as there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ARTIFACT_START = ":::artifact"
ARTIFACT_END = ":::"


@dataclass(frozen=True)
class Artifact:
    start: int
    end: int
    source: str  # "content" (a text part) or "text" (the message text)
    text: str
    part_index: int | None = None


@dataclass(frozen=True)
class _Fence:
    marker: str
    length: int


def find_all(text: str, content: list[dict[str, Any]] | None) -> list[Artifact]:
    """The artifacts of the text parts; only when they have none, those of the text."""
    found: list[Artifact] = []
    for index, part in enumerate(content or []):
        if part.get("type") == "text" and isinstance(part.get("text"), str):
            found += _in(part["text"], "content", index)
    if not found and text:
        found = _in(text, "text", None)
    return found


def replace(artifact: Artifact, original: str, updated: str) -> str | None:
    """The artifact's text with `original` replaced inside its body, or None when the body does
    not hold it."""
    body = artifact.text[artifact.start : artifact.end]
    found = _search_range(body)
    if found is None:
        return None
    search_start, search_end = found
    inner = body[search_start:search_end]
    trimmed = original[:-1] if original.endswith("\n") else original
    relative = -1 if trimmed == "" and inner.strip() else inner.find(trimmed)
    if relative == -1:
        return None
    at = artifact.start + search_start + relative
    return _normalise(_replace_range(artifact.text, at, at + len(trimmed), updated))


def unescape_latex(text: str) -> str:
    """Undo the client's LaTeX escaping of dollar signs (`\\$14` shown, `$14` stored)."""
    result = re.sub(r"\\\\?\$", "$", text)
    result = re.sub(r"\$\$\\\\ce\{([^}]*)\}\$\$", r"$\\ce{\1}$", result)
    return re.sub(r"\$\$\\\\pu\{([^}]*)\}\$\$", r"$\\pu{\1}$", result)


def _in(text: str, source: str, part_index: int | None) -> list[Artifact]:
    found, start = [], text.find(ARTIFACT_START)
    while start != -1:
        close = _close(text, start)
        end = close[1] if close else len(text)
        found.append(Artifact(start, end, source, text, part_index))
        start = text.find(ARTIFACT_START, end)
    return found


def _line_end(text: str, start: int) -> int:
    index = text.find("\n", start)
    return len(text) if index == -1 else index


def _next_line(text: str, line_end: int) -> int:
    return len(text) if line_end >= len(text) else line_end + 1


def _close_range(text: str, line_start: int, line_end: int) -> tuple[int, int] | None:
    line = text[line_start:line_end]
    stripped = len(line) - len(line.lstrip())
    if not line.strip():
        return None
    at = line_start + stripped
    rest = text[at:]
    if not rest.startswith(ARTIFACT_END) or rest.startswith(ARTIFACT_START):
        return None
    return at, at + len(ARTIFACT_END)


def _fence(line: str) -> _Fence | None:
    match = re.match(r"^(`{3,}|~{3,})", line.lstrip())
    return _Fence(match.group(1)[0], len(match.group(1))) if match else None


def _closes(line: str, fence: _Fence) -> bool:
    return re.fullmatch(rf"\{fence.marker}{{{fence.length},}}\s*", line.strip()) is not None


def _close(text: str, start: int) -> tuple[int, int] | None:
    index = _next_line(text, _line_end(text, start))
    fence: _Fence | None = None
    fallback: tuple[int, int] | None = None
    while index < len(text):
        end = _line_end(text, index)
        line = text[index:end]
        closing = _close_range(text, index, end)
        if closing:
            if not fence:
                return closing
            fallback = fallback or closing
        opened = _fence(line)
        if opened and not fence:
            fence = opened
        elif fence and _closes(line, fence):
            fence, fallback = None, None
        index = _next_line(text, end)
    return fallback if fence else None


def _opening_fence(text: str, start: int, end: int) -> tuple[_Fence, int] | None:
    match = re.search(r"\S", text[start:end])
    if not match:
        return None
    at = start + match.start()
    line_end = _line_end(text, at)
    line = text[at:line_end]
    fence = _fence(line)
    if not fence or not line.lstrip().startswith(fence.marker * fence.length):
        return None
    return fence, _next_line(text, line_end)


def _closing_fence_start(text: str, start: int, end: int, fence: _Fence) -> int:
    index = start
    while index < end:
        line_end = _line_end(text, index)
        if _closes(text[index:line_end], fence):
            return index
        index = _next_line(text, line_end)
    return -1


def _search_range(body: str) -> tuple[int, int] | None:
    opening_end = _line_end(body, body.find(ARTIFACT_START))
    if opening_end >= len(body):
        return None
    content_start = _next_line(body, opening_end)
    close = _close(body, 0)
    content_end = close[0] if close else len(body)
    opening = _opening_fence(body, content_start, content_end)
    if not opening:
        return content_start, content_end
    fence, fenced_start = opening
    closing = _closing_fence_start(body, fenced_start, content_end, fence)
    if closing == -1:
        return fenced_start, content_end
    if body[_line_end(body, closing) : content_end].strip():
        return content_start, content_end
    return fenced_start, closing - 1 if body[closing - 1] == "\n" else closing


def _replace_range(text: str, start: int, end: int, updated: str) -> str:
    tail = text[end:]
    separator = "" if tail.startswith("\n") or updated.endswith("\n") else "\n"
    return text[:start] + updated + separator + tail


def _normalise(text: str) -> str:
    return re.sub(r"\n+(?=(?:`{3,}|~{3,})\s*\n\s*:::)", "\n", text)
