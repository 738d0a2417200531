"""A chat project: a named folder of one user's conversations (LibreChat's ChatProject).

The client sees a 24-hex id, as LibreChat's MongoDB ids are; the aggregate's id is derived
from the owner and that id, so another user's project id names no project of the caller's
(LibreChat's 404) without any lookup, and an id can never be shared across users."""

from __future__ import annotations

import re
from uuid import UUID, uuid5

from domain.conversations.events import ProjectCreated, ProjectDeleted, ProjectUpdated
from domain.conversations.rules import check_text
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Invalid, NotFound

_NAMESPACE = UUID("b3a1e6f2-0c4d-4e7a-9f58-6d2c1b7a9e30")
MAX_NAME = 100  # LibreChat's MAX_CHAT_PROJECT_NAME_LENGTH
MAX_DESCRIPTION = 1000  # MAX_CHAT_PROJECT_DESCRIPTION_LENGTH
PROJECT_ID = re.compile(r"^[a-f0-9]{24}$")
NOT_FOUND = "Project not found"


def project_key(user_id: UUID, project_id: str) -> UUID:
    """The aggregate id of `user_id`'s project `project_id`; NotFound for an id of a shape
    LibreChat would never have made."""
    if not is_project_id(project_id):
        raise NotFound(NOT_FOUND)
    return uuid5(_NAMESPACE, f"{user_id}:{project_id.lower()}")


def is_project_id(value: object) -> bool:
    return isinstance(value, str) and PROJECT_ID.match(value.lower()) is not None


class Project(Aggregate):
    user_id: UUID
    project_id: str
    name: str
    description: str
    deleted: bool

    @classmethod
    def create(cls, user_id: UUID, project_id: str, name: object, description: object) -> Project:
        project = cls(project_key(user_id, project_id))
        project._record(
            ProjectCreated,
            user_id=user_id,
            project_id=project_id.lower(),
            name=clean_name(name),
            description=clean_description(description),
        )
        return project

    def check_owner(self, user_id: UUID) -> None:
        if self.deleted or user_id != self.user_id:
            raise NotFound(NOT_FOUND)

    def update(self, name: object = None, description: object = None) -> None:
        """None: not sent, kept. LibreChat trims both and cuts them to their limits."""
        new_name = self.name if name is None else clean_name(name)
        new_description = (
            self.description if description is None else clean_description(description)
        )
        if (new_name, new_description) != (self.name, self.description):
            self._record(
                ProjectUpdated,
                user_id=self.user_id,
                project_id=self.project_id,
                name=new_name,
                description=new_description,
            )

    def delete(self) -> None:
        self._record(ProjectDeleted, user_id=self.user_id, project_id=self.project_id)

    @applies(ProjectCreated)
    def _created(self, event: ProjectCreated) -> None:
        self.user_id, self.project_id = event.user_id, event.project_id
        self.name, self.description = event.name, event.description
        self.deleted = False

    @applies(ProjectUpdated)
    def _updated(self, event: ProjectUpdated) -> None:
        self.name, self.description = event.name, event.description

    @applies(ProjectDeleted)
    def _deleted(self, event: ProjectDeleted) -> None:
        self.deleted = True


def clean_name(value: object) -> str:
    """LibreChat: a name that is not a string, or only blanks, is no name."""
    name = value.strip()[:MAX_NAME] if isinstance(value, str) else ""
    if not name:
        raise Invalid("name is required")
    return check_text("name", name)


def clean_description(value: object) -> str:
    """LibreChat: anything but a string is an empty description."""
    return (
        check_text("description", value.strip()[:MAX_DESCRIPTION]) if isinstance(value, str) else ""
    )
