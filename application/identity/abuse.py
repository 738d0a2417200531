"""LibreChat's abuse limits: fixed-window limiters, violation scores and bans.

A request over a limit is refused with LibreChat's 429 body and, when the caller is known,
adds the limiter's score to the user's violation count (as LibreChat's logViolation: anonymous
requests, e.g. logins, are limited but never scored). Each time the count crosses a multiple
of BAN_INTERVAL the user, and the IP they came from, are banned for BAN_DURATION."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from application.limit_settings import LimitSettings

log = logging.getLogger(__name__)

BANNED = "Your account has been temporarily banned due to violations of our service."


class AbuseStore(Protocol):
    """Counters that every process of a deployment shares."""

    def hit(self, key: str, window_ms: int) -> int:
        """Count one request in the key's current window; the count so far."""
        ...

    def add_score(self, key: str, score: int) -> tuple[int, int]:
        """Add to a violation count; the count before and after."""
        ...

    def ban(self, keys: list[str], expires_at_ms: int) -> None: ...
    def banned_until(self, keys: list[str]) -> int | None: ...
    def lift(self, keys: list[str]) -> None: ...


@dataclass(frozen=True)
class Limiter:
    name: str  # LibreChat's store name, e.g. "login_limiter"
    by: Literal["ip", "user"]
    max: int
    window_minutes: float
    violation: str  # LibreChat's ViolationTypes value
    score: int
    message: str = ""  # empty: the message is the violation's details, as JSON

    def body(self) -> dict[str, object]:
        if self.message:
            return {"message": self.message}
        details = {
            "type": self.violation,
            "max": self.max,
            "limiter": self.by,
            "windowInMinutes": _js_number(self.window_minutes),
        }
        # as JSON.stringify writes it: LibreChat's client parses this text for its type
        return {"message": json.dumps(details, separators=(",", ":"))}


@dataclass(frozen=True)
class Refusal:
    status: int
    body: dict[str, object]


@dataclass(frozen=True)
class Ban:
    user_id: str
    ip: str
    violation: str
    violation_count: int
    expires_at_ms: int


BanListener = Callable[[Ban], None]


class AbusePolicy:
    def __init__(self, store: AbuseStore, settings: LimitSettings) -> None:
        self.store = store
        self.settings = settings
        self.limiters = limiters_of(settings)
        # Who records a ban as an event, and who revokes the user's sessions (wired at start).
        self.ban_listeners: list[BanListener] = []

    def check(self, name: str, ip: str, user_id: str | None = None) -> Refusal | None:
        """Count this request against a limiter; a 429 if it is over the limit."""
        limiter = self.limiters[name]
        key = ip if limiter.by == "ip" else user_id
        if key is None or limiter.max <= 0:
            return None
        window_ms = max(int(limiter.window_minutes * 60_000), 1)
        if self.store.hit(f"{limiter.name}:{key}", window_ms) <= limiter.max:
            return None
        if user_id:
            self.violation(limiter.violation, limiter.score, user_id, ip)
        return Refusal(429, limiter.body())

    def violation(self, violation: str, score: int, user_id: str, ip: str) -> Ban | None:
        before, after = self.store.add_score(f"{violation}:{user_id}", score)
        interval = self.settings.ban_interval
        if not self.settings.ban_violations or before // interval >= after // interval:
            return None
        if self.settings.ban_duration_ms <= 0:
            return None
        ban = Ban(user_id, ip, violation, after, _now_ms() + self.settings.ban_duration_ms)
        self.store.ban(_ban_keys(user_id, ip), ban.expires_at_ms)
        log.info("banned user %s for %s min (%s)", user_id, ban_minutes(self.settings), violation)
        for listener in self.ban_listeners:
            listener(ban)
        return ban

    def concurrent(self, user_id: str, ip: str, running: int) -> Refusal | None:
        """LIMIT_CONCURRENT_MESSAGES: a 429 when the user already has CONCURRENT_MESSAGE_MAX
        generations running (LibreChat's body: the violation's details)."""
        limit = max(self.settings.concurrent_message_max, 1)
        if not self.settings.limit_concurrent_messages or running < limit:
            return None
        score = self.settings.concurrent_violation_score
        self.violation("concurrent", score, user_id, ip)
        body = {"type": "concurrent", "limit": limit, "pendingRequests": running + 1}
        return Refusal(429, {**body, "score": score})

    def banned(self, ip: str, user_id: str | None = None) -> Refusal | None:
        """LibreChat's checkBan: 403 while the IP or the user is banned."""
        if not self.settings.ban_violations:
            return None
        if self.store.banned_until(_ban_keys(user_id, ip)) is None:
            return None
        return Refusal(403, {"message": BANNED})

    def lift(self, user_id: str, ip: str = "") -> None:
        self.store.lift(_ban_keys(user_id, ip))


def _ban_keys(user_id: str | None, ip: str) -> list[str]:
    return [k for k in (f"user:{user_id}" if user_id else "", f"ip:{ip}" if ip else "") if k]


def ban_minutes(settings: LimitSettings) -> float:
    return settings.ban_duration_ms / 60_000


def _now_ms() -> int:
    return int(time.time() * 1000)


def limiters_of(s: LimitSettings) -> dict[str, Limiter]:
    """LibreChat's limiters, their names, violation types and 429 messages."""
    login = f"Too many login attempts, please try again after {_minutes(s.login_window)} minutes."
    register = (
        f"Too many accounts created, please try again after {_minutes(s.register_window)} minutes"
    )
    imports = "Too many conversation import requests. Try again later"
    forks = "Too many requests. Try again later"
    return {
        limiter.name: limiter
        for limiter in (
            Limiter("login_limiter", "ip", s.login_max, s.login_window, "logins",
                    s.login_violation_score, login),
            Limiter("register_limiter", "ip", s.register_max, s.register_window,
                    "registrations", s.registration_violation_score, register),
            Limiter("message_ip_limiter", "ip", s.message_ip_max, s.message_ip_window,
                    "message_limit", s.message_violation_score),
            Limiter("message_user_limiter", "user", s.message_user_max, s.message_user_window,
                    "message_limit", s.message_violation_score),
            Limiter("import_ip_limiter", "ip", s.import_ip_max, s.import_ip_window,
                    "file_upload_limit", s.import_violation_score, imports),
            Limiter("import_user_limiter", "user", s.import_user_max, s.import_user_window,
                    "file_upload_limit", s.import_violation_score, imports),
            Limiter("fork_ip_limiter", "ip", s.fork_ip_max, s.fork_ip_window,
                    "file_upload_limit", s.fork_violation_score, forks),
            Limiter("fork_user_limiter", "user", s.fork_user_max, s.fork_user_window,
                    "file_upload_limit", s.fork_violation_score, forks),
        )
    }  # fmt: skip


def _minutes(window: float) -> str:
    return str(_js_number(window))


def _js_number(value: float) -> float | int:
    """As JavaScript prints a number: 5, not 5.0."""
    return int(value) if float(value).is_integer() else value
