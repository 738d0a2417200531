"""LibreChat's generation frames, byte for byte: what its client parses, and what a stream
already on the bus (written by another process or an older release) is read back as."""

from __future__ import annotations

from typing import Any

import msgspec

from api.chat.frames import LibreChatFrames, status_json
from application.chat.progress import (
    Created,
    Delta,
    Failed,
    Final,
    Progress,
    ResumeState,
    RunStep,
    Status,
    Synced,
    Titled,
)

FRAMES = LibreChatFrames()
QUESTION = {"messageId": "q", "parentMessageId": "p", "conversationId": "c", "text": "hi", "x": 1}
STATE = ResumeState([{"type": "text", "text": "Echo:"}], QUESTION, "r", "c")


def _wire(value: Progress | Synced) -> str:
    """The SSE frame as the stream endpoint writes it: event name, then the JSON data."""
    frame = FRAMES.encode(value)
    return f"{frame['event']} {msgspec.json.encode(frame['data']).decode()}"


def test_each_frame_has_the_shape_librechat_s_client_parses() -> None:
    assert _wire(Created({"messageId": "q"}, "s")) == (
        'message {"created":true,"message":{"messageId":"q"},"streamId":"s"}'
    )
    assert _wire(RunStep("step_1", "r")) == (
        'message {"event":"on_run_step","data":{"id":"step_1","runId":"r","index":0,'
        '"type":"message_creation","stepDetails":{"type":"message_creation",'
        '"message_creation":{"message_id":"r"}},"usage":null}}'
    )
    assert _wire(Delta("step_1", "text", "Echo:")) == (
        'message {"event":"on_message_delta","data":{"id":"step_1",'
        '"delta":{"content":[{"type":"text","text":"Echo:"}]}}}'
    )
    assert _wire(Delta("step_1", "think", "Let me")) == (
        'message {"event":"on_reasoning_delta","data":{"id":"step_1",'
        '"delta":{"content":[{"type":"think","think":"Let me"}]}}}'
    )
    assert _wire(Titled("c", "A title")) == (
        'message {"event":"title","data":{"conversationId":"c","title":"A title"}}'
    )
    assert _wire(Failed("429: slow down")) == (
        'error {"error":"429: slow down","generationProtocolVersion":2}'
    )


def test_final_frames_say_aborted_only_when_the_turn_was_stopped() -> None:
    done = Final({"conversationId": "c"}, "T", {"messageId": "q"}, {"messageId": "r"})
    assert _wire(done) == (
        'message {"final":true,"conversation":{"conversationId":"c"},"title":"T",'
        '"requestMessage":{"messageId":"q"},"responseMessage":{"messageId":"r"},'
        '"generationProtocolVersion":2}'
    )
    stopped = Final(done.conversation, "T", done.request_message, done.response_message, True, True)
    assert _wire(stopped) == (
        'message {"final":true,"conversation":{"conversationId":"c"},"title":"T",'
        '"requestMessage":{"messageId":"q"},"responseMessage":{"messageId":"r"},'
        '"aborted":true,"earlyAbort":true,"generationProtocolVersion":2}'
    )


def test_sync_and_status_carry_the_resume_state_with_the_user_message_s_four_keys() -> None:
    state = (
        '{"runSteps":[],"aggregatedContent":[{"type":"text","text":"Echo:"}],'
        '"userMessage":{"messageId":"q","parentMessageId":"p","conversationId":"c","text":"hi"},'
        '"responseMessageId":"r","conversationId":"c"}'
    )
    assert _wire(Synced(STATE)) == (
        f'message {{"sync":true,"resumeState":{state},"pendingEvents":[]}}'
    )
    running = Status("c", "running", STATE.content, 1700, STATE)
    assert msgspec.json.encode(status_json(running)).decode() == (
        '{"active":true,"generationProtocolVersion":2,"streamId":"c","status":"running",'
        f'"aggregatedContent":[{{"type":"text","text":"Echo:"}}],"createdAt":1700,'
        f'"resumeState":{state}}}'
    )
    assert status_json(None) == {"active": False, "generationProtocolVersion": 2}


def test_frames_on_the_bus_read_back_as_their_deltas_and_ends() -> None:
    # A stream another process wrote: read from the JSON it stored, not from these objects
    stored: list[dict[str, Any]] = [
        msgspec.json.decode(msgspec.json.encode(FRAMES.encode(value)))
        for value in (
            Created({"messageId": "q"}, "s"),
            Delta("step_1", "think", "Hm."),
            Delta("step_1", "text", "Echo:"),
            Final({}, "T", {}, {}),
            Failed("boom"),
        )
    ]
    assert [FRAMES.deltas(frame) for frame in stored[:3]] == [
        [],
        [Delta("step_1", "think", "Hm.")],
        [Delta("step_1", "text", "Echo:")],
    ]
    assert [FRAMES.terminal(frame) for frame in stored] == [False, False, False, True, True]
