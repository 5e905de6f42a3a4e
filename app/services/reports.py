"""The report row: searchable fields copied from the steps, status, and who may see it."""
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from app import wilayah
from app.extensions import db
from app.models import HumanTask, Report
from app.models.process import TASK_OPEN
from app.roles import PIMPINAN, READ_ALL_ROLES, REPORTER_LANE, SECRET_READERS
from app.timeutil import from_wita

RAHASIA = 'rahasia'
REPORT_COLUMNS = ('judul', 'aspek', 'jenis_athg', 'tahap_konflik', 'eskalasi', 'sumber', 'klasifikasi')


def apply_step(report, task, data, result, opened, now):
    """Update the report after `task` was completed with `data`."""
    if task.form_key == 'laporan_informasi':
        for column in REPORT_COLUMNS:
            setattr(report, column, data.get(column))
        report.desa_kode = data.get('desa')
        report.kecamatan_kode = wilayah.kecamatan_of(data.get('desa'))
        report.waktu_kejadian = parse_local_time(data.get('waktu_kejadian'))
        report.submitted_at = report.submitted_at or now
        report.catatan_pengembalian = None
    elif task.form_key == 'verifikasi':
        if data.get('keputusan') == 'ya':
            report.verified_at = now
        elif data.get('tindak_lanjut') == 'kembalikan':
            report.catatan_pengembalian = data.get('catatan')
    elif task.form_key == 'publikasi':
        report.published_at = now
    apply_progress(report, result, opened, now)


def apply_progress(report, result, opened, now):
    """The report's status and SOP stage after the workflow moved (by a person or a timer)."""
    report.updated_at = now
    if result.completed:
        report.status, report.tahap_sop = 'selesai', result.end_event_name or 'Selesai'
    elif any(row.lane == REPORTER_LANE for row in opened):
        report.status, report.tahap_sop = 'dikembalikan', 'Dikembalikan untuk revisi'
    else:
        report.status = 'diproses'
        report.tahap_sop = ', '.join(sorted({t.info.name for t in result.ready_tasks})) or 'Diproses'


def visible_clause(user):
    """SQL condition for the reports `user` may read (keep in step with can_view)."""
    own = Report.reporter_id == user.id
    if user.has_role(*READ_ALL_ROLES):
        general = Report.status != 'draf'
    elif user.has_role(PIMPINAN):
        general = Report.published_at.is_not(None)
    else:
        return own
    if not user.has_role(*SECRET_READERS):
        task = aliased(HumanTask)  # the caller's query may join the tasks itself
        involved = select(task.id).where(task.instance_id == Report.instance_id, _involvement(user, task))
        general = and_(general, or_(Report.klasifikasi != RAHASIA, involved.exists()))
    return or_(own, general)


def can_view(user, report):
    if report.reporter_id == user.id:
        return True
    if user.has_role(*READ_ALL_ROLES):
        general = report.status != 'draf'
    else:
        general = user.has_role(PIMPINAN) and report.published_at is not None
    if general and report.klasifikasi == RAHASIA and not user.has_role(*SECRET_READERS):
        return _involved(user, report)
    return general


def _involvement(user, task=HumanTask):
    """A task of the report this user handled, holds, or may take now in one of their lanes."""
    return or_(task.completed_by_id == user.id, task.claimed_by_id == user.id,
               and_(task.status == TASK_OPEN, task.lane.in_(user.lanes)))


def _involved(user, report):
    return db.session.execute(select(HumanTask.id).where(HumanTask.instance_id == report.instance_id,
                                                         _involvement(user)).limit(1)).first() is not None


def parse_local_time(value):
    """A form's WITA date-time text → naive UTC, or None."""
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
    return from_wita(parsed)
