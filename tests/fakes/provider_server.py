"""A local HTTP server that speaks OpenAI's and Anthropic's streaming wire formats.

The real SDKs are pointed at it. What it does is steered by markers in the last user message:
`[[error:429]]` answers that HTTP status, `[[slow:0.05]]` waits between chunks,
`[[disconnect]]` drops the connection mid-stream, `[[think]]` streams reasoning first,
`[[cache]]` reports cache tokens, `[[nul]]` ends the answer with a NUL character,
`[[plain_error:404]]` answers that status with the bare `{"error": "<text>"}` body some
OpenAI-compatible servers send, `[[key]]` ends the answer with the API key it was called
with (`key=<bearer token>`), `[[params]]` with the request's parameter names
(`params=a,b,…`). `GET /v1/models` lists `fake-a` and `fake-b`. A message whose content
is a list of parts (vision) is answered from its text parts, and every request's body is
kept in `RECEIVED` for tests to inspect.
The answer is "Hello from <provider>: <prompt>".

Tool calls: when the request offers tools and the last user prompt says `[[tool:NAME]]`,
the model calls NAME with `{"input": "<prompt without markers>"}` (once; every round with
`[[loop]]`); once the last message is a tool result, it answers
"Tool said: <result>" (`error:` before it when the result was an error)."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from litestar import Litestar, Request, get, post
from litestar.response import Response, Stream

MARKER = re.compile(r"\[\[(\w+)(?::([\w.]+))?\]\]")
# Every request body the fake providers received, in order: what a test checks the model saw.
RECEIVED: list[dict[str, Any]] = []


def _prompt(content: Any) -> str:
    """The text of a message: a string, or the text parts of a list of parts."""
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if p.get("type") == "text")
    return str(content)


def _behaviour(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) or "" for m in MARKER.finditer(text)}


def _words(provider: str, prompt: str, key: str = "") -> list[str]:
    clean = MARKER.sub("", prompt).strip()
    words = f"Hello from {provider}: {clean}".split(" ")
    if "key" in _behaviour(prompt):
        words.append(f"key={key}")
    if "nul" in _behaviour(prompt):
        words.append("\x00")
    return [w if i == 0 else f" {w}" for i, w in enumerate(words)]


def _sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    body = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {body}\n\n".encode()


async def _pace(behaviour: dict[str, str]) -> None:
    await asyncio.sleep(float(behaviour.get("slow") or 0))


def _error(status: int, provider: str) -> Response[Any]:
    if provider == "openai":
        body = {
            "error": {
                "message": f"fake error {status}",
                "type": "rate_limit_error",
                "code": str(status),
            }
        }
    else:
        body = {
            "type": "error",
            "error": {"type": "rate_limit_error", "message": f"fake error {status}"},
        }
    return Response(body, status_code=status, headers={"retry-after": "0"})


def _failure(behaviour: dict[str, str], provider: str) -> Response[Any] | None:
    if "plain_error" in behaviour:
        status = int(behaviour["plain_error"])
        return Response({"error": f"fake error {status}"}, status_code=status)
    return _error(int(behaviour["error"]), provider) if "error" in behaviour else None


def _tool_of(prompt: str, tools: list[str], after_result: bool) -> str | None:
    """The tool the fake model calls now, if any."""
    behaviour = _behaviour(prompt)
    name = behaviour.get("tool")
    if not name or name not in tools or (after_result and "loop" not in behaviour):
        return None
    return name


def _openai_prompt(messages: list[dict[str, Any]]) -> str:
    users = [m for m in messages if m["role"] == "user"]
    return str(users[-1]["content"]) if users else ""


@post("/v1/chat/completions")
async def openai_chat(request: Request[Any, Any, Any]) -> Any:
    payload = await request.json()
    RECEIVED.append(payload)
    if payload.get("tools"):
        return _openai_tools(payload)
    prompt = _prompt(payload["messages"][-1]["content"])
    behaviour = _behaviour(prompt)
    if (failure := _failure(behaviour, "openai")) is not None:
        return failure
    key = request.headers.get("authorization", "").removeprefix("Bearer ")
    return Stream(_openai_stream(payload, prompt, behaviour, key), media_type="text/event-stream")


@get("/v1/models")
async def openai_models() -> dict[str, Any]:
    ids = ("fake-a", "fake-b")
    return {
        "object": "list",
        "data": [{"id": i, "object": "model", "owned_by": "fake"} for i in ids],
    }


async def _openai_stream(
    payload: dict[str, Any], prompt: str, behaviour: dict[str, str], key: str = ""
) -> AsyncIterator[bytes]:
    words = _words("openai", prompt, key)
    if "params" in behaviour:
        words.append(f" params={','.join(sorted(payload))}")
    base = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": payload["model"],
    }
    if "think" in behaviour:
        for part in ("Let me ", "think."):
            yield _sse(
                {
                    **base,
                    "choices": [
                        {"index": 0, "delta": {"reasoning_content": part}, "finish_reason": None}
                    ],
                }
            )
    for index, word in enumerate(words):
        if "disconnect" in behaviour and index == 2:
            raise ConnectionResetError("fake provider dropped the connection")
        await _pace(behaviour)
        yield _sse(
            {**base, "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]}
        )
    yield _sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    prompt_tokens = sum(len(str(m["content"]).split()) for m in payload["messages"])
    cached = 3 if "cache" in behaviour else 0
    yield _sse(
        {
            **base,
            "choices": [],
            "usage": {
                "prompt_tokens": prompt_tokens + cached,
                "completion_tokens": len(words),
                "total_tokens": prompt_tokens + cached + len(words),
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }
    )
    yield _sse("[DONE]")


def _openai_tools(payload: dict[str, Any]) -> Any:
    messages = payload["messages"]
    prompt = _openai_prompt(messages)
    after = messages[-1]["role"] == "tool"
    names = [t["function"]["name"] for t in payload["tools"]]
    tool = _tool_of(prompt, names, after)
    base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0}
    base["model"] = payload["model"]
    usage = {"prompt_tokens": 10 * len(messages), "completion_tokens": 5, "total_tokens": 0}
    chunks: list[dict[str, Any]] = []
    if tool is not None:
        call_id = f"call_{len(messages)}"
        args = json.dumps({"input": MARKER.sub("", prompt).strip()})
        head = {"index": 0, "id": call_id, "type": "function"}
        head["function"] = {"name": tool, "arguments": ""}
        chunks.append({"tool_calls": [head]})
        for piece in (args[: len(args) // 2], args[len(args) // 2 :]):
            chunks.append({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        finish = "tool_calls"
    else:
        result = str(messages[-1]["content"]) if after else "no tool"
        chunks = [{"content": "Tool said: "}, {"content": result}]
        finish = "stop"

    async def stream() -> AsyncIterator[bytes]:
        for delta in chunks:
            choice = {"index": 0, "delta": delta, "finish_reason": None}
            yield _sse({**base, "choices": [choice]})
        yield _sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        yield _sse({**base, "choices": [], "usage": usage})
        yield _sse("[DONE]")

    return Stream(stream(), media_type="text/event-stream")


def _anthropic_tools(payload: dict[str, Any]) -> Any:
    messages = payload["messages"]
    prompts = [
        m["content"] for m in messages if m["role"] == "user" and isinstance(m["content"], str)
    ]
    prompt = prompts[-1] if prompts else ""
    last = messages[-1]["content"]
    results = [b for b in last if b.get("type") == "tool_result"] if isinstance(last, list) else []
    names = [t["name"] for t in payload["tools"]]
    tool = _tool_of(prompt, names, bool(results))
    events: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": payload["model"],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 10 * len(messages), "output_tokens": 1},
            },
        }
    ]
    if tool is not None:
        args = json.dumps({"input": MARKER.sub("", prompt).strip()})
        block = {"type": "tool_use", "id": f"toolu_{len(messages)}", "name": tool, "input": {}}
        events.append({"type": "content_block_start", "index": 0, "content_block": block})
        for piece in (args[: len(args) // 2], args[len(args) // 2 :]):
            delta = {"type": "input_json_delta", "partial_json": piece}
            events.append({"type": "content_block_delta", "index": 0, "delta": delta})
        stop = "tool_use"
    else:
        result = results[-1] if results else {}
        said = ("error: " if result.get("is_error") else "") + str(result.get("content", ""))
        start = {"type": "text", "text": ""}
        events.append({"type": "content_block_start", "index": 0, "content_block": start})
        for text in ("Tool said: ", said):
            delta = {"type": "text_delta", "text": text}
            events.append({"type": "content_block_delta", "index": 0, "delta": delta})
        stop = "end_turn"
    events.append({"type": "content_block_stop", "index": 0})
    events.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": None},
            "usage": {"output_tokens": 5},
        }
    )
    events.append({"type": "message_stop"})

    async def stream() -> AsyncIterator[bytes]:
        for event in events:
            yield _sse(event, event["type"])

    return Stream(stream(), media_type="text/event-stream")


@post("/v1/messages")
async def anthropic_messages(request: Request[Any, Any, Any]) -> Any:
    payload = await request.json()
    RECEIVED.append(payload)
    if payload.get("tools"):
        return _anthropic_tools(payload)
    content = payload["messages"][-1]["content"]
    prompt = _prompt(content) if isinstance(content, list) else content
    behaviour = _behaviour(prompt if isinstance(prompt, str) else json.dumps(prompt))
    if (failure := _failure(behaviour, "anthropic")) is not None:
        return failure
    return Stream(
        _anthropic_stream(payload, str(prompt), behaviour), media_type="text/event-stream"
    )


async def _anthropic_stream(
    payload: dict[str, Any], prompt: str, behaviour: dict[str, str]
) -> AsyncIterator[bytes]:
    words = _words("anthropic", prompt)
    cache = (
        {"cache_read_input_tokens": 5, "cache_creation_input_tokens": 7}
        if "cache" in behaviour
        else {"cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
    )
    input_tokens = sum(len(str(m["content"]).split()) for m in payload["messages"])
    yield _sse(
        {
            "type": "message_start",
            "message": {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "model": payload["model"],
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "output_tokens": 1, **cache},
            },
        },
        "message_start",
    )
    index = 0
    if "think" in behaviour:
        yield _sse(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "thinking", "thinking": "", "signature": ""},
            },
            "content_block_start",
        )
        yield _sse(
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "thinking_delta", "thinking": "Let me think."},
            },
            "content_block_delta",
        )
        yield _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
        index = 1
    yield _sse(
        {
            "type": "content_block_start",
            "index": index,
            "content_block": {"type": "text", "text": ""},
        },
        "content_block_start",
    )
    for position, word in enumerate(words):
        if "disconnect" in behaviour and position == 2:
            raise ConnectionResetError("fake provider dropped the connection")
        await _pace(behaviour)
        yield _sse(
            {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": "text_delta", "text": word},
            },
            "content_block_delta",
        )
    yield _sse({"type": "content_block_stop", "index": index}, "content_block_stop")
    yield _sse(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": len(words)},
        },
        "message_delta",
    )
    yield _sse({"type": "message_stop"}, "message_stop")


def create_provider_app() -> Litestar:
    return Litestar([openai_chat, openai_models, anthropic_messages], debug=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_provider_server() -> Iterator[str]:
    """Serve the fake providers on a free loopback port; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_provider_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
