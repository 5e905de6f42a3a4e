"""Diagram versions through the API and the pages: drafts, deploy, rollback, comparison, migration, access."""
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import helpers

SHIPPED = (Path(__file__).resolve().parents[1] / 'bpmn' / 'sikanda.bpmn').read_text()
RENAMED_PUBLIKASI = SHIPPED.replace('name="Publikasi Laporan"', 'name="Publikasi Cepat"')
FASTER_VERIFIKASI = SHIPPED.replace('name="Verifikasi Laporan"', 'name="Verifikasi Cepat"').replace(
    '<camunda:property name="sla" value="PT2H"/>', '<camunda:property name="sla" value="PT3H"/>')
NON_OWNERS = ['agen1', 'verifikator1', 'administrator1', 'pimpinan1', 'auditor1', 'superadmin1']


@pytest.fixture
def owner(client):
    return helpers.Api(client, 'pemilikproses1')


def upload(api, xml, **params):
    query = '&'.join(f'{k}={v}' for k, v in params.items())
    return api.client.post(f'/api/v1/processes/sikanda/versions?{query}', data=xml.encode(),
                           headers=api.headers, content_type='application/xml')


def versions(api):
    response = api.get('/processes/sikanda/versions')
    assert response.status_code == 200
    return {v['version']: v for v in response.get_json()}


def audit_events(app, action):
    from app.extensions import db
    from app.models import AuditEvent
    with app.app_context():
        events = db.session.execute(select(AuditEvent).where(AuditEvent.action == action)
                                    .order_by(AuditEvent.id)).scalars().all()
        result = [(e.actor_username, e.role, e.instance_id, e.detail) for e in events]
        db.session.remove()
    return result


def open_task(api, instance_id):
    tasks = api.get(f'/instances/{instance_id}').get_json()['tasks']
    assert len(tasks) == 1
    return tasks[0]


def test_saving_a_draft_stores_a_new_version_that_nothing_runs_yet(app, client, owner):
    response = upload(owner, RENAMED_PUBLIKASI, base_version=1, note='Nama lebih singkat')
    assert response.status_code == 201, response.get_json()
    draft = response.get_json()
    assert (draft['version'], draft['deployed'], draft['base_version'], draft['note']) == (
        2, False, 1, 'Nama lebih singkat')
    listed = versions(owner)
    assert listed[1]['deployed'] and not listed[2]['deployed']
    assert listed[2]['author'] == 'pemilikproses1' and len(listed[2]['sha256']) == 64
    assert audit_events(app, 'diagram.saved') == [('pemilikproses1', 'pemilik_proses', None, {
        'process_id': 'sikanda', 'version': 2, 'sha256': draft['sha256']})]
    # new reports still start on the deployed version 1
    instance = helpers.Api(client, 'agen1').start()
    assert instance['process_version'] == 1


def test_saving_the_same_diagram_again_creates_nothing(client, owner):
    assert upload(owner, RENAMED_PUBLIKASI).status_code == 201
    again = upload(owner, RENAMED_PUBLIKASI)
    assert again.status_code == 200 and again.get_json()['version'] == 2
    assert sorted(versions(owner)) == [1, 2]


def test_saving_on_a_stale_version_is_a_conflict_not_an_overwrite(app, client, owner):
    assert upload(owner, RENAMED_PUBLIKASI, base_version=1).status_code == 201
    stale = upload(owner, FASTER_VERIFIKASI, base_version=1)
    assert stale.status_code == 409
    assert 'Versi 2 sudah disimpan' in stale.get_json()['error']
    assert sorted(versions(owner)) == [1, 2]
    assert len(audit_events(app, 'diagram.saved')) == 1


def test_refused_diagram_lists_errors_per_element(client, owner):
    response = upload(owner, SHIPPED.replace('name="Verifikator"', 'name="Bendahara"'))
    assert response.status_code == 422
    assert response.get_json()['errors'] == [
        {'element_id': 'Lane_Verifikator', 'message': 'Lajur "Bendahara" bukan peran SIKANDA'},
        {'element_id': 'Task_Verifikasi', 'message': 'Lajur "Bendahara" bukan peran SIKANDA'}]


def test_a_time_standard_must_be_an_iso_duration(client, owner):
    response = upload(owner, SHIPPED.replace('value="PT2H"', 'value="2 jam"'))
    assert response.status_code == 422
    assert response.get_json()['errors'] == [
        {'element_id': 'Task_Verifikasi', 'message': 'Standar waktu "2 jam" bukan durasi ISO-8601'}]


