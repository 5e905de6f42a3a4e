from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class Report(db.Model):
    """The searchable face of an instance: fields people filter and count, copied into columns."""
    __tablename__ = 'reports'
    __table_args__ = (Index('ix_reports_reporter_created', 'reporter_id', 'created_at'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey('process_instances.id'), unique=True)
    nomor: Mapped[str] = mapped_column(String(40), unique=True)
    judul: Mapped[str | None] = mapped_column(String(200))
    kecamatan_kode: Mapped[str | None] = mapped_column(String(20), index=True)
    desa_kode: Mapped[str | None] = mapped_column(String(20), index=True)
    aspek: Mapped[str | None] = mapped_column(String(20), index=True)
    jenis_athg: Mapped[str | None] = mapped_column(String(20), index=True)
    tahap_konflik: Mapped[str | None] = mapped_column(String(20), index=True)
    eskalasi: Mapped[str | None] = mapped_column(String(20), index=True)
    sumber: Mapped[str | None] = mapped_column(String(30))
    klasifikasi: Mapped[str] = mapped_column(String(20), default='terbatas', index=True)
    waktu_kejadian: Mapped[datetime | None] = mapped_column(index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey('users.id'))
    tahap_sop: Mapped[str] = mapped_column(String(200), default='Draf')
    status: Mapped[str] = mapped_column(String(20), default='draf', index=True)
    catatan_pengembalian: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    verified_at: Mapped[datetime | None] = mapped_column(index=True)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    # loaded when used: the instance row carries the whole workflow state
    reporter = relationship('User')
    instance = relationship('ProcessInstance')


class Attachment(db.Model):
    __tablename__ = 'attachments'

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey('process_instances.id'), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey('task_submissions.id'), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey('users.id'))
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None]
    height: Mapped[int | None]
    caption: Mapped[str | None] = mapped_column(String(500))
    #: from the photo's EXIF, read before it is re-encoded without it (UTC; a time with no zone counts as WITA)
    taken_at: Mapped[datetime | None]
    gps_lat: Mapped[float | None]
    gps_lon: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission = relationship('TaskSubmission', back_populates='attachments')
