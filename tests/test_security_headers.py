"""Security headers on every kind of response: pages, errors, the API, files, the vendor assets."""
import pytest

from app.security_headers import CONTENT_SECURITY_POLICY, EDITOR_CONTENT_SECURITY_POLICY
from tests.helpers import Api, web_login

COMMON = {'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'same-origin',
          'Cross-Origin-Opener-Policy': 'same-origin'}


@pytest.mark.parametrize('path, status', [('/login', 200), ('/tugas', 302), ('/tidak-ada', 404),
                                          ('/api/v1/me', 401), ('/api/v1/openapi.json', 200),
                                          ('/vendor/bootstrap/dist/css/bootstrap.min.css', 200)])
def test_every_response_carries_the_policy(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers['Content-Security-Policy'] == CONTENT_SECURITY_POLICY
    for name, value in COMMON.items():
        assert response.headers[name] == value, name
    assert 'geolocation=(self)' in response.headers['Permissions-Policy']


def test_the_policy_allows_no_inline_script_no_plugins_no_framing():
    directives = dict(part.split(' ', 1) for part in CONTENT_SECURITY_POLICY.split('; '))
    assert directives['script-src'] == "'self'" and directives['style-src'] == "'self'"
    assert directives['object-src'] == "'none'" and directives['frame-ancestors'] == "'none'"
    assert directives['base-uri'] == "'none'" and directives['form-action'] == "'self'"
    assert 'unsafe' not in CONTENT_SECURITY_POLICY


def test_only_the_editor_allows_inline_style_attributes(app):
    owner = app.test_client()
    web_login(owner, 'pemilikproses1')
    editor = owner.get('/proses/sikanda/editor')
    assert editor.status_code == 200
    assert editor.headers['Content-Security-Policy'] == EDITOR_CONTENT_SECURITY_POLICY
    assert EDITOR_CONTENT_SECURITY_POLICY.endswith("style-src-attr 'unsafe-inline'")
    assert "script-src 'self'" in EDITOR_CONTENT_SECURITY_POLICY
    assert owner.get('/proses/sikanda/versi').headers['Content-Security-Policy'] == CONTENT_SECURITY_POLICY


def test_hsts_only_when_served_over_tls(app, client, monkeypatch):
    assert 'Strict-Transport-Security' not in client.get('/login').headers
    monkeypatch.setitem(app.config, 'SESSION_COOKIE_SECURE', True)
    assert client.get('/login').headers['Strict-Transport-Security'] == 'max-age=31536000'


def test_api_errors_are_json_with_the_same_headers(app, client):
    api = Api(client, 'agen1')
    response = api.get('/tasks/987654')
    assert response.status_code == 404 and response.is_json
    assert response.headers['Content-Security-Policy'] == CONTENT_SECURITY_POLICY
