"""Images with Pillow: decoded (which proves they are images), shrunk, re-encoded."""

from __future__ import annotations

import io
import warnings

from PIL import Image as Pil
from PIL import UnidentifiedImageError

from application.files.ports import Image

FORMATS = {"webp": "WEBP", "png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "gif": "GIF"}
MIME = {"WEBP": "image/webp", "PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif"}
MAX_PIXELS = 50_000_000  # beyond this a "picture" is a decompression bomb


class PillowImages:
    def convert(self, data: bytes, *, max_side: int | None = None, fmt: str | None = None) -> Image:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Pil.DecompressionBombWarning)
                opened = Pil.open(io.BytesIO(data))
                if opened.width * opened.height > MAX_PIXELS:
                    raise ValueError("image too large")
                opened.load()
        except (UnidentifiedImageError, OSError, Pil.DecompressionBombWarning,
                Pil.DecompressionBombError, SyntaxError) as error:  # fmt: skip
            raise ValueError(f"not an image: {error}") from None
        picture: Pil.Image = opened
        source_format = opened.format
        target = FORMATS.get((fmt or "").lower()) or (source_format or "PNG")
        if target not in MIME:
            target = "PNG"
        if max_side and max(picture.size) > max_side:
            picture.thumbnail((max_side, max_side))
        elif fmt is None and source_format in MIME:
            return Image(data, MIME[source_format], picture.width, picture.height)
        if target == "JPEG" and picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        out = io.BytesIO()
        picture.save(out, format=target)
        return Image(out.getvalue(), MIME[target], picture.width, picture.height)
