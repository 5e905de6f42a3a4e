from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import to_wita, utcnow

FOLLOW_UP_OPEN = 'terbuka'
FOLLOW_UP_DONE = 'selesai'


class Document(db.Model):
    """One version of a generated official document. A regenerated document is a new row with the same
    number and the next version; older versions stay."""
    __tablename__ = 'documents'
    __table_args__ = (UniqueConstraint('kind', 'year', 'sequence', 'version', name='uq_documents_number_version'),
                      Index('ix_documents_instance_kind', 'instance_id', 'kind'))

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey('process_instances.id'))
    kind: Mapped[str] = mapped_column(String(30))
    year: Mapped[int]
    sequence: Mapped[int]
    nomor: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(default=1)
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pages: Mapped[int]
    #: what the person entered for this document (a letter's addressees, place, time …)
    data: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey('users.id'))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by = relationship('User', lazy='joined')


class DocumentCounter(db.Model):
    """The last number given per document type and year; incremented in the generating transaction,
    so a rolled-back generation gives its number back and the sequence has no gaps."""
    __tablename__ = 'document_counters'

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class FollowUpAction(db.Model):
    """A follow-up action decided in a rakor (from its Notulen), tracked until done."""
    __tablename__ = 'follow_up_actions'
    __table_args__ = (Index('ix_follow_up_actions_status_deadline', 'status', 'batas_waktu'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey('process_instances.id'), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey('task_submissions.id'))
    tindakan: Mapped[str] = mapped_column(Text)
    penanggung_jawab: Mapped[str] = mapped_column(String(300))
    batas_waktu: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default=FOLLOW_UP_OPEN)
    catatan: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey('users.id'))
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    done_by = relationship('User')

    @property
    def is_late(self):
        return self.status == FOLLOW_UP_OPEN and self.batas_waktu < to_wita(utcnow()).date()


class Setting(db.Model):
    """A named block of settings the superadmin edits (kop surat, numbering, signers)."""
    __tablename__ = 'settings'

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey('users.id'))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # a second editor working from an older page gets a conflict instead of overwriting
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {'version_id_col': lock_version}