def test_an_empty_lane_must_still_be_a_role_and_the_file_utf8(client, owner):
    extra_lane = SHIPPED.replace('</bpmn:laneSet>',
                                 '  <bpmn:lane id="Lane_Kosong" name="Bendahara"/>\n    </bpmn:laneSet>')
    response = upload(owner, extra_lane)
    assert response.status_code == 422
    assert response.get_json()['errors'] == [
        {'element_id': 'Lane_Kosong', 'message': 'Lajur "Bendahara" bukan peran SIKANDA'}]
    latin1 = owner.client.post('/api/v1/processes/sikanda/versions', headers=owner.headers,
                               content_type='application/xml', data=SHIPPED.replace(
                                   'encoding="UTF-8"', 'encoding="ISO-8859-1"').replace(
                                   'Publikasi Laporan', 'Publikasi Laporan é').encode('latin-1'))
    assert latin1.status_code == 422
    assert latin1.get_json()['errors'] == [{'element_id': None, 'message': 'Berkas BPMN harus berenkode UTF-8'}]


def test_deploy_moves_new_reports_and_leaves_running_ones_on_their_version(app, client, owner):
    agent, verifier = helpers.Api(client, 'agen1'), helpers.Api(client, 'verifikator1')
    old = agent.file_report()
    assert upload(owner, FASTER_VERIFIKASI).status_code == 201
    deployed = owner.post('/processes/sikanda/versions/2/deploy')
    assert deployed.status_code == 200 and deployed.get_json()['deployed']
    new = agent.file_report()
    new_task, old_task = open_task(verifier, new['id']), open_task(verifier, old['id'])
    assert (new['process_version'], new_task['name']) == (2, 'Verifikasi Cepat')
    assert (old['process_version'], old_task['name']) == (1, 'Verifikasi Laporan')
    assert helpers.hours_between(new_task['created_at'], new_task['due_at']) == 3
    assert helpers.hours_between(old_task['created_at'], old_task['due_at']) == 2
    listed = versions(owner)
    assert (listed[1]['running_instances'], listed[2]['running_instances']) == (1, 1)
    assert not listed[1]['deployed'] and listed[2]['deployed']
    # the old report finishes on version 1
    assert verifier.complete_only_task(old['id'], helpers.VERIFY_REJECT).status_code == 200
    finished = verifier.get(f'/instances/{old["id"]}').get_json()
    assert (finished['status'], finished['process_version'], finished['result']) == ('selesai', 1, 'Ditolak')
    assert audit_events(app, 'diagram.deployed')[-1][3]['previous_version'] == 1


def test_deploying_an_older_version_is_a_rollback(app, client, owner):
    assert upload(owner, RENAMED_PUBLIKASI).status_code == 201
    assert owner.post('/processes/sikanda/versions/2/deploy').status_code == 200
    assert owner.post('/processes/sikanda/versions/1/deploy').status_code == 200
    listed = versions(owner)
    assert listed[1]['deployed'] and not listed[2]['deployed']
    (actor, role, _instance, detail), = audit_events(app, 'diagram.rolled_back')
    assert (actor, role, detail['version'], detail['previous_version']) == ('pemilikproses1', 'pemilik_proses', 1, 2)
    assert len(detail['sha256']) == 64
    assert helpers.Api(client, 'agen1').start()['process_version'] == 1
    # deploying the active version again changes nothing and records nothing
    assert owner.post('/processes/sikanda/versions/1/deploy').status_code == 200
    assert len(audit_events(app, 'diagram.rolled_back')) == 1


def test_compare_lists_changed_elements(client, owner):
    assert upload(owner, FASTER_VERIFIKASI).status_code == 201
    comparison = owner.get('/processes/sikanda/versions/1/compare/2').get_json()
    assert comparison['added'] == [] and comparison['removed'] == []
    assert comparison['changed'] == [{'element_id': 'Task_Verifikasi', 'name': 'Verifikasi Laporan',
                                      'attributes': ['bpmn_name', 'extensions']}]


def test_deployed_diagram_is_readable_by_everyone_drafts_only_by_diagram_readers(client, owner):
    assert upload(owner, RENAMED_PUBLIKASI).status_code == 201
    agent, auditor = helpers.Api(client, 'agen1'), helpers.Api(client, 'auditor1')
    deployed = agent.get('/processes/sikanda/versions/1/bpmn')
    assert deployed.status_code == 200 and deployed.mimetype == 'application/xml'
    assert deployed.get_data(as_text=True) == SHIPPED
    assert agent.get('/processes/sikanda/versions/2/bpmn').status_code == 403
    assert agent.get('/processes/sikanda/versions').status_code == 403
    assert 'Publikasi Cepat' in auditor.get('/processes/sikanda/versions/2/bpmn').get_data(as_text=True)


