"""The web UI over real HTTP requests (Flask test client): login, the SOP, errors, CSRF, uploads."""
import re

import pytest

from tests import helpers
from tests.helpers import web_login, web_post


def agent_files_report(client, files=None, data=None):
    web_login(client, 'agen1')
    response = web_post(client, '/laporan/baru', data or helpers.REPORT,
                        files=files if files is not None else [('bukti.jpg', helpers.image_bytes())])
    return response


def only_task_link(client):
    links = re.findall(r'href="/tugas/(\d+)"', client.get('/tugas').get_data(as_text=True))
    assert len(set(links)) == 1, links
    return int(links[0])


def logout(client):
    web_post(client, '/logout', {}, form_url='/tugas')


def switch_user(client, username):
    logout(client)
    web_login(client, username)


def test_login_page_and_wrong_password(client):
    assert client.get('/').status_code == 302
    page = client.get('/login').get_data(as_text=True)
    assert 'Masuk ke SIKANDA' in page and 'lang="id"' in page
    response = web_login(client, 'agen1', 'salah')
    assert 'Nama pengguna atau kata sandi salah' in response.get_data(as_text=True)
    assert web_login(client, 'agen1').status_code == 302


def test_whole_sop_through_the_web(client):
    response = agent_files_report(client)
    assert response.status_code == 302
    report_page = client.get(response.headers['Location']).get_data(as_text=True)
    assert 'Laporan terkirim' in report_page and 'Verifikasi Laporan' in report_page
    logout(client)
    for username, data in [('verifikator1', helpers.VERIFY_YES), ('administrator1', helpers.PUBLISH),
                           ('pimpinan1', helpers.DECIDE_YES), ('administrator1', helpers.RAKOR)]:
        web_login(client, username)
        task_id = only_task_link(client)
        page = client.get(f'/tugas/{task_id}').get_data(as_text=True)
        assert 'Sengketa batas lahan' in page and '/lampiran/' in page   # the report so far, with its photo
        if data is helpers.RAKOR:  # the rakor step requires its invitation letter first
            assert web_post(client, f'/tugas/{task_id}/surat', helpers.INVITATION).status_code == 302
        response = web_post(client, f'/tugas/{task_id}', data)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert 'Tidak ada tugas terbuka' in client.get('/tugas').get_data(as_text=True)
        logout(client)
    web_login(client, 'agen1')
    assert 'Ditindaklanjuti' in client.get('/laporan-saya').get_data(as_text=True)


def test_return_shows_the_note_to_the_agent_and_prefills_the_form(client):
    agent_files_report(client)
    switch_user(client, 'verifikator1')
    web_post(client, f'/tugas/{only_task_link(client)}', helpers.VERIFY_RETURN)
    switch_user(client, 'agen1')
    page = client.get(f'/tugas/{only_task_link(client)}').get_data(as_text=True)
    assert 'Lengkapi jumlah orang.' in page
    assert 'value="Sengketa batas lahan"' in page and 'Sudah ada 1 foto' in page
    response = web_post(client, f'/tugas/{only_task_link(client)}', helpers.REPORT | {'jumlah_orang': '45'})
    assert response.status_code == 302      # no new photo needed on a revision


def test_verifier_tidak_requires_a_note_and_a_follow_up(client):
    agent_files_report(client)
    switch_user(client, 'verifikator1')
    task_id = only_task_link(client)
    response = web_post(client, f'/tugas/{task_id}', {'keputusan': 'tidak', 'metode': 'cek_media',
                                                      'keandalan_sumber': 'C', 'kebenaran_informasi': '3'})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('Wajib diisi untuk pilihan ini.') == 2


def test_report_form_errors_are_shown_in_indonesian(client):
    web_login(client, 'agen1')
    response = web_post(client, '/laporan/baru', {'judul': ''}, files=[])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'Wajib diisi.' in page and 'Lampirkan minimal satu foto.' in page
    assert 'Traceback' not in page


def test_desa_must_belong_to_the_kecamatan(client):
    response = agent_files_report(client, data=helpers.REPORT | {'kecamatan': '63.11.01'})
    assert response.status_code == 422
    assert 'Desa tidak berada di kecamatan yang dipilih.' in response.get_data(as_text=True)


def test_upload_rejects_a_non_image_renamed_jpg(client):
    response = agent_files_report(client, files=[('foto.jpg', b'%PDF-1.4 this is not an image' * 10)])
    assert response.status_code == 422
    assert 'bukan gambar JPEG, PNG atau WebP' in response.get_data(as_text=True)
    assert 'Tidak ada tugas terbuka' in client.get('/tugas').get_data(as_text=True)   # nothing was started


def test_upload_rejects_an_oversized_photo(client, app):
    big = helpers.image_bytes('PNG', size=(1200, 1200)) + b'\0' * app.config['MAX_PHOTO_BYTES']
    response = agent_files_report(client, files=[('besar.png', big)])
    assert response.status_code == 422
    assert 'melebihi batas' in response.get_data(as_text=True)


