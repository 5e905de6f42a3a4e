"""Signed-in browsers, kept on the server: the cookie holds a random key, the row says whether it still counts."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ApiToken, UserSession
from app.services import audit
from app.timeutil import utcnow

# last_seen_at is written at most this often: a page view is not a database write
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session may sit unused, and how long it may last at all."""
    idle: timedelta
    lifetime: timedelta


@dataclass(frozen=True)
class Found:
    """What a request's session key leads to (read only; `settle` writes what follows from it)."""
    user: object = None
    session_id: int | None = None
    #: why the session stops counting now (idle, lifetime, disabled), else None
    ending: str | None = None
    #: its last_seen_at is old enough to be written again
    stale: bool = False


def _digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def open_session(user, ip=None, user_agent=None):
    """A new session for a successful login; returns the key for the cookie (only its hash is stored)."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(user_id=user.id, key_hash=_digest(key), created_at=now, last_seen_at=now,
                               ip=(ip or '')[:45] or None, user_agent=(user_agent or '')[:200] or None))
    db.session.flush()
    return key


def find(key, user_id, policy, now=None):
    """The session behind a cookie's key, read with its user: live, ending now, or nothing."""
    if not key:
        return Found()
    row = db.session.execute(select(UserSession).options(joinedload(UserSession.user))
                             .where(UserSession.key_hash == _digest(key))).scalar()
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return Found()
    now = now or utcnow()
    ending = ('disabled' if not row.user.active else 'idle' if now - row.last_seen_at > policy.idle
              else 'lifetime' if now - row.created_at > policy.lifetime else None)
    if ending:
        return Found(session_id=row.id, ending=ending)
    return Found(user=row.user, session_id=row.id, stale=now - row.last_seen_at >= TOUCH_EVERY)


def settle(found, now=None):
    """Write what `find` saw: the end of a session (audited) or its new last_seen_at."""
    now = now or utcnow()
    row = db.session.get(UserSession, found.session_id)
    if found.ending and row.ended_at is None:
        _end(row, found.ending, now)
        audit.record('auth.session_ended', row.user, detail={'reason': found.ending, 'session_id': row.id})
    elif found.stale:
        row.last_seen_at = now


def end_session(key, reason='logout'):
    row = db.session.execute(select(UserSession).where(UserSession.key_hash == _digest(key or ''),
                                                       UserSession.ended_at.is_(None))).scalar()
    if row is not None:
        _end(row, reason, utcnow())


def end_all(user, reason, keep_key=None):
    """End the live sessions of `user` (but the one with `keep_key`), revoke their API tokens; returns both counts."""
    now = utcnow()
    keep = _digest(keep_key) if keep_key else ''
    sessions = db.session.execute(
        update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
                                  UserSession.key_hash != keep)
        .values(ended_at=now, end_reason=reason)).rowcount
    tokens = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
                               ApiToken.expires_at > now)
        .values(revoked_at=now)).rowcount
    return sessions, tokens


def live_conditions(policy, now):
    """Sessions that still count: not ended, not idle too long, not past their lifetime."""
    return (UserSession.ended_at.is_(None), UserSession.last_seen_at > now - policy.idle,
            UserSession.created_at > now - policy.lifetime)


def live_sessions(user_id, policy, now=None):
    """The sessions of a user that still count, newest first (for the account pages)."""
    return db.session.execute(
        select(UserSession).where(UserSession.user_id == user_id, *live_conditions(policy, now or utcnow()))
        .order_by(UserSession.created_at.desc())).scalars().all()


def _end(row, reason, now):
    row.ended_at, row.end_reason = now, reason
