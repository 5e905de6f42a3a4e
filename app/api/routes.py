from flask import current_app, g, jsonify, request, url_for
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from app.api import bp
from app.api.auth import Unauthorized, bearer_token, token_required
from app.api.openapi import openapi_document
from app.api.serialize import document_json, event_json, instance_json, task_json
from app.auth.limits import login_limited, note_failed_login
from app.request_guards import int_arg
from app.services import audit, queries, users, views, workflow
from app.services.attachments import Upload
from app.services.errors import ValidationFailed
from app.step_documents import after_step
from app.uow import unit_of_work
from forms import LaporanInformasiForm, form_for_task
from forms.documents import LETTER_FORMS


@bp.post('/auth/token')
@login_limited
def issue_token():
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    with unit_of_work():
        user = users.authenticate(str(body.get('username', '')), str(body.get('password', '')))
        if user is None:
            audit.record('auth.login_failed', detail={'username': str(body.get('username', ''))[:64],
                                                      'ip': request.remote_addr, 'channel': 'api'})
        else:
            token = users.issue_token(user, current_app.config['API_TOKEN_HOURS'])
            audit.record('auth.token_issued', user, detail={'ip': request.remote_addr})
    if user is None:
        note_failed_login()
        raise Unauthorized('Nama pengguna atau kata sandi salah')
    return jsonify({'token': token, 'token_type': 'Bearer',
                    'expires_in': current_app.config['API_TOKEN_HOURS'] * 3600})


@bp.delete('/auth/token')
@token_required
def revoke_token():
    """The client's logout: the token it presents stops working at once."""
    with unit_of_work():
        users.revoke_token(bearer_token(), g.api_user)
    return '', 204


@bp.get('/me')
@token_required
def me():
    return jsonify({'username': g.api_user.username, 'full_name': g.api_user.full_name,
                    'roles': g.api_user.role_codes})


@bp.post('/processes/<process_id>/instances')
@token_required
def start_instance(process_id):
    with unit_of_work():
        instance = workflow.start_report(g.api_user, process_id)
    return jsonify(_instance(instance.id)), 201


MAX_TASKS_PER_PAGE = 200


@bp.get('/tasks')
@token_required
def list_tasks():
    """One page of the caller's inbox (`limit`, `offset`); a `Link: rel="next"` header when there is more."""
    limit = int_arg('limit', queries.INBOX_PAGE_SIZE, 1, MAX_TASKS_PER_PAGE)
    offset = int_arg('offset', 0, 0, queries.MAX_INBOX_OFFSET)
    rows, has_next = queries.inbox_page(g.api_user, offset, limit)
    response = jsonify([task_json(task) for task, _report in rows])
    if has_next:
        response.headers['Link'] = f'<{url_for("api.list_tasks", limit=limit, offset=offset + limit)}>; rel="next"'
    return response


@bp.get('/tasks/<int:task_id>')
@token_required
def get_task(task_id):
    view = views.task_view(task_id, g.api_user)
    letter = None
    if view.letter_kind:  # the step needs its letter first: POST /tasks/<id>/letter
        letter = {'kind': view.letter_kind, 'document': document_json(view.letter) if view.letter else None,
                  'fields': LETTER_FORMS[view.letter_kind].describe()}
    return jsonify(task_json(view.task) | {'fields': form_for_task(view.task).describe(),
                                           'report_nomor': view.report.nomor, 'letter': letter})


@bp.post('/tasks/<int:task_id>/claim')
@token_required
def claim_task(task_id):
    return _task_action(workflow.claim_task, task_id)


@bp.post('/tasks/<int:task_id>/release')
@token_required
def release_task(task_id):
    return _task_action(workflow.release_task, task_id)


def _task_action(action, task_id):
    with unit_of_work():
        task = action(task_id, g.api_user)
    return jsonify(task_json(task))


@bp.post('/tasks/<int:task_id>/complete')
@token_required
def complete_task(task_id):
    view = views.task_view(task_id, g.api_user)
    form = form_for_task(view.task)(formdata=form_input(), meta={'csrf': False})
    uploads = []
    if isinstance(form, LaporanInformasiForm):
        form.existing_photos = view.photo_count
    if not form.validate():
        raise ValidationFailed('Data tidak valid', form.errors)
    if isinstance(form, LaporanInformasiForm):
        uploads = [Upload(f.filename, f.read()) for f in form.uploaded_files()]
    data = form.task_data()
    config = current_app.config
    submission = workflow.Submission(data=data, photos=uploads, photo_caption=data.get('keterangan_foto'),
                                     max_photo_bytes=config['MAX_PHOTO_BYTES'], max_photos=config['MAX_PHOTOS'])
    instance_id, form_key = view.task.instance_id, view.task.form_key
    with unit_of_work():
        instance = workflow.complete_task(task_id, g.api_user, submission)
        # the reply is what this transaction wrote, read before the commit expires it; the instance
        # held here keeps itself and its diagram version in the session, so they are not read again
        reply = {'instance': _instance(instance.id)}
    step = after_step(instance_id, form_key, data, g.api_user)
    return jsonify(reply | {'documents': [document_json(d) for d in step.made], 'documents_pending': step.pending})


@bp.get('/instances/<int:instance_id>')
@token_required
def get_instance(instance_id):
    queries.report_for_instance(instance_id, g.api_user)
    return jsonify(_instance(instance_id))


@bp.get('/instances/<int:instance_id>/history')
@token_required
def instance_history(instance_id):
    queries.report_for_instance(instance_id, g.api_user)
    return jsonify([event_json(e) for e in queries.instance_events(instance_id)])


@bp.get('/openapi.json')
def openapi():
    return jsonify(openapi_document())


def _instance(instance_id):
    report = queries.report_with_reporter(instance_id)
    return instance_json(report.instance, report, queries.open_tasks(instance_id))


def form_input():
    """Multipart as sent; JSON flattened to the strings a browser form would send."""
    if not request.is_json:
        return CombinedMultiDict([request.files, request.form])
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed('Badan permintaan harus objek JSON', {'_body': ['Harus objek JSON']})
    pairs = []
    for key, value in body.items():
        if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            # rows of a list field: [{"tindakan": …}, …] -> rencana_tindak_lanjut-0-tindakan=…
            pairs += [(f'{key}-{index}-{name}', str(cell)) for index, row in enumerate(value)
                      for name, cell in row.items() if cell is not None]
            continue
        for item in value if isinstance(value, list) else [value]:
            if item is None or item is False:
                continue
            pairs.append((key, 'y' if item is True else str(item)))
    return MultiDict(pairs)
