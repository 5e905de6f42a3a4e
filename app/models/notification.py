from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

EMAIL_PENDING = 'tertunda'
EMAIL_SENT = 'terkirim'
EMAIL_FAILED = 'gagal'


class Notification(db.Model):
    """One in-app message for one user; it doubles as the outbox of its e-mail."""
    __tablename__ = 'notifications'
    __table_args__ = (
        # the scheduler may run twice: the same reminder for the same user is stored once
        UniqueConstraint('user_id', 'dedup_key', name='uq_notifications_user_key'),
        Index('ix_notifications_user_unread', 'user_id', 'read_at'),
        Index('ix_notifications_email', 'email_status'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('users.id', ondelete='CASCADE'))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey('process_instances.id'), index=True)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey('human_tasks.id'))
    dedup_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    email_status: Mapped[str | None] = mapped_column(String(12))
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_error: Mapped[str | None] = mapped_column(String(300))

    user = relationship('User')


class SchedulerLease(db.Model):
    """Who runs the scheduler now: a row per job, taken with a conditional UPDATE."""
    __tablename__ = 'scheduler_leases'

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(100))
    acquired_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
