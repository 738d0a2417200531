"""A local HTTP server that speaks the part of Meilisearch's API the adapter uses, for the
official client to talk to when no real server is given (MEILI_URL).

It is strict where the adapter could go wrong: a filter on an attribute that is not
filterable, or in a syntax other than `attr = "v"` / `attr IN [..]` joined by OR, fails like
Meilisearch does (a failed task, or a 400 on search); searches match only the searchable
attributes, every word (`matchingStrategy: all`), the last one as a prefix, diacritics and case
folded; exact words rank first. Tasks finish at once. It does not model typo tolerance or
Meilisearch's full ranking rules: the real server is the reference (tests/integration/
test_search_conformance.py runs against it when MEILI_URL is set)."""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_WORD = re.compile(r"\w+")
_CLAUSE = re.compile(r'\s*(\w+)\s*(?:=\s*("(?:[^"\\]|\\.)*")|IN\s*\[(.*?)\])\s*')


class Index:
    def __init__(self, uid: str, key: str | None) -> None:
        self.uid, self.key = uid, key
        self.docs: dict[str, dict[str, Any]] = {}
        self.filterable: list[str] = []
        self.searchable: list[str] = ["*"]


class FakeMeili:
    def __init__(self) -> None:
        self.indexes: dict[str, Index] = {}
        self.tasks: dict[int, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.down = False  # answer 503 to everything, as a server that is restarting

    def task(self, uid: str | None, kind: str, error: str | None = None) -> dict[str, Any]:
        number = len(self.tasks) + 1
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        self.tasks[number] = {
            "uid": number,
            "indexUid": uid,
            "status": "failed" if error else "succeeded",
            "type": kind,
            "error": {"message": error, "code": "fake"} if error else None,
            "enqueuedAt": now,
        }
        return {
            "taskUid": number,
            "indexUid": uid,
            "status": "enqueued",
            "type": kind,
            "enqueuedAt": now,
        }

    def matches(self, index: Index, expression: str) -> list[str]:
        """Ids of the documents the filter selects; ValueError on what Meilisearch refuses."""
        selected: set[str] = set()
        for clause in expression.split(" OR "):
            found = _CLAUSE.fullmatch(clause)
            if not found:
                raise ValueError(f"invalid filter {clause!r}")
            attribute, one, many = found.groups()
            if attribute not in index.filterable:
                raise ValueError(f"attribute {attribute} is not filterable")
            values = [json.loads(one)] if one else json.loads(f"[{many}]")
            selected |= {k for k, d in index.docs.items() if _value(d, attribute) in values}
        return sorted(selected)

    def search(self, index: Index, body: dict[str, Any]) -> list[dict[str, Any]]:
        words = [_fold(w) for w in _WORD.findall(body.get("q") or "")]
        allowed = set(self.matches(index, body["filter"])) if body.get("filter") else None
        ranked = []
        for order, (key, doc) in enumerate(index.docs.items()):
            if allowed is not None and key not in allowed:
                continue
            tokens = _tokens(doc, index.searchable, index.key)
            exact = all(w in tokens for w in words)
            prefix = words[-1:] and any(t.startswith(words[-1]) for t in tokens)
            if words and (exact or (all(w in tokens for w in words[:-1]) and prefix)):
                ranked.append((0 if exact else 1, -order, doc))
        ranked.sort(key=lambda r: (r[0], r[1]))
        offset, limit = body.get("offset", 0), body.get("limit", 20)
        keep = body.get("attributesToRetrieve")
        return [
            {k: v for k, v in doc.items() if not keep or k in keep}
            for _, _, doc in ranked[offset : offset + limit]
        ]


def _value(doc: dict[str, Any], attribute: str) -> Any:
    return doc.get(attribute)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _tokens(doc: dict[str, Any], searchable: list[str], key: str | None) -> set[str]:
    fields = [k for k in doc if k != key] if searchable == ["*"] else searchable
    words: set[str] = set()
    for field in fields:
        value = doc.get(field)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str):
                words |= {_fold(w) for w in _WORD.findall(v)}
    return words


def _handler(meili: FakeMeili) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"null")

        def _send(self, status: int, body: Any) -> None:
            if meili.down:
                status, body = 503, {"message": "unavailable", "code": "unavailable"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            with meili.lock:
                if self.path == "/health":
                    return self._send(200, {"status": "available"})
                if found := re.fullmatch(r"/tasks/(\d+)", self.path):
                    return self._send(200, meili.tasks[int(found.group(1))])
                self._send(404, {"message": "not found", "code": "not_found"})

        def do_DELETE(self) -> None:
            with meili.lock:
                uid = self.path.rsplit("/", 1)[-1]
                gone = meili.indexes.pop(uid, None)
                self._send(202, meili.task(uid, "indexDeletion", None if gone else "no index"))

        def do_PATCH(self) -> None:
            body = self._body()
            with meili.lock:
                uid = self.path.split("/")[2]
                index = meili.indexes.get(uid)
                if index is None:
                    return self._send(202, meili.task(uid, "settingsUpdate", "no index"))
                index.filterable = body.get("filterableAttributes", index.filterable)
                index.searchable = body.get("searchableAttributes", index.searchable)
                self._send(202, meili.task(uid, "settingsUpdate"))

        def do_POST(self) -> None:
            body = self._body()
            with meili.lock:
                self._post(self.path.split("?")[0], self.path, body)

        def _post(self, path: str, full: str, body: Any) -> None:
            if path == "/indexes":
                exists = body["uid"] in meili.indexes
                if not exists:
                    meili.indexes[body["uid"]] = Index(body["uid"], body.get("primaryKey"))
                error = "index_already_exists" if exists else None
                return self._send(202, meili.task(body["uid"], "indexCreation", error))
            if path == "/swap-indexes":
                for pair in body:
                    a, b = pair["indexes"]
                    meili.indexes[a], meili.indexes[b] = meili.indexes[b], meili.indexes[a]
                    meili.indexes[a].uid, meili.indexes[b].uid = a, b
                return self._send(202, meili.task(None, "indexSwap"))
            parts = path.split("/")
            index = meili.indexes.get(parts[2])
            if parts[3:] == ["search"]:
                if index is None:
                    return self._send(404, {"message": "no index", "code": "index_not_found"})
                try:
                    hits = meili.search(index, body)
                except ValueError as error:
                    return self._send(400, {"message": str(error), "code": "invalid_filter"})
                return self._send(200, {"hits": hits})
            if parts[3:] == ["documents"]:
                if index is None:
                    key = re.search(r"primaryKey=(\w+)", full)
                    index = meili.indexes[parts[2]] = Index(parts[2], key and key.group(1))
                for doc in body:
                    index.docs[str(doc[index.key])] = doc
                return self._send(202, meili.task(parts[2], "documentAdditionOrUpdate"))
            if parts[3:] == ["documents", "delete"]:
                try:
                    for key in meili.matches(index, body["filter"]) if index else []:
                        del index.docs[key]  # type: ignore[union-attr]
                except ValueError as error:
                    return self._send(202, meili.task(parts[2], "documentDeletion", str(error)))
                return self._send(202, meili.task(parts[2], "documentDeletion"))
            self._send(404, {"message": "not served by the fake", "code": "not_found"})

    return Handler


@contextmanager
def fake_meili() -> Iterator[tuple[str, FakeMeili]]:
    meili = FakeMeili()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(meili))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", meili
    finally:
        server.shutdown()
        server.server_close()
