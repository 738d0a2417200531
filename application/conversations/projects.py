"""Chat projects: create, rename, delete, and moving the user's conversations into them.

A project and its conversations are separate aggregates, so a move checks the project
first and looks again after committing: a project deleted in between gets the conversation
moved back out (as LibreChat verifies its pointer after writing it). Deleting a project
moves its conversations out through their aggregates, found in the conversation list
(complete as of the command, or the command answers 503 and records nothing more)."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from uuid import UUID

from application.conversations.conversations import Conversations, Done
from application.shared.store import retry_on_conflict
from domain.conversations.conversation import Conversation
from domain.conversations.project import NOT_FOUND, Project, project_key
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class Moved:
    conversation: Conversation
    previous: str | None
    project_id: str | None


class Projects:
    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations
        self.store = conversations.store

    def create(self, user_id: UUID, name: object, description: object = "") -> Done:
        def attempt() -> Done:
            project = Project.create(user_id, secrets.token_hex(12), name, description)
            return Done(project, self.store.commit(project, actor=user_id))

        return retry_on_conflict(attempt)  # a new id each time, should one ever collide

    def get(self, user_id: UUID, project_id: str) -> Project:
        try:
            project = self.store.load(Project, project_key(user_id, project_id))
        except NotFound:
            raise NotFound(NOT_FOUND) from None
        project.check_owner(user_id)
        return project

    def update(
        self, user_id: UUID, project_id: str, name: object = None, description: object = None
    ) -> Done:
        def attempt() -> Done:
            project = self.get(user_id, project_id)
            project.update(name, description)
            return Done(project, self.store.commit(project, actor=user_id))

        return retry_on_conflict(attempt)

    def delete(self, user_id: UUID, project_id: str) -> Done:
        """The value is how many conversations left the project."""
        self.get(user_id, project_id)
        members = self.conversations.index.conversation_ids(user_id, project=project_id.lower())

        def attempt() -> Done:
            project = self.get(user_id, project_id)
            project.delete()
            return Done(0, self.store.commit(project, actor=user_id))

        done = retry_on_conflict(attempt)
        moved = [self._move_out(user_id, cid, project_id.lower()) for cid in members]
        return Done(sum(moved), done.position)

    def assign(self, user_id: UUID, conversation_id: UUID, project_id: str | None) -> Moved:
        """`project_id` None (or empty): out of any project."""
        self.conversations.get(user_id, conversation_id)  # "Conversation not found" first
        target = self.get(user_id, project_id).project_id if project_id else None
        previous: list[str | None] = []

        def move(conversation: Conversation) -> None:
            previous.append(conversation.project_id)
            conversation.move_to_project(target)

        done = self.conversations.change(user_id, conversation_id, move)
        if target is not None and self._gone(user_id, target):
            self.conversations.change(user_id, conversation_id, lambda c: c.move_to_project(None))
            raise NotFound(NOT_FOUND)
        before = previous[-1] if previous else None
        if before is not None and self._gone(user_id, before):
            before = None  # a project deleted since: the conversation was in none
        return Moved(done.value, before, target)

    def place(self, user_id: UUID, conversation_id: UUID, project_id: str) -> None:
        """A new chat started inside a project. As LibreChat's saveConvo, a project that is
        not the user's is dropped silently: the chat starts in no project."""
        with contextlib.suppress(NotFound):
            self.assign(user_id, conversation_id, project_id)

    def _move_out(self, user_id: UUID, conversation_id: UUID, project_id: str) -> bool:
        def out(conversation: Conversation) -> bool:
            if conversation.project_id != project_id:
                return False
            conversation.move_to_project(None)
            return True

        try:
            return bool(self.conversations.change(user_id, conversation_id, out).value)
        except NotFound:
            return False  # deleted meanwhile

    def _gone(self, user_id: UUID, project_id: str) -> bool:
        try:
            self.get(user_id, project_id)
        except NotFound:
            return True
        return False