@pytest.mark.parametrize('username', NON_OWNERS)
def test_only_process_owners_write_diagrams(app, client, owner, username):
    assert upload(owner, RENAMED_PUBLIKASI).status_code == 201
    api = helpers.Api(app.test_client(), username)
    assert upload(api, FASTER_VERIFIKASI).status_code == 403
    assert api.post('/processes/sikanda/versions/2/deploy').status_code == 403
    web = app.test_client()
    helpers.web_login(web, username)
    token = helpers.csrf_from(web.get('/tugas').get_data(as_text=True))
    assert web.get('/proses/sikanda/editor').status_code == 403
    for url in ('/proses/sikanda/versi', '/proses/sikanda/periksa'):
        response = web.post(url, data=FASTER_VERIFIKASI.encode(), content_type='application/xml',
                            headers={'X-CSRFToken': token})
        assert response.status_code == 403, url
    assert web.post('/proses/sikanda/versi/2/deploy', data={'csrf_token': token}).status_code == 403
    assert sorted(versions(owner)) == [1, 2] and versions(owner)[1]['deployed']


def test_check_refuses_an_oversized_body_with_a_list_of_errors(client, owner):
    helpers.web_login(client, 'pemilikproses1')
    token = helpers.csrf_from(client.get('/proses/sikanda/editor').get_data(as_text=True))
    response = client.post('/proses/sikanda/periksa', data=b'<' * 2_000_001, content_type='application/xml',
                           headers={'X-CSRFToken': token, 'Accept': 'application/json'})
    assert response.status_code == 422
    assert response.get_json()['errors'] == [{'element_id': None, 'message': 'Berkas BPMN melebihi batas 2000000 byte'}]


def test_editor_posts_need_the_csrf_token(client, owner):
    helpers.web_login(client, 'pemilikproses1')
    assert client.post('/proses/sikanda/versi', data=RENAMED_PUBLIKASI.encode(),
                       content_type='application/xml').status_code == 400
    assert client.post('/proses/sikanda/versi/1/deploy').status_code == 400
    assert sorted(versions(owner)) == [1]


def test_editor_save_and_check_from_the_page(app, client, owner):
    helpers.web_login(client, 'pemilikproses1')
    page = client.get('/proses/sikanda/editor')
    assert page.status_code == 200 and 'Pengaturan langkah SIKANDA' in page.get_data(as_text=True)
    headers = {'X-CSRFToken': helpers.csrf_from(page.get_data(as_text=True)), 'Accept': 'application/json'}
    checked = client.post('/proses/sikanda/periksa', data=FASTER_VERIFIKASI.encode(),
                          content_type='application/xml', headers=headers)
    assert checked.status_code == 200
    dry_run = checked.get_json()['dry_run']
    assert dry_run['paths'] > 10 and dry_run['unreached'] == [] and 'gagal' not in dry_run['outcomes']
    assert sorted(versions(owner)) == [1]  # checking stores nothing
    saved = client.post('/proses/sikanda/versi?dasar=1&terbaru=1&catatan=Lebih+cepat',
                        data=FASTER_VERIFIKASI.encode(), content_type='application/xml', headers=headers)
    assert saved.status_code == 201 and saved.get_json()['version'] == 2
    stale = client.post('/proses/sikanda/versi?dasar=1&terbaru=1', data=RENAMED_PUBLIKASI.encode(),
                        content_type='application/xml', headers=headers)
    assert stale.status_code == 409 and 'Muat ulang editor' in stale.get_json()['error']
    deployed = client.post('/proses/sikanda/versi/2/deploy', data={'csrf_token': headers['X-CSRFToken']},
                           follow_redirects=True)
    assert 'Versi 2 sekarang aktif' in deployed.get_data(as_text=True)
    compare = client.get('/proses/sikanda/bandingkan?dari=1&ke=2').get_data(as_text=True)
    assert 'Verifikasi Laporan' in compare and 'nama, properti (standar waktu)' in compare


