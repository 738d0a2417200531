"""Identity commands and the queries that must be consistent (served from aggregates)."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from application.identity.account_settings import AccountSettings, settings_of
from application.identity.ports import KeyShredder, PasswordHasher, RefreshClaims, Tokens
from application.identity.revocation import Revocations
from application.shared.store import EventStore, Position, retry_on_conflict
from domain.identity.claims import ADMIN_SEAT_ID, AdminSeat, EmailClaim
from domain.identity.rules import ADMIN, USER, normalise_email, validate_registration
from domain.identity.session import Session, TokenReused
from domain.identity.user import User
from domain.shared.aggregate import Aggregate
from domain.shared.errors import NotFound, Unauthenticated

NO_USER = "Email does not exist."
BAD_PASSWORD = "Incorrect password."


@dataclass(frozen=True)
class UserProfile:
    id: UUID
    name: str
    username: str
    email: str
    email_verified: bool
    provider: str
    role: str
    created_at: datetime
    updated_at: datetime
    settings: AccountSettings | None = None


@dataclass(frozen=True)
class Registered:
    user_id: UUID | None
    created: bool
    position: Position | None = None


@dataclass(frozen=True)
class SignedIn:
    user: UserProfile
    token: str
    refresh_token: str
    refresh_expires_at: datetime
    session_id: UUID


@dataclass(frozen=True)
class IdentityPolicy:
    min_password_length: int = 8
    refresh_lifetime: timedelta = timedelta(days=7)
    # how long the token a refresh just replaced still gets that refresh's answer
    refresh_reuse_grace: timedelta = timedelta(seconds=10)
    email_claim_key: bytes = b"chronicle"
    # claims made before key derivation (v1) are keyed by the bare master key; an address
    # claimed then keeps that claim id for good, so it is looked up as well (docs/events.md)
    legacy_email_claim_key: bytes | None = None


class IdentityService:
    def __init__(
        self,
        store: EventStore,
        hasher: PasswordHasher,
        tokens: Tokens,
        keys: KeyShredder,
        policy: IdentityPolicy,
        revocations: Revocations,
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.tokens = tokens
        self.keys = keys
        self.policy = policy
        self.revocations = revocations

    # ------------------------------------------------------------- register
    def register(
        self,
        *,
        name: object,
        email: object,
        password: object,
        confirm: object,
        username: object = None,
        role: str | None = None,
    ) -> Registered:
        form = validate_registration(
            name, email, password, confirm, username, self.policy.min_password_length
        )
        password_hash = self.hasher.hash(form.password)
        return retry_on_conflict(
            lambda: self._register(form.email, form.name, form.username, password_hash, role)
        )

    def _register(
        self, email: str, name: str, username: str, password_hash: str, role: str | None
    ) -> Registered:
        user_id = uuid.uuid4()
        claim_id = self.email_claim_id(email)
        claim: EmailClaim | None = None
        if self.store.exists(claim_id):
            claim = self.store.load(EmailClaim, claim_id)
            if not claim.released:
                return Registered(user_id=None, created=False)
            claim.reclaim(user_id)
        seat = None if self.store.exists(ADMIN_SEAT_ID) else AdminSeat.take(user_id)
        user = User.register(
            user_id,
            email=email,
            name=name,
            username=username,
            role=role or (ADMIN if seat else USER),
            password_hash=password_hash,
        )
        claim = claim or EmailClaim.claim(claim_id, user_id)
        position = self.store.commit(*(a for a in (user, claim, seat) if a), actor=user_id)
        return Registered(user_id=user_id, created=True, position=position)

    def email_claim_id(self, email: str) -> UUID:
        """The id of the address's claim: its v1 id if one was made then, else the current one.

        At most one of the two ever exists: nothing makes v1 claims any more, and a released
        v1 claim is reclaimed rather than replaced, so uniqueness stays one aggregate's.
        """
        current = _claim_id(self.policy.email_claim_key, email)
        legacy_key = self.policy.legacy_email_claim_key
        if legacy_key is None or self.store.exists(current):
            return current
        legacy = _claim_id(legacy_key, email)
        return legacy if self.store.exists(legacy) else current

    # ---------------------------------------------------------------- login
    def login(self, email: object, password: object, ip: str, user_agent: str) -> SignedIn:
        user = self._user_by_email(email)
        if not isinstance(password, str) or not self.hasher.verify(user.password_hash, password):
            retry_on_conflict(lambda: self._record_failure(user.id, ip, user_agent))
            raise Unauthenticated(BAD_PASSWORD)
        if self.hasher.needs_rehash(user.password_hash):
            new_hash = self.hasher.hash(password)
            retry_on_conflict(lambda: self._rehash(user.id, new_hash))
        return self._start_session(user, ip, user_agent)

    def _user_by_email(self, email: object) -> User:
        try:
            claim_id = self.email_claim_id(normalise_email(email))
            claim = self.store.load(EmailClaim, claim_id)
            if claim.released:
                raise NotFound(NO_USER)
            return self.store.load(User, claim.user_id)
        except (NotFound, ValueError):
            raise Unauthenticated(NO_USER) from None

    def _record_failure(self, user_id: UUID, ip: str, user_agent: str) -> None:
        user = self.store.load(User, user_id)
        user.record_failed_login(ip, user_agent, "bad_password")
        self.store.commit(user, actor=user_id)

    def _rehash(self, user_id: UUID, new_hash: str) -> None:
        user = self.store.load(User, user_id)
        user.change_password_hash(new_hash, reason="rehash")
        self.store.commit(user, actor=user_id)

    def _start_session(self, user: User, ip: str, user_agent: str) -> SignedIn:
        session_id = uuid.uuid4()
        expires_at = _now() + self.policy.refresh_lifetime
        refresh = self.tokens.refresh(user.id, session_id, expires_at)
        session = Session.start(
            session_id,
            user_id=user.id,
            refresh_hash=_digest(refresh),
            expires_at=expires_at,
            ip=ip,
            user_agent=user_agent,
        )
        self.store.commit(session, actor=user.id)
        return self._signed_in(user, refresh, expires_at, session_id)

    def _signed_in(
        self, user: User, refresh: str, expires_at: datetime, session_id: UUID
    ) -> SignedIn:
        token = self.tokens.access(user.id, user.username, user.provider, user.email)
        return SignedIn(profile_of(user), token, refresh, expires_at, session_id)

    # -------------------------------------------------------------- refresh
    def refresh(self, refresh_token: str, ip: str) -> SignedIn:
        """Rotate: a new refresh token for the same session (same expiry), a new access token.
        Raises `InvalidToken` for a forged token, `Unauthenticated` for an ended session."""
        claims = self.tokens.read_refresh(refresh_token)
        user = self._active_user(claims.user_id)
        return retry_on_conflict(lambda: self._rotate(user, claims, refresh_token, ip))

    def _rotate(self, user: User, claims: RefreshClaims, presented: str, ip: str) -> SignedIn:
        session, now = self._session_of(claims), _now()
        if session.just_superseded(_digest(presented), now, self.policy.refresh_reuse_grace):
            again = self._successor(session, presented, session.rotated_at or now)
            if _digest(again) == session.refresh_hash:  # recorded already: hand it out again
                return self._signed_in(user, again, session.expires_at, session.id)
        issued_at = now.replace(microsecond=0)  # a JWT's iat has whole seconds
        fresh = self._successor(session, presented, issued_at)
        try:
            session.rotate(_digest(presented), _digest(fresh), ip, now, issued_at)
        except TokenReused:
            self.store.commit(session, actor=user.id)
            raise
        self.store.commit(session, actor=user.id)
        return self._signed_in(user, fresh, session.expires_at, session.id)

    def _successor(self, session: Session, presented: str, at: datetime) -> str:
        return self.tokens.successor(presented, session.user_id, session.id, session.expires_at, at)

    def _session_of(self, claims: RefreshClaims) -> Session:
        try:
            session = self.store.load(Session, claims.session_id)
        except NotFound:
            raise Unauthenticated("Refresh token expired or not found for this user") from None
        if session.user_id != claims.user_id:
            raise Unauthenticated("Refresh token expired or not found for this user")
        return session

    def _active_user(self, user_id: UUID) -> User:
        try:
            user = self.store.load(User, user_id)
        except NotFound:
            raise Unauthenticated("User not found") from None
        if user.deleted or self.revocations.is_revoked(user_id):
            raise Unauthenticated("User not found")
        return user

    # --------------------------------------------------------------- logout
    def logout(self, refresh_token: str | None) -> None:
        """End the session the cookie names; a missing or stale cookie is not an error."""
        if not refresh_token:
            return
        try:
            claims = self.tokens.read_refresh(refresh_token)
        except Exception:
            return
        retry_on_conflict(lambda: self._end(claims, refresh_token))

    def _end(self, claims: RefreshClaims, presented: str) -> None:
        try:
            session = self._session_of(claims)
        except Unauthenticated:
            return
        if session.refresh_hash == _digest(presented):
            session.end("logout")
            self.store.commit(session, actor=claims.user_id)

    # ------------------------------------------------------------- deletion
    def delete_account(self, user_id: UUID) -> Position | None:
        """Record the deletion and free the email, then destroy the user's key: every personal
        field of theirs, in every context and every backup of the events, reads as
        `[deleted]` from then on, while the rest of the log still loads and verifies.
        Their tokens are revoked first: if that cannot be done, nothing is."""
        self.revocations.revoke_deleted(user_id)
        position = retry_on_conflict(lambda: self._delete(user_id))
        self.keys.destroy(user_id)
        return position

    def _delete(self, user_id: UUID) -> Position | None:
        try:
            user = self.store.load(User, user_id)
        except NotFound:
            raise NotFound("User not found") from None
        user.delete()
        changed: list[Aggregate] = [user]
        claim_id = self.email_claim_id(user.email)
        if self.store.exists(claim_id):
            claim = self.store.load(EmailClaim, claim_id)
            if claim.user_id == user_id and not claim.released:
                claim.release()
                changed.append(claim)
        return self.store.commit(*changed, actor=user_id)

    def revoke_subject(self, user_id: UUID, reason: str, until: datetime | None = None) -> None:
        """Every token of the user answers 401 from the next request on, in every process,
        until `until` (None: until `restore_subject`). For bans."""
        self.revocations.revoke(user_id, reason, until)

    def restore_subject(self, user_id: UUID) -> None:
        """A lifted ban: the user's unexpired tokens work again."""
        self.revocations.restore(user_id)

    # -------------------------------------------------------------- queries
    def profile(self, user_id: UUID) -> UserProfile:
        user = self.store.load(User, user_id)
        if user.deleted:
            raise NotFound("User not found")
        return profile_of(user)

    def session_is_live(self, session_id: UUID) -> bool:
        try:
            return self.store.load(Session, session_id).is_live(_now())
        except NotFound:
            return False


def profile_of(user: User) -> UserProfile:
    return UserProfile(
        id=user.id,
        name=user.name,
        username=user.username,
        email=user.email,
        email_verified=user.email_verified,
        provider=user.provider,
        role=user.role,
        created_at=user.created_at,
        updated_at=user.updated_at,
        settings=settings_of(user),
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _claim_id(key: bytes, email: str) -> UUID:
    digest = hmac.new(key, email.encode(), hashlib.sha256).digest()
    return UUID(bytes=digest[:16], version=4)
