"""Guards for defects found in review: redirects, stale notes, lengths, orphaned claims, lists, setup."""
import io
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.services import processes, queries, users
from app.services.errors import ValidationFailed
from app.uow import unit_of_work
from forms import FORM_CATALOG
from tests import helpers
from tests.helpers import Api, csrf_from, web_login, web_post


@pytest.mark.parametrize('target', ['//evil.example/', '/%09/evil.example', '/\t/evil.example',
                                    'https://evil.example/', '/\\evil.example', 'javascript:alert(1)'])
def test_login_never_redirects_off_site(client, target):
    token = csrf_from(client.get('/login').get_data(as_text=True))
    response = client.post('/login', query_string={'next': target},
                           data={'csrf_token': token, 'username': 'agen1', 'password': helpers.PASSWORD})
    assert response.status_code == 302
    location = response.headers['Location']
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc and location.isprintable() and '\\' not in location, location
    assert location.startswith('/') and not location.startswith('//'), location


def test_login_keeps_a_local_next(client):
    token = csrf_from(client.get('/login').get_data(as_text=True))
    response = client.post('/login?next=/laporan-saya', data={'csrf_token': token, 'username': 'agen1',
                                                              'password': helpers.PASSWORD})
    assert response.headers['Location'] == '/laporan-saya'


def test_note_length_is_checked_even_when_optional(client):
    Api(client, 'agen1').file_report()
    api = Api(client, 'verifikator1')
    task_id = api.get('/tasks').get_json()[0]['id']
    response = api.post(f'/tasks/{task_id}/complete', json=helpers.VERIFY_YES | {'catatan': 'x' * 5001})
    assert response.status_code == 422 and list(response.get_json()['errors']) == ['catatan']


def test_photo_caption_longer_than_its_column_is_a_422(client):
    api = Api(client, 'agen1')
    task_id = api.start()['tasks'][0]['id']
    data = dict(helpers.REPORT, keterangan_foto='x' * 600, foto=(io.BytesIO(helpers.image_bytes()), 'a.jpg'))
    response = api.post(f'/tasks/{task_id}/complete', data=data)
    assert response.status_code == 422 and 'keterangan_foto' in response.get_json()['errors']


def test_second_verification_does_not_start_from_the_first_passes_note_or_method(client):
    helpers.web_login(client, 'agen1')
    web_post(client, '/laporan/baru', helpers.REPORT, files=[('a.jpg', helpers.image_bytes())])
    client.post('/logout', data={'csrf_token': csrf_from(client.get('/tugas').get_data(as_text=True))})
    verifier = Api(client, 'verifikator1')
    instance_id = verifier.get('/tasks').get_json()[0]['instance_id']
    verifier.complete_only_task(instance_id, helpers.VERIFY_RETURN)
    Api(client, 'agen1').complete_only_task(instance_id, helpers.REPORT)
    web_login(client, 'verifikator1')
    task_id = verifier.get('/tasks').get_json()[0]['id']
    page = client.get(f'/tugas/{task_id}').get_data(as_text=True)
    form = page[page.index('id="form-title"'):]
    assert 'Lengkapi jumlah orang.</textarea>' not in form      # the note field starts empty
    assert 'value="cek_media" checked' not in form and 'checked value="cek_media"' not in form


def test_token_endpoint_with_a_non_object_body_is_401(client):
    for body in ('[1]', '"abc"', 'null'):
        response = client.post('/api/v1/auth/token', data=body, content_type='application/json')
        assert response.status_code == 401


def test_a_task_claimed_by_someone_else_is_refused_before_the_form(app, client):
    Api(client, 'agen1').file_report()
    one = Api(client, 'verifikator1')
    task_id = one.get('/tasks').get_json()[0]['id']
    one.post(f'/tasks/{task_id}/claim')
    web_login(client, 'verifikator2')
    response = client.get(f'/tugas/{task_id}')
    assert response.status_code == 409 and 'Rudi Hartono' in response.get_data(as_text=True)
    inbox = client.get('/tugas').get_data(as_text=True)
    assert 'dikerjakan oleh Rudi Hartono' in inbox and f'/tugas/{task_id}"' not in inbox


def test_an_orphaned_claim_can_be_released_by_a_colleague(app, client):
    with app.app_context(), unit_of_work():
        users.create_user('verifikator3', 'Verifikator Tiga', helpers.PASSWORD, ['verifikator'])
    Api(client, 'agen1').file_report()
    three, two = Api(client, 'verifikator3'), Api(client, 'verifikator2')
    task_id = three.get('/tasks').get_json()[0]['id']
    three.post(f'/tasks/{task_id}/claim')
    assert two.post(f'/tasks/{task_id}/release').status_code == 409      # claimant still at work
    with app.app_context(), unit_of_work():
        db.session.execute(select(User).where(User.username == 'verifikator3')).scalar_one().active = False
    response = two.post(f'/tasks/{task_id}/release')
    assert response.status_code == 200 and response.get_json()['claimed_by'] is None
    assert two.post(f'/tasks/{task_id}/complete', json=helpers.VERIFY_YES).status_code == 200


def test_leadership_list_shows_published_reports_beyond_many_unpublished(app, client):
    agent, verifier, admin = Api(client, 'agen1'), Api(client, 'verifikator1'), Api(client, 'administrator1')
    published = agent.file_report()
    verifier.complete_only_task(published['id'], helpers.VERIFY_YES)
    admin.complete_only_task(published['id'], helpers.PUBLISH)
    for _ in range(3):
        agent.file_report()
    with app.app_context():
        pimpinan = users.find_user('pimpinan1')
        assert [r.instance_id for r in queries.visible_reports(pimpinan, limit=1)] == [published['id']]
        assert len(queries.visible_reports(users.find_user('verifikator1'))) == 4
        assert queries.visible_reports(users.find_user('agen2')) == []


def test_a_diagram_with_an_unknown_lane_or_form_is_not_installed(app, tmp_path, monkeypatch):
    diagram = (processes.BPMN_DIR / 'sikanda.bpmn').read_text()
    diagram = diagram.replace('name="Verifikator"', 'name="Bendahara"').replace(
        'camunda:formKey="publikasi"', 'camunda:formKey="tidak_ada"').replace('"sikanda"', '"uji"')
    (tmp_path / 'uji.bpmn').write_text(diagram)
    monkeypatch.setattr(processes, 'BPMN_DIR', tmp_path)
    with app.app_context(), pytest.raises(ValidationFailed) as info, unit_of_work():
        processes.install_shipped_diagrams(FORM_CATALOG)
    assert set(info.value.errors) == {'Lane_Verifikator', 'Task_Verifikasi', 'Task_Publikasi'}
