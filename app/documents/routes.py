import re

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app.auth.decorators import roles_required
from app.documents import bp
from app.documents.forms import DocumentSettingsForm, form_to_settings, settings_to_form_data
from app.extensions import file_store
from app.inbox.forms import TaskActionForm
from app.roles import ADMINISTRATOR, SUPERADMIN
from app.services import document_settings, documents, follow_ups, views
from app.services.errors import ValidationFailed
from app.timeutil import to_wita, utcnow
from app.uow import unit_of_work
from forms.documents import LETTER_FORMS, FollowUpDoneForm


@bp.route('/dokumen/<int:document_id>')
@login_required
def download(document_id):
    # the refusal is recorded too: committed before the 403 is raised
    with unit_of_work():
        result = documents.open_for_download(document_id, current_user)
    if not result.allowed:
        abort(403)
    document = result.document
    filename = re.sub(r'[^A-Za-z0-9._-]', '_', f'{document.kind}-{document.nomor}-v{document.version}.pdf')
    response = send_file(file_store.path(document.storage_name), mimetype='application/pdf',
                         download_name=filename, as_attachment=request.args.get('unduh') == '1')
    response.headers['Cache-Control'] = 'private, no-store'
    return response


@bp.route('/dokumen/<int:document_id>/buat-ulang', methods=['POST'])
@roles_required(ADMINISTRATOR)
def regenerate(document_id):
    if TaskActionForm().validate_on_submit():
        with unit_of_work():
            document = documents.regenerate(document_id, current_user)
            instance_id, title = document.instance_id, f'{documents.KINDS[document.kind]} versi {document.version}'
        flash(f'{title} dibuat; versi sebelumnya tetap tersimpan.', 'success')
        return redirect(url_for('inbox.report', instance_id=instance_id, _anchor='dokumen'))
    abort(400)


@bp.route('/tugas/<int:task_id>/surat', methods=['GET', 'POST'])
@login_required
def letter(task_id):
    view = views.task_view(task_id, current_user)
    kind = view.letter_kind   # None unless this step requires a letter and the decision asked for one
    if kind is None:
        abort(404)
    form = LETTER_FORMS[kind]()
    previous = documents.latest(view.task.instance_id, kind)
    if request.method == 'GET' and previous and previous.data:
        form.load_task_data(previous.data)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                document = documents.generate(view.task.instance_id, kind, current_user, data=form.task_data())
                message = f'{documents.KINDS[kind]} nomor {document.nomor} dibuat (versi {document.version}).'
            flash(message + ' Unduh, cetak dan tandatangani; lalu lanjutkan tahap ini.', 'success')
            return redirect(url_for('inbox.task', task_id=task_id))
        except ValidationFailed as exc:
            flash(exc.message, 'danger')
    return render_template('documents/letter.html', form=form, view=view, kind=kind, title=documents.KINDS[kind],
                           previous=previous), 422 if form.errors else 200


@bp.route('/tindak-lanjut')
@roles_required(*follow_ups.READERS)
def follow_up_list():
    status = request.args.get('status', 'terbuka')
    status = status if status in follow_ups.FILTERS else 'terbuka'
    return render_template('documents/follow_ups.html', rows=follow_ups.listing(current_user, status), status=status,
                           done_form=FollowUpDoneForm(), may_update=current_user.has_role(*follow_ups.UPDATERS))


@bp.route('/tindak-lanjut/<int:action_id>/selesai', methods=['POST'])
@roles_required(*follow_ups.UPDATERS)
def follow_up_done(action_id):
    form = FollowUpDoneForm()
    if not form.validate_on_submit():
        flash('Tindak lanjut belum ditandai: ' + ' '.join(sum(form.errors.values(), [])), 'danger')
        return redirect(_local_path(request.form.get('kembali', '')) or url_for('documents.follow_up_list'))
    with unit_of_work():
        action = follow_ups.mark_done(action_id, current_user, (form.catatan.data or '').strip())
        message = f'Tindak lanjut "{action.tindakan}" ditandai selesai.'
    flash(message, 'success')
    return redirect(_local_path(request.form.get('kembali', '')) or url_for('documents.follow_up_list'))


@bp.route('/pengaturan/dokumen', methods=['GET', 'POST'])
@roles_required(SUPERADMIN)
def settings():
    form = DocumentSettingsForm()
    if request.method == 'GET':
        form.process(data=settings_to_form_data(document_settings.current(), document_settings.version()))
    elif form.validate_on_submit():
        try:
            with unit_of_work():
                document_settings.save(form_to_settings(form), current_user, _version(form.version.data))
            flash('Pengaturan dokumen disimpan. Dokumen berikutnya memakai pengaturan ini.', 'success')
            return redirect(url_for('documents.settings'))
        except ValidationFailed as exc:
            for name, messages in exc.errors.items():
                form[name.replace('-', '_')].pola.errors = list(messages)
    return render_template('documents/settings.html', form=form, example=_examples(form)), \
        422 if form.errors else 200


def _local_path(value):
    """`value` if it is a path on this site (the page a form came from), else None: never an address
    elsewhere, including the forms browsers read as one (//host, /\\host, control characters)."""
    if re.fullmatch(r'/[A-Za-z0-9/_.?=&%-]*', value) and not value.startswith('//'):
        return value
    return None


def _version(text):
    try:
        return int(text or 0)
    except ValueError:
        abort(400)


def _examples(form):
    """How each pattern would number today's first document, shown beside the field."""
    today = to_wita(utcnow())
    examples = {}
    for kind in documents.KINDS:
        part = form[f'penomoran_{kind}']
        pattern = part.pola.data or ''
        if not document_settings.pattern_problem(pattern):
            examples[kind] = document_settings.format_number(pattern, part.kode.data or '', 1, today)
    return examples
