"""The audit area: the global log with filters, newest first, and its CSV export (auditors, superadmins)."""
import io

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user, login_required

from app.audit import bp
from app.audit.forms import AuditFilterForm
from app.auth.decorators import roles_required
from app.csv_export import SafeWriter
from app.request_guards import int_arg
from app.roles import AUDIT_READERS
from app.services import audit, audit_log, queries
from app.services.history import instance_history
from app.templating import ACTION_LABELS, action_label, role_label
from app.timeutil import format_wita
from app.uow import unit_of_work

CSV_COLUMNS = ['id', 'waktu_wita', 'pelaku', 'peran', 'aksi', 'instans', 'tugas', 'detail', 'prev_hash', 'hash']


def _filter_form():
    return AuditFilterForm(request.args, action_labels=ACTION_LABELS)


@bp.route('/audit')
@roles_required(*AUDIT_READERS)
def log():
    form = _filter_form()
    events, next_before = [], None
    if form.validate():
        events, next_before = audit_log.page(form.criteria(), int_arg('sebelum', None))
    return render_template('audit/log.html', form=form, events=events, next_before=next_before,
                           filtered=not form.criteria().is_empty(), args=request.args.to_dict())


@bp.route('/audit/ekspor.csv')
@roles_required(*AUDIT_READERS)
def export():
    form = _filter_form()
    if not form.validate():
        return render_template('audit/log.html', form=form, events=[], next_before=None, filtered=True,
                               args=request.args.to_dict()), 422
    criteria = form.criteria()
    with unit_of_work():  # the export itself is recorded before anything is sent
        audit.record('audit.exported', current_user, detail={'filter': request.args.to_dict()})
    return Response(stream_with_context(_csv_rows(criteria)), mimetype='text/csv',
                    headers={'Content-Disposition': 'attachment; filename="jejak-audit-sikanda.csv"'})


def _csv_rows(criteria):
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in audit_log.every_event(criteria):
        writer.writerow([event.id, format_wita(event.created_at, with_zone=False), event.actor_username or '',
                         role_label(event.role), action_label(event.action), event.instance_id or '',
                         event.human_task_id or '', audit.detail_json(event), event.prev_hash, event.hash])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


@bp.route('/laporan/<int:instance_id>/riwayat')
@login_required
def history(instance_id):
    """Everyone who may read the report may read its history; auditors also get the raw event log link."""
    report = queries.report_for_instance(instance_id, current_user)
    return render_template('audit/history.html', report=report, history=instance_history(report.instance),
                           events=queries.instance_events(instance_id))
