from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.roles import ROLE_LABELS, lane_for_role
from app.timeutil import utcnow


class User(UserMixin, db.Model):
    __tablename__ = 'users'

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    #: where notifications are e-mailed when SMTP is configured (optional)
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime | None]
    roles: Mapped[list['UserRole']] = relationship(back_populates='user', cascade='all, delete-orphan',
                                                   lazy='selectin')

    @property
    def is_active(self):
        return self.active

    @property
    def role_codes(self):
        return sorted(r.role for r in self.roles)

    @property
    def role_labels(self):
        return [ROLE_LABELS[r] for r in self.role_codes]

    @property
    def lanes(self):
        return [lane for lane in (lane_for_role(r) for r in self.role_codes) if lane]

    def has_role(self, *roles):
        return any(r.role in roles for r in self.roles)


class UserRole(db.Model):
    __tablename__ = 'user_roles'

    user_id: Mapped[int] = mapped_column(ForeignKey('users.id', ondelete='CASCADE'), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    user: Mapped[User] = relationship(back_populates='roles')


class ApiToken(db.Model):
    __tablename__ = 'api_tokens'

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('users.id', ondelete='CASCADE'), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()


class UserSession(db.Model):
    """A signed-in browser. The cookie carries only a random key whose hash is stored here, so logging
    out, idling, a disabled account or a password change end the session on the server and a copied
    cookie stops working too."""
    __tablename__ = 'user_sessions'

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('users.id', ondelete='CASCADE'), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    #: logout, idle, lifetime, disabled, password, admin
    end_reason: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    user: Mapped[User] = relationship()
