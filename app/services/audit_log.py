"""The global audit log for auditors: filtered, newest first, paged by id so deep pages stay fast."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Report
from app.timeutil import from_wita

PAGE_SIZE = 50
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class AuditFilter:
    """Every field optional; dates are WITA calendar days, both ends included."""
    start: date | None = None
    end: date | None = None
    actor: str | None = None
    role: str | None = None
    action: str | None = None
    instance_id: int | None = None
    kecamatan: str | None = None

    def is_empty(self):
        return not any(vars(self).values())


def _filtered(criteria):
    query = select(AuditEvent)
    if criteria.start:
        query = query.where(AuditEvent.created_at >= from_wita(datetime.combine(criteria.start, time.min)))
    if criteria.end:
        next_day = datetime.combine(criteria.end + timedelta(days=1), time.min)
        query = query.where(AuditEvent.created_at < from_wita(next_day))
    if criteria.actor:
        query = query.where(AuditEvent.actor_username == criteria.actor)
    if criteria.role:
        query = query.where(AuditEvent.role == criteria.role)
    if criteria.action:
        query = query.where(AuditEvent.action == criteria.action)
    if criteria.instance_id:
        query = query.where(AuditEvent.instance_id == criteria.instance_id)
    if criteria.kecamatan:
        query = query.where(AuditEvent.instance_id.in_(
            select(Report.instance_id).where(Report.kecamatan_kode == criteria.kecamatan)))
    return query


def page(criteria, before_id=None, limit=PAGE_SIZE):
    """(events newest first, id to pass as `before_id` for the next page or None)."""
    query = _filtered(criteria)
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    events = db.session.execute(query.order_by(AuditEvent.id.desc()).limit(limit + 1)).scalars().all()
    more = len(events) > limit
    events = events[:limit]
    return events, (events[-1].id if more else None)


def every_event(criteria):
    """All matching events, newest first, read in batches (for the CSV export)."""
    before_id = None
    while True:
        events, before_id = page(criteria, before_id, EXPORT_BATCH)
        yield from events
        db.session.expunge_all()  # keep memory flat on a large export
        if before_id is None:
            return

