"""Turns the stream bus forgot: found from the event store, which is the source of truth.

A generation's job lives on the bus (memory when embedded, Redis when distributed). If its
process dies and the bus loses the job too (an embedded process restarts; Redis restarts
without its data), the bus-based sweep cannot see the turn, and the user message would stay
unanswered for ever. The conversation aggregate shows it: its newest message is the user's,
nothing answers it, it is older than the sweep's grace, and the bus knows no job for it.

Candidates are the conversations the read model saw change inside a window (the bus's own
retention), so a sweep round reads a bounded set; the aggregate decides."""

from __future__ import annotations

from datetime import datetime

from application.chat.ports import Job
from domain.conversations.conversation import Conversation, Message

ORPHAN_WINDOW_S = 3600.0  # as long as a finished job stays on the bus (its status tells)


def orphan_question(
    conversation: Conversation, job: Job | None, cutoff: datetime
) -> Message | None:
    """The user message left without an answer, if the bus knows nothing of its turn."""
    ordered = conversation.ordered_messages()
    if not ordered:
        return None
    last = ordered[-1]
    if not last.is_created_by_user or last.created_at > cutoff:
        return None
    if job is not None and job.user_message.get("messageId") == str(last.message_id):
        return None  # running (the bus sweep's), or finished without an answer (an error)
    return last
