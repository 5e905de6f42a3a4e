"""The JSON API v1 over HTTP: tokens, the SOP paths, errors, and the OpenAPI description."""
import io

import pytest

from tests import helpers
from tests.helpers import Api


def drive(client, steps, agent='agen1'):
    """File a report, then complete one task per (username, data) step; returns the instance JSON."""
    instance = Api(client, agent).file_report()
    for username, data in steps:
        if data is helpers.RAKOR:  # the rakor step requires its invitation letter first
            assert Api(client, username).create_letter(instance['id']).status_code == 201
        response = Api(client, username).complete_only_task(instance['id'], data)
        assert response.status_code == 200, response.get_json()
        instance = response.get_json()['instance']
    return instance


def test_token_and_me(client):
    assert client.post('/api/v1/auth/token', json={'username': 'agen1', 'password': 'salah'}).status_code == 401
    assert client.post('/api/v1/auth/token', json={}).status_code == 401
    api = Api(client, 'verifikator1')
    assert api.get('/me').get_json() == {'username': 'verifikator1', 'full_name': 'Rudi Hartono',
                                         'roles': ['verifikator']}
    assert client.get('/api/v1/me').status_code == 401
    assert client.get('/api/v1/me', headers={'Authorization': 'Bearer palsu'}).status_code == 401


def test_session_cookie_is_not_accepted_by_the_api(client):
    helpers.web_login(client, 'agen1')
    assert client.get('/api/v1/me').status_code == 401


def test_start_returns_the_starters_first_task(client):
    instance = Api(client, 'agen1').start()
    assert instance['status'] == 'berjalan' and instance['process_version'] == 1
    [task] = instance['tasks']
    assert (task['name'], task['lane'], task['form_key']) == ('Pelaporan Informasi', 'Agen Lapangan',
                                                               'laporan_informasi')
    assert task['due_at'] and task['overdue'] is False


def test_path_ya_ya(client):
    instance = drive(client, [('verifikator1', helpers.VERIFY_YES), ('administrator1', helpers.PUBLISH),
                              ('pimpinan1', helpers.DECIDE_YES), ('administrator1', helpers.RAKOR)])
    assert instance['status'] == 'selesai' and instance['result'] == 'Ditindaklanjuti' and instance['tasks'] == []
    assert instance['report']['kecamatan_kode'] == helpers.KECAMATAN


def test_path_ya_tidak(client):
    instance = drive(client, [('verifikator1', helpers.VERIFY_YES), ('administrator1', helpers.PUBLISH),
                              ('pimpinan1', helpers.DECIDE_NO)])
    assert instance['result'] == 'Dipantau'


def test_path_return_then_ya(client):
    instance = drive(client, [('verifikator1', helpers.VERIFY_RETURN)])
    assert [t['name'] for t in instance['tasks']] == ['Pelaporan Informasi']
    assert instance['report']['status'] == 'dikembalikan'
    agent = Api(client, 'agen1')
    response = agent.complete_only_task(instance['id'], {k: v for k, v in helpers.REPORT.items()})
    assert response.status_code == 200, response.get_json()    # earlier photo counts on a revision
    response = Api(client, 'verifikator1').complete_only_task(instance['id'], helpers.VERIFY_YES)
    assert [t['name'] for t in response.get_json()['instance']['tasks']] == ['Publikasi Laporan']


def test_path_reject(client):
    instance = drive(client, [('verifikator1', helpers.VERIFY_REJECT)])
    assert instance['status'] == 'selesai' and instance['result'] == 'Ditolak'


def test_inbox_lists_only_the_callers_lanes(client):
    instance = Api(client, 'agen1').file_report()
    tasks = Api(client, 'verifikator1').get('/tasks').get_json()
    assert [(t['instance_id'], t['lane']) for t in tasks] == [(instance['id'], 'Verifikator')]
    assert set(tasks[0]) >= {'id', 'instance_id', 'name', 'lane', 'form_key', 'created_at', 'due_at', 'overdue',
                             'claimed_by'}
    for username in ('administrator1', 'pimpinan1', 'agen2', 'auditor1'):
        assert Api(client, username).get('/tasks').get_json() == []


def test_task_detail_describes_the_form(client):
    instance = Api(client, 'agen1').file_report()
    api = Api(client, 'verifikator1')
    task = api.get('/tasks').get_json()[0]
    detail = api.get(f'/tasks/{task["id"]}').get_json()
    fields = {f['name']: f for f in detail['fields']}
    assert fields['keputusan']['required'] is True
    assert [c['value'] for c in fields['keputusan']['choices']] == ['ya', 'tidak']
    assert fields['catatan']['type'] == 'text' and detail['instance_id'] == instance['id']


