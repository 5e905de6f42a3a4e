"""Accounts, passwords (argon2) and API tokens."""
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ApiToken, User, UserRole
from app.roles import ROLE_LABELS
from app.services import audit
from app.services.errors import ValidationFailed
from app.timeutil import utcnow

_hasher = PasswordHasher()
# verified against when the username is unknown, so timing does not reveal which usernames exist
_DUMMY_HASH = _hasher.hash('sikanda-dummy-password')
MIN_PASSWORD_LENGTH = 8


def create_user(username, full_name, password, roles, actor=None, email=None):
    username = (username or '').strip().lower()
    problems = {}
    if not username or not username.isascii() or not username.replace('_', '').replace('.', '').isalnum():
        problems['username'] = ['Nama pengguna hanya huruf, angka, titik dan garis bawah']
    if len(password or '') < MIN_PASSWORD_LENGTH:
        problems['password'] = [f'Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter']
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
                roles=[UserRole(role=r) for r in sorted(set(roles))])
    db.session.add(user)
    db.session.flush()
    audit.record('user.created', actor, detail={'user_id': user.id, 'username': username, 'roles': sorted(roles)})
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
