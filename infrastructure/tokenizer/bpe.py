"""Token counts as LibreChat makes them (`ai-tokenizer` with `o200k_base`), through tiktoken.

tiktoken downloads its encodings at first use, which a machine without internet cannot, so
the encoding file ships here, gzipped (1.7 MB; OpenAI's published `o200k_base.tiktoken`,
checked against the SHA-256 tiktoken itself expects). It is read on the first count, not at
import, and once per process."""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from importlib import resources

import tiktoken

ENCODING_FILE = "o200k_base.tiktoken.gz"
# tiktoken_ext.openai_public's hash of the uncompressed file
EXPECTED_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
SPECIAL_TOKENS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
# tiktoken_ext.openai_public.o200k_base's split pattern
PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)


class EncodingCorrupt(RuntimeError):
    """The shipped encoding file is not OpenAI's."""


class O200kCounter:
    """The `TokenCounter` port (application/billing/tokens.py) over o200k_base."""

    def __init__(self) -> None:
        self._encoding: tiktoken.Encoding | None = None
        self._lock = threading.Lock()

    def count(self, text: str) -> int:
        if not text:
            return 0
        # text that spells a special token is counted as ordinary text, never refused
        return len(self.encoding().encode(text, disallowed_special=()))

    def encoding(self) -> tiktoken.Encoding:
        with self._lock:
            if self._encoding is None:
                self._encoding = load_encoding()
            return self._encoding


def load_encoding() -> tiktoken.Encoding:
    raw = gzip.decompress(
        resources.files("infrastructure.tokenizer").joinpath(ENCODING_FILE).read_bytes()
    )
    if hashlib.sha256(raw).hexdigest() != EXPECTED_SHA256:
        raise EncodingCorrupt(f"{ENCODING_FILE} does not match o200k_base")
    ranks = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return tiktoken.Encoding(
        name="o200k_base",
        pat_str=PATTERN,
        mergeable_ranks=ranks,
        special_tokens=SPECIAL_TOKENS,
    )
