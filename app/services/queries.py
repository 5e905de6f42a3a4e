"""Read-side queries for inboxes and report pages: plain indexed SQL, never the workflow JSON."""
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, lazyload

from app.extensions import db
from app.models import Attachment, AuditEvent, HumanTask, Report, TaskSubmission, User
from app.models.process import TASK_OPEN
from app.roles import REPORTER_LANE
from app.services import reports
from app.services.errors import NotFoundError, PermissionDenied

INBOX_ORDERS = {
    'tenggat': (HumanTask.due_at.asc().nulls_last(), HumanTask.id),
    'terbaru': (HumanTask.created_at.desc(), HumanTask.id.desc()),
    'terlama': (HumanTask.created_at.asc(), HumanTask.id),
}


INBOX_PAGE_SIZE = 50
MAX_INBOX_OFFSET = 1_000_000  # far beyond any inbox; keeps a typed-in offset inside the database's integers


def inbox(user, limit=INBOX_PAGE_SIZE, order='tenggat', offset=0):
    """Open tasks the user may work on, one page of them; soonest due first unless another order is
    asked for. Each page is an index range, so its cost does not grow with the number of reports."""
    lanes = user.lanes
    if not lanes:
        return []
    query = (select(HumanTask, Report)
             .join(Report, Report.instance_id == HumanTask.instance_id)
             # the claimants' names, without their roles (read only if ever used)
             .options(joinedload(HumanTask.claimed_by).options(lazyload(User.roles)))
             .where(HumanTask.status == TASK_OPEN, HumanTask.lane.in_(lanes),
                    or_(HumanTask.assigned_to_id.is_(None), HumanTask.assigned_to_id == user.id),
                    # separation of duties: nobody is offered a later step of their own report
                    or_(HumanTask.lane == REPORTER_LANE, Report.reporter_id != user.id))
             .order_by(*INBOX_ORDERS[order])
             .limit(limit).offset(offset))
    return db.session.execute(query).all()


def inbox_page(user, offset=0, limit=None, order='tenggat'):
    """(rows, has_next): `limit` of the user's open tasks from `offset` on, and whether more follow.
    The offset is kept inside the database's integers whatever a client asks for."""
    limit = limit or INBOX_PAGE_SIZE
    rows = inbox(user, limit + 1, order, min(max(offset, 0), MAX_INBOX_OFFSET))
    return rows[:limit], len(rows) > limit


def report_count():
    return db.session.scalar(select(func.count()).select_from(Report))


def my_reports(user, limit=200):
    query = (select(Report).where(Report.reporter_id == user.id)
             .order_by(Report.created_at.desc()).limit(limit))
    return db.session.execute(query).scalars().all()


def visible_reports(user, limit=200):
    """Reports the user may read, newest first; the rule of reports.can_view, as SQL."""
    return db.session.execute(select(Report).where(reports.visible_clause(user))
                              .order_by(Report.created_at.desc()).limit(limit)).scalars().all()


def report_for_instance(instance_id, user):
    report = db.session.execute(select(Report).where(Report.instance_id == instance_id)).scalar()
    if report is None:
        raise NotFoundError('Laporan tidak ditemukan')
    if not reports.can_view(user, report):
        raise PermissionDenied('Anda tidak berhak melihat laporan ini')
    return report


def report_by_instance(instance_id):
    return db.session.execute(select(Report).where(Report.instance_id == instance_id)).scalar_one()


def report_with_reporter(instance_id):
    """The report with its reporter's name in one read (the reporter's roles are read only if used)."""
    return db.session.execute(select(Report).options(joinedload(Report.reporter).options(lazyload(User.roles)))
                              .where(Report.instance_id == instance_id)).scalar_one()


def instance_events(instance_id):
    return db.session.execute(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                              .order_by(AuditEvent.id)).scalars().all()


def submissions(instance_id):
    return db.session.execute(select(TaskSubmission).where(TaskSubmission.instance_id == instance_id)
                              .order_by(TaskSubmission.id)).scalars().all()


def open_tasks(instance_id):
    return db.session.execute(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                      HumanTask.status == TASK_OPEN)
                              .order_by(HumanTask.id)).scalars().all()


def photo_count(instance_id):
    """Photos submitted with the report's steps so far."""
    return db.session.scalar(select(func.count()).select_from(Attachment).where(
        Attachment.instance_id == instance_id, Attachment.submission_id.is_not(None)))


def task_with_instance(task_id):
    row = db.session.execute(select(HumanTask).options(joinedload(HumanTask.instance, innerjoin=True))
                             .where(HumanTask.id == task_id)).scalar()
    if row is None:
        raise NotFoundError('Tugas tidak ditemukan')
    return row


def attachment_for(attachment_id, user):
    """An attachment the user may see (access is that of its report)."""
    row = db.session.get(Attachment, attachment_id)
    if row is None:
        raise NotFoundError('Lampiran tidak ditemukan')
    report_for_instance(row.instance_id, user)
    return row
