"""Accounts, passwords (argon2) and API tokens."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ApiToken, User, UserRole, UserSession
from app.roles import ROLE_LABELS
from app.services import audit, sessions
from app.services.errors import ConflictError, NotFoundError, ValidationFailed
from app.timeutil import utcnow

_hasher = PasswordHasher()
# verified against when the username is unknown, so timing does not reveal which usernames exist
_DUMMY_HASH = _hasher.hash('sikanda-dummy-password')
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
PASSWORD_RULES = (f'Minimal {MIN_PASSWORD_LENGTH} karakter, berisi huruf dan juga angka atau simbol, '  # noqa: S105
                  'tidak memuat nama pengguna, bukan kata sandi yang umum.')
# the first guesses of anyone trying passwords (lower-case; compared without case)
COMMON_PASSWORDS = frozenset({
    '1234567890', '12345678910', '0123456789', '1q2w3e4r5t', 'qwertyuiop', 'qwerty1234', 'qwerty12345',
    'password12', 'password123', 'password1234', 'passw0rd123', 'p@ssw0rd123', 'iloveyou123', 'abc1234567',
    'abcd123456', 'admin12345', 'admin123456', 'administrator', 'bismillah1', 'bismillah123', 'indonesia1',
    'indonesia123', 'indonesia45', 'merdeka1945', 'rahasia123', 'katasandi1', 'katasandi123', 'balangan123',
    'kesbangpol1', 'kesbangpol123', 'paringin123', 'superadmin1', 'welcome123', 'changeme123',
})


def password_problems(password, username=''):
    """What is wrong with a new password, in words for the form (empty when it is acceptable)."""
    password = password or ''
    lowered = password.lower()
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f'Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter')
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f'Kata sandi maksimal {MAX_PASSWORD_LENGTH} karakter')
    if not any(c.isalpha() for c in password) or all(c.isalpha() for c in password):
        problems.append('Kata sandi harus memuat huruf dan juga angka atau simbol')
    if username and username.lower() in lowered:
        problems.append('Kata sandi tidak boleh memuat nama pengguna')
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        problems.append('Kata sandi ini terlalu mudah ditebak')
    return problems


def create_user(username, full_name, password, roles, actor=None, email=None):
    username = (username or '').strip().lower()
    problems = {}
    if not username or not username.isascii() or not username.replace('_', '').replace('.', '').isalnum():
        problems['username'] = ['Nama pengguna hanya huruf, angka, titik dan garis bawah']
    weak = password_problems(password, username)
    if weak:
        problems['password'] = weak
    unknown = [r for r in roles if r not in ROLE_LABELS]
    if unknown or not roles:
        problems['roles'] = ['Peran tidak dikenal: ' + ', '.join(unknown) if unknown else 'Pilih minimal satu peran']
    email = (email or '').strip() or None
    if email and (len(email) > 254 or '@' not in email or any(c.isspace() for c in email)):
        problems['email'] = ['Alamat e-mail tidak valid']
    if not problems and find_user(username):
        problems['username'] = ['Nama pengguna sudah dipakai']
    if problems:
        raise ValidationFailed('Data pengguna tidak valid', problems)
    user = User(username=username, full_name=full_name or username, password_hash=_hasher.hash(password), email=email,
                password_changed_at=utcnow(), roles=[UserRole(role=r) for r in sorted(set(roles))])
    db.session.add(user)
    db.session.flush()
    audit.record('user.created', actor, detail={'user_id': user.id, 'username': username, 'roles': sorted(roles)})
    return user


@dataclass(frozen=True)
class Account:
    """A user as the superadmin's list shows them."""
    user: User
    live_sessions: int
    last_seen_at: datetime | None
    live_tokens: int