def test_request_larger_than_the_limit_is_413(client, app):
    web_login(client, 'agen1')
    app.config['MAX_CONTENT_LENGTH'] = 200_000
    try:
        response = web_post(client, '/laporan/baru', helpers.REPORT, files=[('x.jpg', b'x' * 300_000)])
    finally:
        app.config['MAX_CONTENT_LENGTH'] = 50 * 1024 * 1024
    assert response.status_code == 413
    assert 'Berkas terlalu besar' in response.get_data(as_text=True)


@pytest.mark.parametrize('url', ['/laporan/baru', '/logout', '/tugas/1', '/tugas/1/klaim', '/tugas/1/lepas'])
def test_posts_without_csrf_token_are_refused(client, url):
    web_login(client, 'agen1')
    response = client.post(url, data={'judul': 'x'})
    assert response.status_code == 400
    assert 'CSRF' in response.get_data(as_text=True)


def test_login_itself_requires_csrf(client):
    response = client.post('/login', data={'username': 'agen1', 'password': helpers.PASSWORD})
    assert response.status_code == 400


def test_errors_are_pages_not_stack_traces(client):
    web_login(client, 'agen1')
    response = client.get('/laporan/999999')
    assert response.status_code == 404
    assert 'tidak ditemukan' in response.get_data(as_text=True)
    assert client.get('/tidak-ada').status_code == 404
    json_response = client.get('/laporan/999999', headers={'Accept': 'application/json'})
    assert json_response.get_json()['status'] == 404


def test_photos_are_served_only_after_the_access_check(client):
    agent_files_report(client)
    page = client.get('/laporan-saya').get_data(as_text=True)
    instance_id = re.search(r'/laporan/(\d+)', page).group(1)
    attachment = re.search(r'/lampiran/(\d+)', client.get(f'/laporan/{instance_id}').get_data(as_text=True)).group(1)
    response = client.get(f'/lampiran/{attachment}')
    assert response.status_code == 200 and response.mimetype == 'image/jpeg'
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    switch_user(client, 'agen2')
    assert client.get(f'/lampiran/{attachment}').status_code == 403
    assert client.get(f'/laporan/{instance_id}').status_code == 403


def test_vendor_route_serves_only_built_assets(client):
    assert client.get('/vendor/bootstrap/dist/css/bootstrap.min.css').status_code == 200
    assert client.get('/vendor/bootstrap/package.json').status_code == 404
    assert client.get('/vendor/../package.json').status_code == 404


def test_security_headers_on_every_page(client):
    for url in ['/login', '/vendor/bootstrap/dist/css/bootstrap.min.css', '/tidak-ada']:
        headers = client.get(url).headers
        assert headers['X-Content-Type-Options'] == 'nosniff' and headers['X-Frame-Options'] == 'DENY', url


def test_verifier_form_starts_from_the_agents_grading_but_never_from_an_old_decision(client):
    agent_files_report(client)
    switch_user(client, 'verifikator1')
    task_id = only_task_link(client)
    page = client.get(f'/tugas/{task_id}').get_data(as_text=True)
    assert '<option selected value="B">' in page and '<option selected value="2">' in page
    web_post(client, f'/tugas/{task_id}', helpers.VERIFY_RETURN)
    switch_user(client, 'agen1')
    web_post(client, f'/tugas/{only_task_link(client)}', helpers.REPORT)
    switch_user(client, 'verifikator1')
    page = client.get(f'/tugas/{only_task_link(client)}').get_data(as_text=True)
    assert 'checked' not in re.search(r'<fieldset.*?</fieldset>', page, re.S).group(0)   # keputusan
    assert 'Lengkapi jumlah orang.' in page            # the earlier note is there to build on


def test_the_diagram_of_a_report_needs_access_to_the_report(client):
    agent_files_report(client)
    instance_id = re.search(r'/laporan/(\d+)', client.get('/laporan-saya').get_data(as_text=True)).group(1)
    response = client.get(f'/laporan/{instance_id}/diagram.bpmn')
    assert response.status_code == 200 and b'<bpmn:process id="sikanda"' in response.data
    switch_user(client, 'agen2')
    assert client.get(f'/laporan/{instance_id}/diagram.bpmn').status_code == 403


def test_client_address_comes_from_the_proxy_only_when_configured(app):
    from flask import request

    from app import create_app

    def address_seen(proxy_count):
        probe = create_app({**app.config, 'PROXY_COUNT': proxy_count})
        probe.add_url_rule('/_alamat', 'alamat', lambda: request.remote_addr)
        return probe.test_client().get('/_alamat', headers={'X-Forwarded-For': '10.1.2.3'}).get_data(as_text=True)

    assert address_seen(1) == '10.1.2.3'
    assert address_seen(0) == '127.0.0.1'   # the header is not trusted unless configured
