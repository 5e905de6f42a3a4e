from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

TASK_OPEN = 'terbuka'
TASK_DONE = 'selesai'
TASK_CANCELLED = 'dibatalkan'
INSTANCE_RUNNING = 'berjalan'
INSTANCE_DONE = 'selesai'


class ProcessDefinition(db.Model):
    """One immutable version of a diagram. `deployed` marks the one version new instances start on."""
    __tablename__ = 'process_definitions'
    __table_args__ = (
        UniqueConstraint('process_id', 'version'),
        # the database itself guarantees a single deployed version per process
        Index('uq_process_definitions_one_deployed', 'process_id', unique=True,
              sqlite_where=text('deployed'), postgresql_where=text('deployed')),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    # read only to parse a version (once, then cached) or to show it: not with every instance
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey('users.id'))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed: Mapped[bool] = mapped_column(default=False)
    #: the version the editor started from (None for an upload or the shipped diagram)
    base_version: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(500))
    #: last time this version was made the deployed one (a rollback deploys it again)
    deployed_at: Mapped[datetime | None]
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey('users.id'))

    author = relationship('User', foreign_keys=[author_id], lazy='joined')
    deployed_by = relationship('User', foreign_keys=[deployed_by_id])


class ProcessInstance(db.Model):
    __tablename__ = 'process_instances'

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey('process_definitions.id'), index=True)
    # the serialized workflow (kilobytes): read only where the engine runs, never by lists and pages
    state: Mapped[str] = mapped_column(Text, deferred=True)
    status: Mapped[str] = mapped_column(String(20), default=INSTANCE_RUNNING, index=True)
    end_event_id: Mapped[str | None] = mapped_column(String(100))
    end_event_name: Mapped[str | None] = mapped_column(String(200))
    started_by_id: Mapped[int] = mapped_column(ForeignKey('users.id'), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    #: earliest due BPMN timer, so the scheduler finds due instances with one indexed query
    next_timer_at: Mapped[datetime | None] = mapped_column(index=True)
    # optimistic lock: a concurrent writer of the same instance fails instead of overwriting
    lock_version: Mapped[int] = mapped_column(default=1)

    # loaded when used (from the session's identity map when already there): a task step needs neither
    definition: Mapped[ProcessDefinition] = relationship()
    started_by = relationship('User')

    __mapper_args__ = {'version_id_col': lock_version}


class HumanTask(db.Model):
    """The inbox: one row per user task that was ever ready, written with the state."""
    __tablename__ = 'human_tasks'
    __table_args__ = (Index('ix_human_tasks_inbox', 'status', 'lane', 'due_at'),
                      Index('ix_human_tasks_inbox_created', 'status', 'lane', 'created_at'),
                      Index('ix_human_tasks_status_due', 'status', 'due_at'),
                      # the tick's two questions: open, not yet reminded / marked, and due by now
                      Index('ix_human_tasks_to_remind', 'status', 'reminded_at', 'remind_at'),
                      Index('ix_human_tasks_to_mark_overdue', 'status', 'overdue_at', 'due_at'),
                      Index('ix_human_tasks_completed', 'completed_at'))

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey('process_instances.id'), index=True)
    task_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(100))
    form_key: Mapped[str | None] = mapped_column(String(100))
    sla: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=TASK_OPEN)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey('users.id'), index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey('users.id'))
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when the time standard starts to count: the task's creation, or for the report step the
    #: moment the agent learned of the event
    started_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    #: half of the time standard has passed: the first reminder is due
    remind_at: Mapped[datetime | None]
    #: set once by the scheduler, so each reminder and escalation goes out exactly once
    reminded_at: Mapped[datetime | None]
    overdue_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey('users.id'))
    completed_at: Mapped[datetime | None]

    instance: Mapped[ProcessInstance] = relationship()
    claimed_by = relationship('User', foreign_keys=[claimed_by_id])

    @property
    def is_overdue(self):
        """Marked late by the scheduler, or past its deadline by the clock already."""
        return bool(self.overdue_at or (self.due_at and self.due_at < utcnow()))
    completed_by = relationship('User', foreign_keys=[completed_by_id])


class TaskSubmission(db.Model):
    """What a person entered at one step (one per completed task)."""
    __tablename__ = 'task_submissions'

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey('process_instances.id'), index=True)
    human_task_id: Mapped[int] = mapped_column(ForeignKey('human_tasks.id'), unique=True)
    bpmn_id: Mapped[str] = mapped_column(String(100))
    task_name: Mapped[str] = mapped_column(String(200))
    form_key: Mapped[str | None] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey('users.id'))
    role: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship('User', lazy='joined')
    attachments = relationship('Attachment', back_populates='submission', lazy='selectin',
                               order_by='Attachment.id')
