from flask import Response, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app.auth.decorators import roles_required
from app.extensions import file_store
from app.inbox import bp
from app.inbox.forms import TaskActionForm
from app.request_guards import int_arg
from app.roles import ADMINISTRATOR, AGEN, PIMPINAN, READ_ALL_ROLES
from app.services import audit, documents, follow_ups, queries, views, workflow
from app.services.attachments import Upload
from app.services.errors import ValidationFailed
from app.step_documents import after_step
from app.uow import unit_of_work
from forms import LaporanInformasiForm, form_for_task
from forms.documents import FollowUpDoneForm


@bp.route('/')
@login_required
def home():
    """The leadership and the administrator start at the early-warning dashboard; others at their tasks."""
    if current_user.has_role(PIMPINAN, ADMINISTRATOR):
        return redirect(url_for('dashboard.index'))
    return tasks()


@bp.route('/tugas')
@login_required
def tasks():
    order = request.args.get('urut', 'tenggat')
    order = order if order in queries.INBOX_ORDERS else 'tenggat'
    page = int_arg('halaman', 1)
    rows, has_next = queries.inbox_page(current_user, (page - 1) * queries.INBOX_PAGE_SIZE, order=order)
    return render_template('inbox/home.html', rows=rows, order=order, page=page, has_next=has_next,
                           action_form=TaskActionForm())


@bp.route('/laporan/baru', methods=['GET', 'POST'])
@roles_required(AGEN)
def new_report():
    form = LaporanInformasiForm()
    if form.validate_on_submit():
        instance = _complete(form, lambda submission: workflow.file_report(current_user, submission))
        if instance:
            flash('Laporan terkirim ke verifikator. Terima kasih.', 'success')
            return redirect(url_for('inbox.report', instance_id=instance.id))
    return _render_form('inbox/new_report.html', form)


@bp.route('/tugas/<int:task_id>', methods=['GET', 'POST'])
@login_required
def task(task_id):
    view = views.task_view(task_id, current_user)
    form = form_for_task(view.task)()
    if isinstance(form, LaporanInformasiForm):
        form.existing_photos = view.photo_count
    if request.method == 'GET':
        _prefill(form, view)
    if form.validate_on_submit() and _complete(
            form, lambda submission: workflow.complete_task(task_id, current_user, submission)):
        flash(f'"{view.task.name}" selesai untuk laporan {view.report.nomor}.', 'success')
        _announce_documents(after_step(view.task.instance_id, view.task.form_key, form.task_data(), current_user))
        return redirect(url_for('inbox.tasks'))
    return _render_form('inbox/task.html', form, view=view, action_form=TaskActionForm())


@bp.route('/tugas/<int:task_id>/klaim', methods=['POST'])
@login_required
def claim(task_id):
    return _task_action(workflow.claim_task, task_id, 'Tugas diklaim: sekarang hanya Anda yang dapat mengerjakannya.')


@bp.route('/tugas/<int:task_id>/lepas', methods=['POST'])
@login_required
def release(task_id):
    return _task_action(workflow.release_task, task_id, 'Tugas dilepas dan kembali ke kotak tugas bersama.')


def _task_action(action, task_id, message):
    if TaskActionForm().validate_on_submit():
        with unit_of_work():
            action(task_id, current_user)
        flash(message, 'info')
    return redirect(url_for('inbox.tasks'))


@bp.route('/laporan-saya')
@roles_required(AGEN)
def my_reports():
    return render_template('inbox/my_reports.html', reports=queries.my_reports(current_user))


@bp.route('/laporan')
@roles_required(*READ_ALL_ROLES, PIMPINAN)
def reports():
    return render_template('inbox/reports.html', reports=queries.visible_reports(current_user))


