"""Diagram versions over the API: list, upload a draft, deploy, download, compare; instance migration."""
from flask import Response, g, jsonify, request

from app.api import bp
from app.api.auth import token_required
from app.api.serialize import comparison_json, version_json
from app.diagrams.presenters import element_errors
from app.diagrams.upload import bpmn_body
from app.roles import DIAGRAM_READERS
from app.services import processes
from app.services.errors import PermissionDenied, ValidationFailed
from app.uow import unit_of_work
from forms import FORM_CATALOG


@bp.get('/processes/<process_id>/versions')
@token_required
def list_versions(process_id):
    _require_reader()
    return jsonify([version_json(d, running) for d, running in processes.versions(process_id)])


@bp.post('/processes/<process_id>/versions')
@token_required
def create_version(process_id):
    base = request.args.get('base_version', type=int)
    try:
        xml = bpmn_body()
        with unit_of_work():
            draft, created = processes.save_draft(process_id, xml, FORM_CATALOG, g.api_user, base_version=base,
                                                  expected_latest=base,
                                                  note=request.args.get('note'))
    except ValidationFailed as exc:
        return _diagram_errors(exc)
    return jsonify(version_json(draft, 0)), 201 if created else 200


@bp.post('/processes/<process_id>/versions/<int:version>/deploy')
@token_required
def deploy_version(process_id, version):
    try:
        with unit_of_work():
            deployed, _changed = processes.deploy(process_id, version, FORM_CATALOG, g.api_user)
    except ValidationFailed as exc:
        return _diagram_errors(exc)
    return jsonify(version_json(deployed, None))


@bp.get('/processes/<process_id>/versions/<int:version>/bpmn')
@token_required
def version_bpmn(process_id, version):
    definition = processes.definition(process_id, version)
    if not definition.deployed:
        _require_reader()
    return Response(definition.bpmn_xml, mimetype='application/xml',
                    headers={'Content-Disposition': f'attachment; filename="{process_id}-v{version}.bpmn"'})


@bp.get('/processes/<process_id>/versions/<int:version>/compare/<int:other>')
@token_required
def compare_versions(process_id, version, other):
    _require_reader()
    return jsonify(comparison_json(version, other, processes.compare(process_id, version, other)))


@bp.post('/instances/<int:instance_id>/migrate')
@token_required
def migrate_instance(instance_id):
    with unit_of_work():
        instance = processes.migrate_instance(instance_id, g.api_user)
    return jsonify({'id': instance.id, 'process_version': instance.definition.version})


def _require_reader():
    if not g.api_user.has_role(*DIAGRAM_READERS):
        raise PermissionDenied('Daftar versi diagram hanya untuk pemilik proses, administrator dan auditor')



def _diagram_errors(exc):
    return jsonify({'error': exc.message, 'status': 422, 'errors': element_errors(exc.errors)}), 422
