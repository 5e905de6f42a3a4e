"""Input the database cannot hold never reaches it: an id beyond its integers is 404, a NUL character is 400,
paging numbers are brought into range; on the pages as on the API (the API's own cases are in test_api.py)."""
import pytest

from tests.helpers import csrf_from, web_login

HUGE = 8093013251095531618304


def test_every_route_with_an_id_answers_404_for_an_id_beyond_the_database(app):
    client = app.test_client()
    web_login(client, 'superadmin1')
    checked = 0
    for rule in app.url_map.iter_rules():
        ints = [name for name, converter in rule._converters.items() if type(converter).__name__ == 'IntegerConverter']
        if not ints:
            continue
        values = {name: HUGE if name in ints else 'sikanda' for name in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {'HEAD', 'OPTIONS'}):
            response = client.open(url, method=method)
            assert response.status_code == 404, (rule.endpoint, method, response.status_code)
            checked += 1
    assert checked >= 30


@pytest.mark.parametrize('username, path', [
    ('auditor1', '/audit?sebelum=99999999999999999999999'), ('auditor1', '/notifikasi?sebelum=-99999999999999999999'),
    ('auditor1', '/tugas?halaman=99999999999999999999'),
    ('pemilikproses1', '/proses/sikanda/bandingkan?dari=99999999999999999&ke=1'),
    ('pemilikproses1', '/proses/sikanda/editor?versi=99999999999999999999')])
def test_huge_numbers_in_the_query_are_brought_into_range(app, username, path):
    client = app.test_client()
    web_login(client, username)
    assert client.get(path).status_code < 500


def test_a_nul_character_anywhere_is_400_before_anything_is_read(app):
    client = app.test_client()
    token = csrf_from(client.get('/login').get_data(as_text=True))
    response = client.post('/login', data={'csrf_token': token, 'username': 'agen1\x00', 'password': 'x'})
    assert response.status_code == 400 and 'karakter NUL' in response.get_data(as_text=True)
    web_login(client, 'auditor1')
    assert client.get('/audit?pelaku=a%00b').status_code == 400
    assert client.get('/laporan?q=%00').status_code == 400