def accounts(policy, now=None):
    """Every user with their live sessions and API tokens, by username."""
    now = now or utcnow()
    seen = {user_id: (count, last) for user_id, count, last in db.session.execute(
        select(UserSession.user_id, func.count(), func.max(UserSession.last_seen_at))
        .where(*sessions.live_conditions(policy, now)).group_by(UserSession.user_id))}
    tokens = dict(db.session.execute(
        select(ApiToken.user_id, func.count()).where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
        .group_by(ApiToken.user_id)).all())
    return [Account(user, *seen.get(user.id, (0, None)), tokens.get(user.id, 0))
            for user in db.session.execute(select(User).order_by(User.username)).scalars()]


def live_token_count(user_id, now=None):
    return db.session.execute(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > (now or utcnow()))).scalar()


def user_by_id(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError('Pengguna tidak ditemukan')
    return user


def find_user(username):
    return db.session.execute(select(User).where(User.username == (username or '').strip().lower())).scalar()


def authenticate(username, password):
    """The active user with these credentials, or None."""
    user = find_user(username)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or '')
    except (VerificationError, InvalidHashError):
        return None
    return user if user and user.active else None


def change_password(user, current, new, keep_session_key=None):
    """The user's own change: the current password first; every other session and API token ends."""
    try:
        _hasher.verify(user.password_hash, current or '')
    except (VerificationError, InvalidHashError):
        raise ValidationFailed('Kata sandi lama salah', {'kata_sandi_lama': ['Kata sandi lama salah']}) from None
    _set_password(user, new, user, 'password', keep_session_key)


def reset_password(user, new, actor):
    """A superadmin sets a new password (the user forgot theirs); every session and API token of the user ends."""
    _set_password(user, new, actor, 'admin')


def _set_password(user, new, actor, reason, keep_session_key=None):
    problems = password_problems(new, user.username)
    if problems:
        raise ValidationFailed('Kata sandi baru tidak memenuhi syarat', {'kata_sandi_baru': problems})
    user.password_hash = _hasher.hash(new)
    user.password_changed_at = utcnow()
    ended, revoked = sessions.end_all(user, reason, keep_key=keep_session_key)
    audit.record('user.password_changed', actor, detail={'user_id': user.id, 'username': user.username,
                                                         'by_admin': actor is not user, 'sessions_ended': ended,
                                                         'tokens_revoked': revoked})


def set_active(user, active, actor, reason=None):
    """Disable or enable an account; disabling ends its sessions and API tokens at once (409 if nothing changes)."""
    if user.active == active:
        raise ConflictError('Akun ini sudah ' + ('aktif' if active else 'nonaktif'))
    if not active and user.id == getattr(actor, 'id', None):
        raise ValidationFailed('Tidak dapat menonaktifkan akun sendiri',
                               {'alasan': ['Anda tidak dapat menonaktifkan akun Anda sendiri']})
    user.active = active
    ended = revoked = 0
    if not active:
        ended, revoked = sessions.end_all(user, 'disabled')
    audit.record('user.enabled' if active else 'user.disabled', actor,
                 detail={'user_id': user.id, 'username': user.username, 'reason': reason,
                         'sessions_ended': ended, 'tokens_revoked': revoked})


def end_sessions(user, actor):
    """A superadmin signs the user out everywhere: sessions end and API tokens are revoked."""
    ended, revoked = sessions.end_all(user, 'admin')
    audit.record('user.sessions_ended', actor, detail={'user_id': user.id, 'username': user.username,
                                                      'sessions_ended': ended, 'tokens_revoked': revoked})
    return ended, revoked


def revoke_token(token, user):
    """The API client gives its token back (logout)."""
    row = db.session.execute(select(ApiToken).where(ApiToken.token_hash == _token_digest(token),
                                                    ApiToken.user_id == user.id)).scalar()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record('auth.token_revoked', user, detail={'token_id': row.id})


def _token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user, hours):
    """A new bearer token; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token),
                            expires_at=utcnow() + timedelta(hours=hours)))
    db.session.flush()
    return token


def user_for_token(token):
    if not token:
        return None
    row = db.session.execute(select(ApiToken).options(joinedload(ApiToken.user))
                             .where(ApiToken.token_hash == _token_digest(token))).scalar()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.user.active:
        return None
    return row.user
