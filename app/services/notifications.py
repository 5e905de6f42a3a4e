"""In-app notifications, and their e-mail outbox (delivered after the transaction commits).

Every notice is written in the same transaction as the change it reports, with a key that makes a
repeat (a second scheduler run, a retried request) a no-op for that user.
"""
import smtplib
from dataclasses import dataclass, replace

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app.extensions import db, mailer
from app.models import Notification, User, UserRole
from app.models.notification import EMAIL_FAILED, EMAIL_PENDING, EMAIL_SENT
from app.roles import COMPLIANCE_READERS, REPORTER_LANE, SUPERVISOR_OF, role_for_lane
from app.services import reports
from app.services.errors import NotFoundError
from app.timeutil import format_wita, utcnow

MAX_EMAIL_ATTEMPTS = 5
KIND_LABELS = {
    'tugas_baru': 'Tugas baru',
    'dikembalikan': 'Laporan dikembalikan',
    'tenggat_50': 'Separuh waktu terpakai',
    'tenggat_100': 'Batas waktu terlewati',
    'eskalasi': 'Eskalasi keterlambatan',
    'dokumen_gagal': 'Dokumen gagal dibuat',
}


@dataclass(frozen=True)
class Notice:
    kind: str
    title: str
    body: str
    link: str | None = None
    instance_id: int | None = None
    human_task_id: int | None = None


def notify(users, notice, key, fresh=False):
    """Store `notice` once per user for `key`; returns the rows created now. `fresh`: the key names a
    row made in this transaction, so nobody can have had this notice yet (no need to look)."""
    users = {user.id: user for user in users if user.active}
    if not users:
        return []
    already = set() if fresh else set(db.session.execute(select(Notification.user_id).where(
        Notification.user_id.in_(users), Notification.dedup_key == key)).scalars())
    rows = [Notification(user_id=user.id, kind=notice.kind, title=notice.title[:200], body=notice.body,
                         link=notice.link, instance_id=notice.instance_id, human_task_id=notice.human_task_id,
                         dedup_key=key, created_at=utcnow(),
                         email_status=EMAIL_PENDING if mailer.enabled and user.email else None)
            for user in users.values() if user.id not in already]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def users_with_role(role):
    """Active users with `role`, their roles read in the same query."""
    return db.session.execute(select(User).join(UserRole).options(joinedload(User.roles))
                              .where(UserRole.role == role, User.active)
                              .order_by(User.id)).unique().scalars().all()


def task_audience(task, report):
    """Who is told about a task: its claimant, else its assignee, else everyone in its lane except
    the reporter (who never handles a later step of their own report)."""
    if task.claimed_by_id or task.assigned_to_id:
        people = [db.session.get(User, task.claimed_by_id or task.assigned_to_id)]
    else:
        role = role_for_lane(task.lane)
        people = [u for u in (users_with_role(role) if role else [])
                  if task.lane == REPORTER_LANE or u.id != report.reporter_id]
    return _may_read(people, report)


def supervisors(task):
    role = SUPERVISOR_OF.get(role_for_lane(task.lane))
    return users_with_role(role) if role else []


def _may_read(people, report):
    """A notice names a report and links to it: only people who may read that report get it
    (e.g. the Pimpinan hears of a late publication only once the report is published)."""
    return [person for person in people if reports.can_view(person, report)]


def task_opened(task, report):
    """A new task in someone's lane; a returned report is announced to its reporter as such."""
    if task.lane == REPORTER_LANE:
        notice = Notice('dikembalikan', f'Laporan {report.nomor} dikembalikan untuk revisi',
                        f'Catatan verifikator: {report.catatan_pengembalian or "-"}. '
                        f'Batas waktu {format_wita(task.due_at)}.', f'/tugas/{task.id}', task.instance_id, task.id)
    else:
        notice = Notice('tugas_baru', f'Tugas baru: {task.name} — {report.nomor}',
                        f'{report.judul or "Laporan"} menunggu {task.lane}. Batas waktu {format_wita(task.due_at)}.',
                        f'/tugas/{task.id}', task.instance_id, task.id)
    # the task was opened in this transaction: nobody has been told about it yet
    return notify(task_audience(task, report), notice, f'{notice.kind}:{task.id}', fresh=True)