def test_validation_errors_are_422_with_fields(client):
    Api(client, 'agen1').file_report()
    api = Api(client, 'verifikator1')
    task = api.get('/tasks').get_json()[0]
    response = api.post(f'/tasks/{task["id"]}/complete', json={'keputusan': 'mungkin'})
    assert response.status_code == 422
    errors = response.get_json()['errors']
    assert 'keputusan' in errors and 'metode' in errors


def test_wrong_lane_and_own_report_are_403(client):
    Api(client, 'agenverif').file_report()
    task = Api(client, 'verifikator1').get('/tasks').get_json()[0]
    for username in ('agenverif', 'administrator1', 'pimpinan1', 'agen2'):
        response = Api(client, username).post(f'/tasks/{task["id"]}/complete', json=helpers.VERIFY_YES)
        assert response.status_code == 403, username
    assert 'sendiri' in Api(client, 'agenverif').post(f'/tasks/{task["id"]}/claim').get_json()['error']


def test_completing_twice_is_409_naming_who(client):
    Api(client, 'agen1').file_report()
    first = Api(client, 'verifikator1')
    task = first.get('/tasks').get_json()[0]
    assert first.post(f'/tasks/{task["id"]}/complete', json=helpers.VERIFY_YES).status_code == 200
    response = Api(client, 'verifikator2').post(f'/tasks/{task["id"]}/complete', json=helpers.VERIFY_YES)
    assert response.status_code == 409 and 'Rudi Hartono' in response.get_json()['error']


def test_claim_and_release(client):
    Api(client, 'agen1').file_report()
    one, two = Api(client, 'verifikator1'), Api(client, 'verifikator2')
    task_id = one.get('/tasks').get_json()[0]['id']
    assert one.post(f'/tasks/{task_id}/claim').get_json()['claimed_by'] == 'verifikator1'
    assert two.post(f'/tasks/{task_id}/claim').status_code == 409
    assert two.post(f'/tasks/{task_id}/complete', json=helpers.VERIFY_YES).status_code == 409
    assert two.post(f'/tasks/{task_id}/release').status_code == 409
    assert one.post(f'/tasks/{task_id}/release').get_json()['claimed_by'] is None
    assert two.post(f'/tasks/{task_id}/complete', json=helpers.VERIFY_YES).status_code == 200


def test_photo_is_required_and_checked_by_content(client):
    api = Api(client, 'agen1')
    task_id = api.start()['tasks'][0]['id']
    assert 'foto' in api.post(f'/tasks/{task_id}/complete', json=helpers.REPORT).get_json()['errors']
    fake = dict(helpers.REPORT, foto=(io.BytesIO(b'GIF89a not really'), 'foto.jpg'))
    response = api.post(f'/tasks/{task_id}/complete', data=fake)
    assert response.status_code == 422 and 'foto' in response.get_json()['errors']


def test_instance_and_history(client):
    instance = drive(client, [('verifikator1', helpers.VERIFY_REJECT)])
    agent = Api(client, 'agen1')
    assert agent.get(f'/instances/{instance["id"]}').get_json()['result'] == 'Ditolak'
    history = agent.get(f'/instances/{instance["id"]}/history').get_json()
    assert [(e['action'], e['actor'], e['role']) for e in history][:2] == [
        ('instance.started', 'agen1', 'agen'), ('task.completed', 'agen1', 'agen')]
    assert all(e['hash'] and e['prev_hash'] for e in history)
    assert Api(client, 'agen2').get(f'/instances/{instance["id"]}').status_code == 403
    assert agent.get('/instances/999999').status_code == 404


def test_only_agents_start_instances(client):
    response = Api(client, 'verifikator1').post('/processes/sikanda/instances')
    assert response.status_code == 403
    assert Api(client, 'agen1').post('/processes/tidak_ada/instances').status_code == 404


