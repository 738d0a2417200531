"""The text of documents: PDF (pypdf), DOCX (its XML, read with the standard library) and
anything textual (UTF-8)."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

from domain.files import content

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_XML = 20 * 1024 * 1024  # an inflated document.xml beyond this is not read (zip bombs)


class TextDocuments:
    def text_of(self, data: bytes, mime: str) -> str | None:
        if mime == "application/pdf":
            return _pdf(data)
        if mime == DOCX:
            return _docx(data)
        if content.is_textual(mime) and not mime.startswith("image/"):
            return data.decode("utf-8", errors="replace").replace("\x00", "")
        return None


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise ValueError(f"unreadable PDF: {error}") from None
    return _clean("\n".join(pages))


def _docx(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_XML:
                raise ValueError("document too large")
            root = ElementTree.fromstring(archive.read(info))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as error:
        raise ValueError(f"unreadable DOCX: {error}") from None
    paragraphs = []
    for paragraph in root.iter(f"{_W}p"):
        paragraphs.append("".join(t.text or "" for t in paragraph.iter(f"{_W}t")))
    return _clean("\n".join(paragraphs))


def _clean(text: str) -> str:
    return re.sub(r"\x00", "", text).strip()
