"""Every role against every other lane's task and page, on the web and the API."""
import pytest

from app.services import queries
from tests import helpers
from tests.helpers import Api, web_login, web_post

LANE_OF = {'agen1': 'Agen Lapangan', 'verifikator1': 'Verifikator', 'administrator1': 'Administrator',
           'pimpinan1': 'Pimpinan'}
ALL_USERS = ['agen1', 'agen2', 'verifikator1', 'administrator1', 'pimpinan1', 'pemilikproses1', 'auditor1',
             'superadmin1']
STAGES = {  # steps after filing, so that one task is open in each lane
    'Agen Lapangan': [('verifikator1', helpers.VERIFY_RETURN)],
    'Verifikator': [],
    'Administrator': [('verifikator1', helpers.VERIFY_YES)],
    'Pimpinan': [('verifikator1', helpers.VERIFY_YES), ('administrator1', helpers.PUBLISH)],
}
PAGES = {  # page -> users allowed (everyone else: 403)
    '/laporan/baru': {'agen1', 'agen2'},
    '/laporan-saya': {'agen1', 'agen2'},
    '/laporan': {'verifikator1', 'administrator1', 'pimpinan1', 'auditor1', 'superadmin1'},
    '/tugas': set(ALL_USERS),
    '/dasbor': {'administrator1', 'pimpinan1'},
    '/kepatuhan': {'administrator1', 'pimpinan1', 'auditor1'},
}


@pytest.fixture
def open_tasks(app, client):
    """One open task per lane: {lane: task id}."""
    tasks = {}
    for lane, steps in STAGES.items():
        instance = Api(client, 'agen1').file_report()
        for username, data in steps:
            assert Api(client, username).complete_only_task(instance['id'], data).status_code == 200
        with app.app_context():
            [task] = queries.open_tasks(instance['id'])
            assert task.lane == lane
            tasks[lane] = task.id
    return tasks


@pytest.mark.parametrize('username', ALL_USERS)
def test_tasks_of_other_lanes_are_forbidden(app, open_tasks, username):
    client = app.test_client()
    web_login(client, username)
    api = Api(app.test_client(), username)
    for lane, task_id in open_tasks.items():
        allowed = LANE_OF.get(username) == lane
        expected = 200 if allowed else 403
        assert client.get(f'/tugas/{task_id}').status_code == expected, (username, lane)
        assert api.get(f'/tasks/{task_id}').status_code == expected, (username, lane)
        if not allowed:
            assert web_post(client, f'/tugas/{task_id}', helpers.VERIFY_YES, form_url='/tugas').status_code == 403
            assert api.post(f'/tasks/{task_id}/complete', json=helpers.VERIFY_YES).status_code == 403
            assert api.post(f'/tasks/{task_id}/claim').status_code == 403


@pytest.mark.parametrize('username', ALL_USERS)
def test_pages_check_the_role_on_the_server(app, username):
    client = app.test_client()
    web_login(client, username)
    for page, allowed in PAGES.items():
        assert client.get(page).status_code == (200 if username in allowed else 403), (username, page)


def test_anonymous_users_are_sent_to_login(client, open_tasks):
    for url in ['/', '/laporan/baru', '/laporan-saya', '/laporan', '/laporan/1', f'/tugas/{open_tasks["Verifikator"]}',
                '/lampiran/1']:
        response = client.get(url)
        assert response.status_code == 302 and '/login' in response.headers['Location'], url


def test_unknown_task_is_404(app):
    client = app.test_client()
    web_login(client, 'verifikator1')
    assert client.get('/tugas/987654').status_code == 404
    assert Api(app.test_client(), 'verifikator1').get('/tasks/987654').status_code == 404
