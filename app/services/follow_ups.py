"""Follow-up actions decided in a rakor: recorded from its Notulen, tracked until someone marks them done."""
from datetime import date

from sqlalchemy import case, func, select, update

from app.extensions import db
from app.models import FollowUpAction, Report
from app.models.document import FOLLOW_UP_DONE, FOLLOW_UP_OPEN
from app.roles import ADMINISTRATOR, AUDITOR, PIMPINAN, SUPERADMIN
from app.services import audit, reports
from app.services.errors import ConflictError, NotFoundError, PermissionDenied
from app.timeutil import format_wita, to_wita, utcnow

READERS = (PIMPINAN, ADMINISTRATOR, AUDITOR, SUPERADMIN)
UPDATERS = (PIMPINAN, ADMINISTRATOR)
FILTERS = ('terbuka', 'terlambat', 'selesai', 'semua')


def record_from(submission):
    """Store the follow-up rows of a completed Notulen (none for other forms)."""
    items = submission.data.get('rencana_tindak_lanjut')
    rows = [FollowUpAction(instance_id=submission.instance_id, submission_id=submission.id,
                           tindakan=item['tindakan'], penanggung_jawab=item['penanggung_jawab'],
                           batas_waktu=date.fromisoformat(item['batas_waktu']), created_at=submission.created_at)
            for item in (items if isinstance(items, list) else [])]
    db.session.add_all(rows)
    return rows


def listing(user, status='terbuka'):
    """Follow-ups on reports the user may read, soonest deadline first; rows of (action, report)."""
    if not user.has_role(*READERS):
        raise PermissionDenied('Daftar tindak lanjut hanya untuk pimpinan, administrator dan auditor')
    query = (select(FollowUpAction, Report).join(Report, Report.instance_id == FollowUpAction.instance_id)
             .where(reports.visible_clause(user)).order_by(FollowUpAction.batas_waktu, FollowUpAction.id))
    today = to_wita(utcnow()).date()
    if status == 'terbuka':
        query = query.where(FollowUpAction.status == FOLLOW_UP_OPEN)
    elif status == 'terlambat':
        query = query.where(FollowUpAction.status == FOLLOW_UP_OPEN, FollowUpAction.batas_waktu < today)
    elif status == 'selesai':
        query = query.where(FollowUpAction.status == FOLLOW_UP_DONE)
    return db.session.execute(query.limit(500)).all()


def open_counts(user):
    """(open, late) follow-ups on the reports the user may read, for the leadership's dashboard."""
    today = to_wita(utcnow()).date()
    late = case((FollowUpAction.batas_waktu < today, 1), else_=0)
    row = db.session.execute(
        select(func.count(FollowUpAction.id), func.coalesce(func.sum(late), 0))
        .join(Report, Report.instance_id == FollowUpAction.instance_id)
        .where(FollowUpAction.status == FOLLOW_UP_OPEN, reports.visible_clause(user))).one()
    return int(row[0]), int(row[1])


def for_instance(instance_id):
    return db.session.execute(select(FollowUpAction).where(FollowUpAction.instance_id == instance_id)
                              .order_by(FollowUpAction.batas_waktu, FollowUpAction.id)).scalars().all()


def mark_done(action_id, user, note):
    """Close one follow-up. Two people closing it at once: the second gets a conflict, nothing is overwritten."""
    action = db.session.get(FollowUpAction, action_id)
    if action is None:
        raise NotFoundError('Tindak lanjut tidak ditemukan')
    report = db.session.execute(select(Report).where(Report.instance_id == action.instance_id)).scalar_one()
    if not (user.has_role(*UPDATERS) and reports.can_view(user, report)):
        raise PermissionDenied('Hanya pimpinan atau administrator yang dapat menutup tindak lanjut')
    now = utcnow()
    closed = db.session.execute(
        update(FollowUpAction).where(FollowUpAction.id == action_id, FollowUpAction.status == FOLLOW_UP_OPEN)
        .values(status=FOLLOW_UP_DONE, done_by_id=user.id, done_at=now, catatan=note or None)).rowcount
    db.session.refresh(action)
    if not closed:
        who = action.done_by.full_name if action.done_by else 'pengguna lain'
        raise ConflictError(f'Tindak lanjut sudah ditandai selesai oleh {who} pada {format_wita(action.done_at)}')
    audit.record('follow_up.done', user, instance_id=action.instance_id,
                 detail={'follow_up_id': action.id, 'tindakan': action.tindakan, 'catatan': note or None})
    return action
