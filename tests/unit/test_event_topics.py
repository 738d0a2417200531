"""A stored event's topic names exactly one class, whatever the classes are called."""

from __future__ import annotations

import pytest

from domain.identity.events import UserRegistered
from domain.shared.events import DomainEvent, resolve_topic


def test_topic_claim_fails_for_same_named_class_in_another_module() -> None:
    with pytest.raises(ValueError, match=r"identity\.UserRegistered.*already taken"):
        type(
            "UserRegistered",
            (DomainEvent,),
            {"__module__": "somewhere.else", "TOPIC": "identity.UserRegistered"},
        )
    assert resolve_topic("identity.UserRegistered") is UserRegistered