def test_migration_moves_a_waiting_report_to_the_deployed_version(app, client, owner):
    from app.extensions import db
    from app.models import HumanTask
    agent, verifier = helpers.Api(client, 'agen1'), helpers.Api(client, 'verifikator1')
    waiting = agent.file_report()
    assert upload(owner, RENAMED_PUBLIKASI).status_code == 201
    assert owner.post('/processes/sikanda/versions/2/deploy').status_code == 200
    admin = helpers.Api(client, 'administrator1')
    response = admin.post(f'/instances/{waiting["id"]}/migrate')
    assert response.status_code == 200 and response.get_json()['process_version'] == 2
    (actor, role, instance_id, detail), = audit_events(app, 'instance.migrated')
    assert (actor, role, instance_id, detail['from_version'], detail['to_version']) == (
        'administrator1', 'administrator', waiting['id'], 1, 2)
    with app.app_context():
        rows = db.session.execute(select(HumanTask.status).where(HumanTask.instance_id == waiting['id'])).all()
        db.session.remove()
    assert sorted(r[0] for r in rows) == ['selesai', 'terbuka']  # the same open task, not a second one
    assert verifier.complete_only_task(waiting['id'], helpers.VERIFY_YES).status_code == 200
    assert open_task(admin, waiting['id'])['name'] == 'Publikasi Cepat'
    again = admin.post(f'/instances/{waiting["id"]}/migrate')
    assert again.status_code == 422 and 'sudah berjalan pada versi 2' in again.get_json()['error']


def test_migration_from_the_report_page_names_the_new_version(client, owner):
    waiting = helpers.Api(client, 'agen1').file_report()
    assert upload(owner, RENAMED_PUBLIKASI).status_code == 201
    assert owner.post('/processes/sikanda/versions/2/deploy').status_code == 200
    helpers.web_login(client, 'administrator1')
    page = client.get(f'/laporan/{waiting["id"]}').get_data(as_text=True)
    assert 'Pindahkan ke versi SOP yang aktif' in page
    moved = client.post(f'/laporan/{waiting["id"]}/pindah-versi', data={'csrf_token': helpers.csrf_from(page)},
                        follow_redirects=True).get_data(as_text=True)
    assert 'Laporan dipindahkan ke versi SOP 2.' in moved
    assert 'sikanda versi 2 (aktif)' in moved


def test_migration_is_refused_with_the_reason_when_the_current_step_changed(app, client, owner):
    waiting = helpers.Api(client, 'agen1').file_report()
    assert upload(owner, FASTER_VERIFIKASI).status_code == 201
    assert owner.post('/processes/sikanda/versions/2/deploy').status_code == 200
    admin = helpers.Api(client, 'administrator1')
    refused = admin.post(f'/instances/{waiting["id"]}/migrate')
    assert refused.status_code == 422
    assert refused.get_json()['error'] == ('Tidak dapat dipindahkan ke versi 2: Langkah saat ini "Verifikasi Laporan" '
                                           'berubah di versi baru (nama, properti (standar waktu))')
    assert admin.get(f'/instances/{waiting["id"]}').get_json()['process_version'] == 1
    assert audit_events(app, 'instance.migrated') == []
    # the page says the same
    helpers.web_login(client, 'administrator1')
    page = client.get(f'/laporan/{waiting["id"]}')
    token = helpers.csrf_from(page.get_data(as_text=True))
    shown = client.post(f'/laporan/{waiting["id"]}/pindah-versi', data={'csrf_token': token}, follow_redirects=True)
    assert 'berubah di versi baru' in shown.get_data(as_text=True)


@pytest.mark.parametrize('username', ['pemilikproses1', 'verifikator1', 'auditor1', 'superadmin1'])
def test_only_administrators_migrate(client, owner, username):
    waiting = helpers.Api(client, 'agen1').file_report()
    assert upload(owner, RENAMED_PUBLIKASI).status_code == 201
    assert owner.post('/processes/sikanda/versions/2/deploy').status_code == 200
    assert helpers.Api(client, username).post(f'/instances/{waiting["id"]}/migrate').status_code == 403


def test_version_pages_show_versions_and_running_reports(client, owner):
    helpers.Api(client, 'agen1').file_report()
    assert upload(owner, RENAMED_PUBLIKASI, note='Ganti nama').status_code == 201
    helpers.web_login(client, 'auditor1')
    listing = client.get('/proses/sikanda/versi').get_data(as_text=True)
    assert 'Versi 2' in listing and 'Ganti nama' in listing and 'Draf' in listing and 'Aktif' in listing
    assert 'Buka editor' not in listing and 'Deploy versi' not in listing  # read-only for auditors
    version = client.get('/proses/sikanda/versi/1').get_data(as_text=True)
    assert 'Laporan yang berjalan pada versi ini (1)' in version
    assert client.get('/proses/sikanda/versi/9').status_code == 404
