"""A user's bookmark tags: names, descriptions and their order in the sidebar."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid5

from domain.conversations.events import TagCreated, TagDeleted, TagUpdated
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Conflict, Invalid, NotFound

_NAMESPACE = UUID("2d3f6c1e-8b0a-4e55-a0c4-5c1b9e7f3a10")
# The read models keep positions in 32-bit integer columns: a larger one would stop them.
MAX_POSITION = 2**31 - 1


@dataclass(frozen=True)
class TagDefinition:
    tag: str
    description: str
    position: int


def tag_book_id(user_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, str(user_id))


class TagBook(Aggregate):
    user_id: UUID
    tags: dict[str, TagDefinition]

    @classmethod
    def open(cls, user_id: UUID) -> TagBook:
        book = cls(tag_book_id(user_id))
        book.user_id, book.tags = user_id, {}
        return book

    def create(self, tag: str, description: str = "", position: int | None = None) -> None:
        tag = _clean(tag)
        if tag in self.tags:
            raise Conflict("Tag already exists")
        self._record(
            TagCreated,
            user_id=self.user_id,
            tag=tag,
            description=description,
            position=len(self.tags) if position is None else _position(position),
        )

    def ensure(self, tag: str) -> None:
        if _clean(tag) not in self.tags:
            self.create(tag)

    def update(
        self, tag: str, new_tag: str | None, description: str | None, position: int | None
    ) -> TagDefinition:
        current = self.get(tag)
        renamed = _clean(new_tag) if new_tag else current.tag
        if renamed != current.tag and renamed in self.tags:
            raise Conflict("Tag already exists")
        self._record(
            TagUpdated,
            user_id=self.user_id,
            tag=current.tag,
            new_tag=renamed,
            description=current.description if description is None else description,
            position=current.position if position is None else _position(position),
        )
        return self.tags[renamed]

    def delete(self, tag: str) -> TagDefinition:
        current = self.get(tag)
        self._record(TagDeleted, user_id=self.user_id, tag=current.tag)
        return current

    def get(self, tag: str) -> TagDefinition:
        try:
            return self.tags[tag]
        except KeyError:
            raise NotFound("Tag not found") from None

    @applies(TagCreated)
    def _created(self, event: TagCreated) -> None:
        self.user_id = event.user_id
        if not hasattr(self, "tags"):
            self.tags = {}
        self.tags[event.tag] = TagDefinition(event.tag, event.description, event.position)

    @applies(TagUpdated)
    def _updated(self, event: TagUpdated) -> None:
        self.tags.pop(event.tag, None)
        self.tags[event.new_tag] = TagDefinition(event.new_tag, event.description, event.position)

    @applies(TagDeleted)
    def _deleted(self, event: TagDeleted) -> None:
        self.tags.pop(event.tag, None)


def _clean(tag: str) -> str:
    value = tag.strip() if isinstance(tag, str) else ""
    if not 1 <= len(value) <= 100:
        raise Invalid("a tag must have 1 to 100 characters")
    return value


def _position(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_POSITION:
        raise Invalid(f"position must be an integer from 0 to {MAX_POSITION}")
    return value
