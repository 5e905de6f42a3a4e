from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class AuditEvent(db.Model):
    """Append-only; `hash` covers this row and `prev_hash`, so edits and deletions show."""
    __tablename__ = 'audit_events'

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey('users.id'), index=True)
    actor_username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey('process_instances.id'), index=True)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey('human_tasks.id'))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    # unique: two events can never claim the same predecessor, so a forked chain cannot be stored
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(db.Model):
    """One row: the newest event's hash. Updating it first serialises writers of the chain on every
    database (a row lock on PostgreSQL, the write lock on SQLite) and lets a deleted tail be seen."""
    __tablename__ = 'audit_chain_head'

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int | None]
    last_hash: Mapped[str] = mapped_column(String(64))