@bp.route('/laporan/<int:instance_id>')
@login_required
def report(instance_id):
    report = queries.report_for_instance(instance_id, current_user)
    readable = documents.may_read(current_user, report)
    return render_template('inbox/report.html', report=report,
                           documents=documents.for_instance(instance_id) if readable else None,
                           outstanding=documents.outstanding(instance_id) if readable else ([], []),
                           may_regenerate=documents.may_regenerate(current_user, report),
                           follow_ups=follow_ups.for_instance(instance_id) if readable else [],
                           may_update_follow_ups=current_user.has_role(*follow_ups.UPDATERS),
                           done_form=FollowUpDoneForm(),
                           submissions=queries.submissions(instance_id),
                           open_tasks=queries.open_tasks(instance_id),
                           events=queries.instance_events(instance_id), action_form=TaskActionForm())


@bp.route('/laporan/<int:instance_id>/diagram.bpmn')
@login_required
def report_diagram(instance_id):
    """The diagram version this report runs on, for the viewer on the report page."""
    report = queries.report_for_instance(instance_id, current_user)
    return Response(report.instance.definition.bpmn_xml, mimetype='application/xml',
                    headers={'Cache-Control': 'private, max-age=3600',
                             'Content-Disposition': f'attachment; filename=sikanda-{instance_id}.bpmn'})


@bp.route('/lampiran/<int:attachment_id>')
@login_required
def attachment(attachment_id):
    row = queries.attachment_for(attachment_id, current_user)
    with unit_of_work():
        audit.record('attachment.viewed', current_user, instance_id=row.instance_id,
                     detail={'attachment_id': row.id})
    response = send_file(file_store.path(row.storage_name), mimetype=row.content_type,
                         download_name=f'lampiran-{row.id}{file_store.path(row.storage_name).suffix}')
    response.headers['X-Content-Type-Options'] = 'nosniff'
    response.headers['Cache-Control'] = 'private, no-store'
    return response


def _announce_documents(step):
    made, failed = step.made, step.failed
    if step.pending:
        flash('Dokumen ' + ', '.join(documents.KINDS[k] for k in step.pending)
              + ' sedang dibuat dan akan tampil di halaman laporan dalam satu-dua menit.', 'info')
    if made:
        flash('Dokumen dibuat: ' + ', '.join(f'{documents.KINDS[d.kind]} nomor {d.nomor}' for d in made) + '.', 'info')
    if failed:
        flash('Dokumen resmi belum dapat dibuat; sistem akan mencoba lagi dalam beberapa menit.', 'warning')


def _complete(form, action):
    """Run `action(submission)` in one unit of work; on a validation failure the form shows why."""
    try:
        with unit_of_work():
            return action(_submission(form))
    except ValidationFailed as exc:
        _add_errors(form, exc)
        return None


def _submission(form):
    config = current_app.config
    uploads = [Upload(f.filename, f.read()) for f in form.uploaded_files()] \
        if isinstance(form, LaporanInformasiForm) else []
    data = form.task_data()
    return workflow.Submission(data=data, photos=uploads, photo_caption=data.get('keterangan_foto'),
                               max_photo_bytes=config['MAX_PHOTO_BYTES'], max_photos=config['MAX_PHOTOS'])


def _add_errors(form, exc):
    for name, messages in exc.errors.items():
        if name in form:
            form[name].errors = list(form[name].errors) + list(messages)
        else:  # about the step as a whole (e.g. a document it requires): shown above the form
            form.form_errors.extend(messages)
    if not exc.errors:
        flash(exc.message, 'danger')


def _prefill(form, view):
    """Start from what is known: a returned report opens with the agent's last submission; other forms
    only with the fields they carry over from earlier steps (e.g. the source grading), never with an
    earlier pass's decision, method or note."""
    values = {}
    if view.letter and view.letter.data:  # e.g. the Notulen starts from the invitation's time and place
        values |= {k: v for k, v in view.letter.data.items() if k in form.carried_over}
    for submission in view.submissions:
        own_revision = form.revisable and submission.form_key == view.task.form_key
        values |= {k: v for k, v in submission.data.items() if own_revision or k in form.carried_over}
    if values:
        form.load_task_data(values)


def _render_form(template, form, **context):
    return render_template(template, form=form, **context), 422 if form.errors else 200
