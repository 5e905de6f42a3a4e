"""Diagram pages: version list, one version, comparison, the browser editor; deploy and migration."""
from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.decorators import roles_required
from app.diagrams import bp
from app.diagrams.presenters import dry_run_summary, element_errors
from app.diagrams.upload import bpmn_body
from app.inbox.forms import TaskActionForm
from app.request_guards import int_arg
from app.roles import ADMINISTRATOR, DIAGRAM_READERS, PEMILIK_PROSES
from app.security_headers import editor_policy
from app.services import processes, queries
from app.services.errors import ServiceError, ValidationFailed
from app.uow import unit_of_work
from forms import FORM_CATALOG


@bp.route('/proses/<process_id>/versi')
@roles_required(*DIAGRAM_READERS)
def versions(process_id):
    rows = processes.versions(process_id)
    if not rows:
        abort(404)
    deployed_version = next((d.version for d, _running in rows if d.deployed), 0)
    return render_template('diagrams/versions.html', process_id=process_id, rows=rows,
                           deployed_version=deployed_version, action_form=TaskActionForm())


@bp.route('/proses/<process_id>/versi/<int:version>')
@roles_required(*DIAGRAM_READERS)
def version(process_id, version):
    definition = processes.definition(process_id, version)
    return render_template('diagrams/version.html', definition=definition, action_form=TaskActionForm(),
                           running=processes.running_reports(definition.id),
                           running_count=processes.running_count(definition.id),
                           deployed=processes.deployed_definition(process_id))


@bp.route('/proses/<process_id>/versi/<int:version>/diagram.bpmn')
@login_required
def version_bpmn(process_id, version):
    definition = processes.definition(process_id, version)
    if not definition.deployed and not current_user.has_role(*DIAGRAM_READERS):
        abort(403)
    download = request.args.get('unduh') == '1'
    headers = {'Content-Disposition': f'attachment; filename="{process_id}-v{version}.bpmn"'} if download else {}
    return Response(definition.bpmn_xml, mimetype='application/xml', headers=headers)


@bp.route('/proses/<process_id>/bandingkan')
@roles_required(*DIAGRAM_READERS)
def compare(process_id):
    old, new = int_arg('dari', None), int_arg('ke', None)
    if old is None or new is None:
        return redirect(url_for('diagrams.versions', process_id=process_id))
    return render_template('diagrams/compare.html', process_id=process_id, old=old, new=new,
                           comparison=processes.compare(process_id, old, new),
                           describe_changes=processes.describe_changes)


@bp.route('/proses/<process_id>/editor')
@roles_required(PEMILIK_PROSES)
@editor_policy
def editor(process_id):
    latest = processes.latest_definition(process_id)
    if latest is None:
        abort(404)
    opened = processes.definition(process_id, int_arg('versi', latest.version))
    return render_template('diagrams/editor.html', process_id=process_id, opened=opened, latest=latest,
                           forms=FORM_CATALOG.labels(), action_form=TaskActionForm())


@bp.route('/proses/<process_id>/periksa', methods=['POST'])
@roles_required(PEMILIK_PROSES)
def check(process_id):
    try:
        check = processes.check_candidate(bpmn_body(), process_id, FORM_CATALOG)
    except ValidationFailed as exc:
        return jsonify({'error': exc.message, 'errors': element_errors(exc.errors)}), 422
    return jsonify({'ok': check.ok, 'errors': element_errors(check.problems),
                    'dry_run': dry_run_summary(check.dry_run)}), 200 if check.ok else 422


@bp.route('/proses/<process_id>/versi', methods=['POST'])
@roles_required(PEMILIK_PROSES)
def save(process_id):
    try:
        xml = bpmn_body()
        with unit_of_work():
            draft, created = processes.save_draft(
                process_id, xml, FORM_CATALOG, current_user, base_version=int_arg('dasar', None),
                expected_latest=int_arg('terbaru', None), note=request.args.get('catatan'))
            page = url_for('diagrams.version', process_id=process_id, version=draft.version)
            result = {'version': draft.version, 'created': created, 'url': page, 'sha256': draft.sha256,
                      'deploy_url': url_for('diagrams.deploy', process_id=process_id, version=draft.version)}
    except ValidationFailed as exc:
        return jsonify({'error': exc.message, 'errors': element_errors(exc.errors)}), 422
    return jsonify(result), 201 if created else 200


@bp.route('/proses/<process_id>/versi/<int:version>/deploy', methods=['POST'])
@roles_required(PEMILIK_PROSES)
def deploy(process_id, version):
    if not TaskActionForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            definition, changed = processes.deploy(process_id, version, FORM_CATALOG, current_user)
    except ValidationFailed as exc:
        flash(f'{exc.message}. Buka versi ini di editor untuk melihat kesalahannya.', 'danger')
        return redirect(url_for('diagrams.version', process_id=process_id, version=version))
    if changed:
        flash(f'Versi {definition.version} sekarang aktif: laporan baru memakai versi ini. '
              'Laporan yang sedang berjalan tetap pada versinya.', 'success')
    else:
        flash(f'Versi {definition.version} sudah aktif.', 'info')
    return redirect(url_for('diagrams.versions', process_id=process_id))


@bp.route('/laporan/<int:instance_id>/pindah-versi', methods=['POST'])
@roles_required(ADMINISTRATOR)
def migrate(instance_id):
    if not TaskActionForm().validate_on_submit():
        abort(400)
    queries.report_for_instance(instance_id, current_user)
    try:
        with unit_of_work():
            version = processes.migrate_instance(instance_id, current_user).definition.version
    except ServiceError as exc:
        flash(exc.message, 'danger')
    else:
        flash(f'Laporan dipindahkan ke versi SOP {version}.', 'success')
    return redirect(url_for('inbox.report', instance_id=instance_id))
