"""Official documents over the API: a step's letter, the list of an instance's documents, one document's PDF."""
from flask import abort, g, jsonify, send_file

from app.api import bp
from app.api.auth import token_required
from app.api.routes import form_input
from app.api.serialize import document_json
from app.extensions import file_store
from app.services import documents, queries, views
from app.services.errors import NotFoundError, PermissionDenied, ValidationFailed
from app.uow import unit_of_work
from forms.documents import LETTER_FORMS


@bp.get('/instances/<int:instance_id>/documents')
@token_required
def instance_documents(instance_id):
    report = queries.report_for_instance(instance_id, g.api_user)
    if not documents.may_read(g.api_user, report):
        raise PermissionDenied('Dokumen resmi hanya untuk pejabat yang berhak membaca laporan ini')
    return jsonify([document_json(d) for d in documents.for_instance(instance_id)])


@bp.post('/tasks/<int:task_id>/letter')
@token_required
def create_letter(task_id):
    """The letter a step requires (Surat Undangan or Surat Perintah Tugas); again = a new version."""
    view = views.task_view(task_id, g.api_user)
    if view.letter_kind is None:
        raise NotFoundError('Tahap ini tidak memerlukan surat')
    form = LETTER_FORMS[view.letter_kind](formdata=form_input(), meta={'csrf': False})
    if not form.validate():
        raise ValidationFailed('Data surat tidak valid', form.errors)
    with unit_of_work():
        document = documents.generate(view.task.instance_id, view.letter_kind, g.api_user, data=form.task_data())
        body = document_json(document)
    return jsonify(body), 201


@bp.get('/documents/<int:document_id>')
@token_required
def document_pdf(document_id):
    with unit_of_work():  # a refused download is recorded as well
        result = documents.open_for_download(document_id, g.api_user)
    if not result.allowed:
        abort(403)
    document = result.document
    response = send_file(file_store.path(document.storage_name), mimetype='application/pdf',
                         download_name=f'{document.kind}-v{document.version}.pdf', as_attachment=True)
    response.headers['Cache-Control'] = 'private, no-store'
    response.headers['X-Document-SHA256'] = document.sha256
    return response