def test_openapi_describes_every_api_route(client, app):
    document = client.get('/api/v1/openapi.json').get_json()
    assert document['openapi'].startswith('3.')
    documented = {(path, method) for path, ops in document['paths'].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith('/api/v1/') and rule.endpoint != 'api.openapi':
            path = rule.rule.removeprefix('/api/v1')
            for name in rule.arguments:
                path = path.replace(f'<int:{name}>', '{' + name + '}').replace(f'<{name}>', '{' + name + '}')
            routes |= {(path, m.lower()) for m in rule.methods - {'HEAD', 'OPTIONS'}}
    assert routes == documented


@pytest.mark.parametrize('body', ['[1, 2]', 'not json'])
def test_malformed_json_bodies_are_client_errors(client, body):
    Api(client, 'agen1').file_report()
    api = Api(client, 'verifikator1')
    task_id = api.get('/tasks').get_json()[0]['id']
    response = client.post(f'/api/v1/tasks/{task_id}/complete', data=body, headers=api.headers,
                           content_type='application/json')
    assert response.status_code in (400, 422)


def test_a_second_pass_never_carries_the_old_decision(app, client):
    instance = drive(client, [('verifikator1', helpers.VERIFY_RETURN)])
    Api(client, 'agen1').complete_only_task(instance['id'], helpers.REPORT)
    Api(client, 'verifikator1').complete_only_task(instance['id'], helpers.VERIFY_YES)
    from app.services import queries
    with app.app_context():
        verifications = [s.data for s in queries.submissions(instance['id']) if s.bpmn_id == 'Task_Verifikasi']
    assert [v['tindak_lanjut'] for v in verifications] == ['kembalikan', None]


@pytest.mark.parametrize(('data', 'field'), [
    (helpers.VERIFY_RETURN | {'tindak_lanjut': 'hapus'}, 'tindak_lanjut'),
    (helpers.VERIFY_RETURN | {'catatan': ''}, 'catatan'),
    (helpers.VERIFY_YES | {'metode': ['sulap']}, 'metode'),
])
def test_conditional_and_choice_fields_are_validated(client, data, field):
    Api(client, 'agen1').file_report()
    api = Api(client, 'verifikator1')
    task_id = api.get('/tasks').get_json()[0]['id']
    response = api.post(f'/tasks/{task_id}/complete', json=data)
    assert response.status_code == 422 and list(response.get_json()['errors']) == [field]


def test_a_note_written_with_ya_is_kept(app, client):
    instance = drive(client, [('verifikator1', helpers.VERIFY_YES | {'catatan': 'Dicek bersama Polsek.'})])
    from app.services import queries
    with app.app_context():
        [verification] = [s.data for s in queries.submissions(instance['id']) if s.bpmn_id == 'Task_Verifikasi']
    assert verification['catatan'] == 'Dicek bersama Polsek.' and verification['tindak_lanjut'] is None


@pytest.mark.parametrize(('username', 'method', 'url'), [
    ('auditor1', 'get', '/tasks/99999999999999999999'),
    ('auditor1', 'get', '/instances/2147483648/history'),
    ('auditor1', 'get', '/documents/2147483648'),
    ('auditor1', 'get', '/processes/sikanda/versions/8093013251095531618304/bpmn'),
    ('pemilikproses1', 'post', '/processes/sikanda/versions/2147483648/deploy'),
    ('administrator1', 'post', '/instances/2147483648/migrate'),
])
def test_an_id_beyond_the_databases_integers_is_404(client, username, method, url):
    response = getattr(Api(client, username), method)(url)
    assert response.status_code == 404 and response.get_json()['status'] == 404


def test_numbers_in_the_query_stay_inside_the_databases_integers(client):
    Api(client, 'agen1').file_report()
    auditor = Api(client, 'auditor1')
    events = auditor.get('/audit/events').get_json()['events']
    assert events and auditor.get(f'/audit/events?before={10**30}').get_json()['events'] == events
    assert auditor.get(f'/audit/events?before={-10**30}&limit={10**30}').get_json()['events'] == []
    page = auditor.get(f'/notifications?before={-10**40}&limit={-10**40}')
    assert page.status_code == 200 and page.get_json()['notifications'] == []
    assert Api(client, 'verifikator1').get(f'/tasks?limit={10**30}&offset={-10**30}').status_code == 200


def test_a_nul_character_is_refused_before_it_reaches_the_database(client):
    """PostgreSQL stores no NUL in text: anywhere in a request it is a 400, and nothing is written."""
    refused = client.post('/api/v1/auth/token', json={'username': 'agen1\x00', 'password': helpers.PASSWORD})
    assert refused.status_code == 400 and 'NUL' in refused.get_json()['error']
    agent = Api(client, 'agen1')
    task_id = agent.start()['tasks'][0]['id']
    report = dict(helpers.REPORT, judul='Sengketa\x00lahan', foto=(io.BytesIO(helpers.image_bytes()), 'bukti.jpg'))
    assert agent.post(f'/tasks/{task_id}/complete', data=report).status_code == 400
    assert agent.post(f'/tasks/{task_id}/complete', json={'judul': ['Sengketa', 'lahan\x00']}).status_code == 400
    assert agent.post('/processes/sik%00anda/instances').status_code == 400
    assert Api(client, 'auditor1').get('/audit/events?actor=agen%001').status_code == 400
    assert agent.get(f'/tasks/{task_id}').get_json()['status'] == 'terbuka'   # the step is still open


def test_openapi_documents_the_refusals(client):
    document = client.get('/api/v1/openapi.json').get_json()
    token = document['paths']['/auth/token']['post']
    assert token['security'] == [] and {'200', '401', '429'} <= set(token['responses'])
    assert all('400' in operation['responses'] for operations in document['paths'].values()
               for operation in operations.values())
    kinds = document['components']['schemas']['Notification']['properties']['kind']['enum']
    assert 'dokumen_gagal' in kinds   # a document the scheduler gave up on is announced too
    assert '413' in document['paths']['/tasks/{task_id}/complete']['post']['responses']