def half_time(task, report):
    notice = Notice('tenggat_50', f'Separuh waktu terpakai: {task.name} — {report.nomor}',
                    f'Batas waktu {format_wita(task.due_at)} (standar {task.sla}).',
                    f'/tugas/{task.id}', task.instance_id, task.id)
    return notify(task_audience(task, report), notice, f'tenggat_50:{task.id}')


def overdue(task, report):
    """The people on the task, and the supervising role, learn that it is late."""
    late = Notice('tenggat_100', f'Terlambat: {task.name} — {report.nomor}',
                  f'Batas waktu {format_wita(task.due_at)} sudah lewat. Selesaikan secepatnya.',
                  f'/tugas/{task.id}', task.instance_id, task.id)
    escalation = Notice('eskalasi', f'Eskalasi: {task.name} terlambat — {report.nomor}',
                        f'Tugas lajur {task.lane} melewati batas waktu {format_wita(task.due_at)} '
                        f'(standar {task.sla}). Mohon ditindaklanjuti.',
                        f'/laporan/{task.instance_id}', task.instance_id, task.id)
    return (notify(task_audience(task, report), late, f'tenggat_100:{task.id}')
            + _escalate(task, report, escalation))


def _escalate(task, report, notice):
    """Supervisors who may read the report get its link; those who may not (the Pimpinan before
    publication) learn of the delay from the compliance report, without the report's content."""
    people = [u for u in supervisors(task) if u.id != report.reporter_id]
    readers = _may_read(people, report)
    others = [u for u in people if u not in readers and u.has_role(*COMPLIANCE_READERS)]
    key = f'eskalasi:{task.id}'
    return notify(readers, notice, key) + notify(others, replace(notice, link='/kepatuhan'), key)


# --- reading ---------------------------------------------------------------------------

def unread_count(user):
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None)))


def for_user(user, limit=50, before=None):
    query = select(Notification).where(Notification.user_id == user.id)
    if before:
        query = query.where(Notification.id < before)
    return db.session.execute(query.order_by(Notification.id.desc()).limit(limit)).scalars().all()


def get_for(user, notification_id):
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        raise NotFoundError('Notifikasi tidak ditemukan')
    return row


def mark_read(user, notification_id=None):
    """Mark one (or, without an id, every) notification of the user as read; returns how many."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount


# --- e-mail outbox -----------------------------------------------------------------------

def pending_email_ids(limit=200):
    return db.session.execute(select(Notification.id).where(Notification.email_status == EMAIL_PENDING)
                              .order_by(Notification.id).limit(limit)).scalars().all()


def deliver(smtp, notification_id):
    """Send one pending e-mail over an open SMTP session. True: sent; False: refused (retried later
    unless the refusal is permanent); None: nothing to send. A dropped connection propagates, leaving
    the row pending; the in-app copy is never touched."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.email_status != EMAIL_PENDING:
        return None
    row.email_attempts += 1
    try:
        smtp.send_message(mailer.message(row.user.email, f'[SIKANDA] {row.title}', _email_body(row)))
    except smtplib.SMTPServerDisconnected:
        raise
    except (smtplib.SMTPException, ValueError, UnicodeError) as exc:
        row.email_error = str(exc)[:300]
        if _permanent(exc) or row.email_attempts >= MAX_EMAIL_ATTEMPTS:
            row.email_status = EMAIL_FAILED
        return False
    row.email_status, row.email_error = EMAIL_SENT, None
    return True


def _permanent(exc):
    """5xx answers and messages that cannot be encoded will not succeed on a retry; 4xx may."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return isinstance(exc, (ValueError, UnicodeError, smtplib.SMTPNotSupportedError))


def _email_body(row):
    link = f'Buka: {mailer.base_url}{row.link}\n\n' if row.link else ''
    return (f'{KIND_LABELS.get(row.kind, "Pemberitahuan")}\n\n{row.title}\n\n{row.body or ""}\n\n{link}'
            'Pesan otomatis SIKANDA, Badan Kesatuan Bangsa dan Politik Kabupaten Balangan.')
