"""Every route of the app (from Flask's URL map, so a new route cannot escape) × every role and anonymous,
against the table below; then the object-level rules: another lane's task, another agent's report or photo by
guessed ids, the leadership and unpublished reports, and reports classified RAHASIA.

How a cell is probed: GET as is; POST (web) with a valid CSRF token and no data, POST/DELETE (API) with an
empty JSON body and the role's bearer token. Path ids point at one world: report R1 waits for the leadership's
decision (published; its photo, its Laporan Informasi, the Pimpinan's notice of the task), report R2 went
through its rakor (a follow-up action), the user is agen2.

Cells: the HTTP status; `L` is a redirect to the login page. A request that only fails validation (400, 404 for a
step without a letter, 409, 422) got past the access check: the check is what the 403s, `L`s and 401s show.
"""
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.extensions import db, limiter
from app.models import Attachment, Notification
from app.services import documents, follow_ups, queries, users
from tests import helpers
from tests.helpers import Api, csrf_from, web_login

ROLES = {'anon': None, 'agen': 'agen1', 'verif': 'verifikator1', 'admin': 'administrator1', 'pimp': 'pimpinan1',
         'owner': 'pemilikproses1', 'audit': 'auditor1', 'super': 'superadmin1'}

MATRIX = """
endpoint                        method  anon  agen  verif admin pimp  owner audit super
static                          GET     200   200   200   200   200   200   200   200
auth.login                      GET     200   302   302   302   302   302   302   302
auth.login                      POST    200   302   302   302   302   302   302   302
auth.logout                     POST    L     L     L     L     L     L     L     L
auth.change_password            GET     L     200   200   200   200   200   200   200
auth.change_password            POST    L     422   422   422   422   422   422   422
admin.user_list                 GET     L     403   403   403   403   403   403   200
admin.new_user                  GET     L     403   403   403   403   403   403   200
admin.new_user                  POST    L     403   403   403   403   403   403   422
admin.user_detail               GET     L     403   403   403   403   403   403   200
admin.disable                   POST    L     403   403   403   403   403   403   422
admin.enable                    POST    L     403   403   403   403   403   403   409
admin.end_sessions              POST    L     403   403   403   403   403   403   302
admin.reset_password            POST    L     403   403   403   403   403   403   422
inbox.home                      GET     L     200   200   302   302   200   200   200
inbox.tasks                     GET     L     200   200   200   200   200   200   200
inbox.new_report                GET     L     200   403   403   403   403   403   403
inbox.new_report                POST    L     422   403   403   403   403   403   403
inbox.task                      GET     L     403   403   403   200   403   403   403
inbox.task                      POST    L     403   403   403   422   403   403   403
inbox.claim                     POST    L     403   403   403   302   403   403   403
inbox.release                   POST    L     403   403   403   302   403   403   403
inbox.my_reports                GET     L     200   403   403   403   403   403   403
inbox.reports                   GET     L     403   200   200   200   403   200   200
inbox.report                    GET     L     200   200   200   200   403   200   200
inbox.report_diagram            GET     L     200   200   200   200   403   200   200
inbox.attachment                GET     L     200   200   200   200   403   200   200
diagrams.versions               GET     L     403   403   200   403   200   200   200
diagrams.version                GET     L     403   403   200   403   200   200   200
diagrams.version_bpmn           GET     L     200   200   200   200   200   200   200
diagrams.compare                GET     L     403   403   302   403   302   302   302
diagrams.editor                 GET     L     403   403   403   403   200   403   403
diagrams.check                  POST    L     403   403   403   403   422   403   403
diagrams.save                   POST    L     403   403   403   403   422   403   403
diagrams.deploy                 POST    L     403   403   403   403   302   403   403
diagrams.migrate                POST    L     403   403   302   403   403   403   403
audit.log                       GET     L     403   403   403   403   403   200   200
audit.export                    GET     L     403   403   403   403   403   200   200
audit.history                   GET     L     200   200   200   200   403   200   200
dashboard.index                 GET     L     403   403   200   200   403   403   403
dashboard.compliance            GET     L     403   403   200   200   403   200   403
dashboard.compliance_export     GET     L     403   403   200   200   403   200   403
dashboard.compliance_step       GET     L     403   403   200   200   403   200   403
notifications.index             GET     L     200   200   200   200   200   200   200
notifications.open_one          POST    L     404   404   404   302   404   404   404
notifications.read_all          POST    L     302   302   302   302   302   302   302
documents.download              GET     L     403   200   200   200   403   200   200
documents.regenerate            POST    L     403   403   302   403   403   403   403
documents.letter                GET     L     403   403   403   404   403   403   403
documents.letter                POST    L     403   403   403   404   403   403   403
documents.follow_up_list        GET     L     403   403   200   200   403   200   200
documents.follow_up_done        POST    L     403   403   302   409   403   403   403
documents.settings              GET     L     403   403   403   403   403   403   200
documents.settings              POST    L     403   403   403   403   403   403   422
api.issue_token                 POST    401   401   401   401   401   401   401   401
api.revoke_token                DELETE  401   204   204   204   204   204   204   204
api.me                          GET     401   200   200   200   200   200   200   200
api.start_instance              POST    401   201   403   403   403   403   403   403
api.list_tasks                  GET     401   200   200   200   200   200   200   200
api.get_task                    GET     401   403   403   403   200   403   403   403
api.claim_task                  POST    401   403   403   403   200   403   403   403
api.release_task                POST    401   403   403   403   200   403   403   403
api.complete_task               POST    401   403   403   403   422   403   403   403
api.get_instance                GET     401   200   200   200   200   403   200   200
api.instance_history            GET     401   200   200   200   200   403   200   200
api.openapi                     GET     200   200   200   200   200   200   200   200
api.audit_events                GET     401   403   403   403   403   403   200   200
api.compliance_report           GET     401   403   403   200   200   403   200   403
api.list_versions               GET     401   403   403   200   403   200   200   200
api.create_version              POST    401   403   403   403   403   422   403   403
api.deploy_version              POST    401   403   403   403   403   200   403   403
api.version_bpmn                GET     401   200   200   200   200   200   200   200
api.compare_versions            GET     401   403   403   200   403   200   200   200
api.migrate_instance            POST    401   403   403   422   403   403   403   403
api.instance_documents          GET     401   403   200   200   200   403   200   200
api.create_letter               POST    401   403   403   403   404   403   403   403
api.document_pdf                GET     401   403   200   200   200   403   200   200
api.list_notifications          GET     401   200   200   200   200   200   200   200
vendor                          GET     200   200   200   200   200   200   200   200
"""


def expected_matrix():
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert header[2:] == list(ROLES), header
    return {(row[0], row[1]): dict(zip(ROLES, row[2:], strict=True)) for row in rows}


def build_world(app, client):
    """R1 waits for the decision (published), R2 went through its rakor; the ids every route needs."""
    agent, verifier, admin = (Api(client, name) for name in ('agen1', 'verifikator1', 'administrator1'))
    r1 = agent.file_report()['id']
    assert verifier.complete_only_task(r1, helpers.VERIFY_YES).status_code == 200
    assert admin.complete_only_task(r1, helpers.PUBLISH).status_code == 200
    r2 = agent.file_report()['id']
    assert verifier.complete_only_task(r2, helpers.VERIFY_YES).status_code == 200
    assert admin.complete_only_task(r2, helpers.PUBLISH).status_code == 200
    assert Api(client, 'pimpinan1').complete_only_task(r2, helpers.DECIDE_YES).status_code == 200
    assert admin.create_letter(r2).status_code == 201
    notulen = {k: v for k, v in helpers.RAKOR.items() if not k.startswith('rencana')} | {
        'rencana_tindak_lanjut': [{'tindakan': 'Mediasi', 'penanggung_jawab': 'Camat',
                                   'batas_waktu': helpers.DEADLINE.isoformat()}]}
    assert admin.complete_only_task(r2, notulen).status_code == 200
    with app.app_context():
        [task] = queries.open_tasks(r1)
        leader = users.find_user('pimpinan1')
        notice = db.session.execute(select(Notification.id).where(Notification.user_id == leader.id)
                                    .order_by(Notification.id.desc())).scalars().first()
        return {'instance_id': r1, 'task_id': task.id, 'process_id': 'sikanda', 'version': 1, 'other': 1,
                'bpmn_id': 'Task_Verifikasi', 'user_id': users.find_user('agen2').id,
                'attachment_id': db.session.execute(select(Attachment.id).where(
                    Attachment.instance_id == r1)).scalar_one(),
                'document_id': documents.latest(r1, 'laporan_informasi').id,
                'action_id': follow_ups.for_instance(r2)[0].id, 'notification_id': notice,
                'filename': 'css/app.css'}


class Visitor:
    """One role's browser session and API token; signs in again after a probe signed it out."""

    def __init__(self, app, username):
        self.app, self.username = app, username
        self.client = app.test_client()
        self.token = None
        if username:
            self.sign_in()

    def sign_in(self):
        web_login(self.client, self.username)
        self.token = Api(self.app.test_client(), self.username).headers

    def probe(self, rule, method, url):
        if rule.endpoint.startswith('api.'):
            response = self.client.open(url, method=method, json={}, headers=self.token or {})
        elif method == 'GET':
            response = self.client.get(url)
        else:
            token = csrf_from(self.client.get('/login').get_data(as_text=True)) or csrf_from(
                self.client.get('/tugas').get_data(as_text=True))
            response = self.client.post(url, data={'csrf_token': token})
        if self.username and rule.endpoint in ('auth.logout', 'api.revoke_token'):
            self.sign_in()
        return response


ARTIFACT = helpers.ROOT / 'test-artifacts' / 'access-matrix-actual.txt'


def render(actual):
    lines = [f'{"endpoint":<32}{"method":<8}' + ' '.join(f'{role:<5}' for role in ROLES)]
    for endpoint, method in dict.fromkeys((e, m) for e, m, _ in actual):
        lines.append(f'{endpoint:<32}{method:<8}' + ' '.join(f'{actual[(endpoint, method, r)]:<5}' for r in ROLES))
    return '\n'.join(line.rstrip() for line in lines) + '\n'


def cell(response):
    if response.status_code == 302 and urlsplit_path(response.headers['Location']) == '/login':
        return 'L'
    return str(response.status_code)


def urlsplit_path(location):
    return re.sub(r'^https?://[^/]+', '', location).split('?')[0]


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {'HEAD', 'OPTIONS'}):
            yield rule, method


def test_the_url_map_and_the_table_name_the_same_routes(app):
    assert {(rule.endpoint, method) for rule, method in routes(app)} == set(expected_matrix())


def test_every_route_answers_every_role_as_the_table_says(app, client):
    ids = build_world(app, client)
    expected = expected_matrix()
    visitors = {role: Visitor(app, username) for role, username in ROLES.items()}
    actual, wrong = {}, []
    for rule, method in routes(app):
        url = rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]
        if rule.endpoint == 'vendor':
            url = '/vendor/bootstrap/dist/css/bootstrap.min.css'
        for role, visitor in visitors.items():
            with app.app_context():
                limiter.reset()  # the token endpoint's failed logins would soon be rate-limited
            got = cell(visitor.probe(rule, method, url))
            actual[(rule.endpoint, method, role)] = got
            want = expected.get((rule.endpoint, method), {}).get(role)
            if got != want:
                wrong.append(f'{rule.endpoint} {method} {url} as {role}: {got}, table says {want}')
    if wrong:  # the table as the app answers now, to compare with MATRIX line by line
        ARTIFACT.parent.mkdir(exist_ok=True)
        ARTIFACT.write_text(render(actual))
    assert not wrong, 'routes that do not answer as the table says:\n' + '\n'.join(wrong)
    assert not any(status.startswith('5') for status in actual.values())


@pytest.fixture
def two_agents(app, client):
    """Each agent's own report with a photo; returns their instance and attachment ids."""
    filed = {}
    for name in ('agen1', 'agen2'):
        instance_id = Api(client, name).file_report()['id']
        with app.app_context():
            photo = db.session.execute(select(Attachment.id).where(Attachment.instance_id == instance_id)).scalar()
        filed[name] = SimpleNamespace(instance=instance_id, photo=photo)
    return filed


def test_an_agent_cannot_read_another_agents_report_or_photo_by_guessing_ids(app, two_agents):
    web = app.test_client()
    web_login(web, 'agen2')
    api = Api(app.test_client(), 'agen2')
    own, other = two_agents['agen2'], two_agents['agen1']
    highest = max(own.instance, other.instance) + 3
    readable = {i for i in range(1, highest) if web.get(f'/laporan/{i}').status_code == 200}
    assert readable == {own.instance}
    assert {i for i in range(1, highest) if api.get(f'/instances/{i}').status_code == 200} == {own.instance}
    assert {i for i in range(1, other.photo + 3) if web.get(f'/lampiran/{i}').status_code == 200} == {own.photo}
    assert web.get(f'/lampiran/{other.photo}').status_code == 403
    assert web.get(f'/laporan/{other.instance}/riwayat').status_code == 403
    assert api.get(f'/instances/{other.instance}/history').status_code == 403
    listing = web.get('/laporan-saya').get_data(as_text=True)
    assert f'/laporan/{own.instance}"' in listing and f'/laporan/{other.instance}"' not in listing


def test_the_leadership_reads_only_published_reports(app, client):
    agent, verifier, admin = (Api(client, name) for name in ('agen1', 'verifikator1', 'administrator1'))
    waiting = agent.file_report()['id']
    verified = agent.file_report()['id']
    assert verifier.complete_only_task(verified, helpers.VERIFY_YES).status_code == 200
    published = agent.file_report()['id']
    assert verifier.complete_only_task(published, helpers.VERIFY_YES).status_code == 200
    assert admin.complete_only_task(published, helpers.PUBLISH).status_code == 200
    leader = app.test_client()
    web_login(leader, 'pimpinan1')
    api = Api(app.test_client(), 'pimpinan1')
    for instance_id, allowed in ((waiting, False), (verified, False), (published, True)):
        assert leader.get(f'/laporan/{instance_id}').status_code == (200 if allowed else 403)
        assert api.get(f'/instances/{instance_id}').status_code == (200 if allowed else 403)
    with app.app_context():
        unpublished_letter = documents.latest(verified, 'laporan_informasi').id
    assert leader.get(f'/dokumen/{unpublished_letter}').status_code == 403
    board = leader.get('/dasbor').get_data(as_text=True)
    assert f'/laporan/{verified}"' not in board and f'/laporan/{published}"' in board


class TestRahasia:
    """A RAHASIA report: its reporter, whoever handles it, and the oversight roles; nobody else."""

    @pytest.fixture
    def secret(self, app, client):
        agent = Api(client, 'agen1')
        secret = agent.file_report(helpers.REPORT | {'klasifikasi': 'rahasia', 'judul': 'Laporan sangat rahasia'})
        plain = agent.file_report()
        return secret['id'], plain['id']

    def readers(self, app, instance_id, usernames):
        allowed = set()
        for username in usernames:
            client = app.test_client()
            web_login(client, username)
            if client.get(f'/laporan/{instance_id}').status_code == 200:
                allowed.add(username)
        return allowed

    EVERYONE = ('agen1', 'agen2', 'verifikator1', 'verifikator2', 'administrator1', 'pimpinan1', 'pemilikproses1',
                'auditor1', 'superadmin1')

    def test_before_anyone_handled_it_the_whole_lane_that_may_take_it_reads_it(self, app, secret):
        instance_id, plain = secret
        assert self.readers(app, instance_id, self.EVERYONE) == {
            'agen1', 'verifikator1', 'verifikator2', 'auditor1', 'superadmin1'}
        # the same report unclassified is read by every official (the administrator too)
        assert self.readers(app, plain, self.EVERYONE) == {
            'agen1', 'verifikator1', 'verifikator2', 'administrator1', 'auditor1', 'superadmin1'}

    def test_once_handled_only_those_who_handled_it_and_the_next_lane(self, app, client, secret):
        instance_id, _ = secret
        assert Api(client, 'verifikator1').complete_only_task(instance_id, helpers.VERIFY_YES).status_code == 200
        assert self.readers(app, instance_id, self.EVERYONE) == {
            'agen1', 'verifikator1', 'administrator1', 'auditor1', 'superadmin1'}
        assert Api(client, 'administrator1').complete_only_task(instance_id, helpers.PUBLISH).status_code == 200
        assert self.readers(app, instance_id, self.EVERYONE) == {
            'agen1', 'verifikator1', 'administrator1', 'pimpinan1', 'auditor1', 'superadmin1'}

    def test_lists_documents_photos_and_the_api_follow_the_rule(self, app, client, secret):
        instance_id, plain = secret
        assert Api(client, 'verifikator1').complete_only_task(instance_id, helpers.VERIFY_YES).status_code == 200
        outsider = app.test_client()
        web_login(outsider, 'verifikator2')
        listing = outsider.get('/laporan').get_data(as_text=True)
        assert 'Laporan sangat rahasia' not in listing and f'/laporan/{plain}"' in listing
        with app.app_context():
            letter = documents.latest(instance_id, 'laporan_informasi').id
            photo = db.session.execute(select(Attachment.id).where(Attachment.instance_id == instance_id)).scalar()
        assert outsider.get(f'/dokumen/{letter}').status_code == 403
        assert outsider.get(f'/lampiran/{photo}').status_code == 403
        api = Api(app.test_client(), 'verifikator2')
        assert api.get(f'/instances/{instance_id}').status_code == 403
        assert api.get(f'/instances/{instance_id}/documents').status_code == 403
        insider = app.test_client()
        web_login(insider, 'verifikator1')
        assert insider.get(f'/dokumen/{letter}').status_code == 200
        assert 'Laporan sangat rahasia' in insider.get('/laporan').get_data(as_text=True)


def test_every_web_post_without_a_csrf_token_is_refused_and_changes_nothing(app, client):
    ids = build_world(app, client)
    visitors = {role: Visitor(app, username) for role, username in ROLES.items()}
    posts = [(rule, method) for rule, method in routes(app) if method != 'GET' and not rule.endpoint.startswith('api.')]
    with app.app_context():
        before = audit_events_count()
    refused = []
    for rule, _method in posts:
        url = rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]
        for role, visitor in visitors.items():
            response = visitor.client.post(url, data={'alasan': 'x', 'catatan': 'x'})
            assert response.status_code == 400, (rule.endpoint, role, response.status_code)
            assert 'Token keamanan (CSRF)' in response.get_data(as_text=True)
            refused.append(rule.endpoint)
    with app.app_context():
        assert audit_events_count() == before
    assert len(set(refused)) == len(posts) >= 20


def test_the_api_never_takes_the_session_cookie(app, client):
    ids = build_world(app, client)
    browser = Visitor(app, 'administrator1').client      # signed in on the web, no bearer token
    for rule, method in routes(app):
        if not rule.endpoint.startswith('api.') or rule.endpoint in ('api.openapi', 'api.issue_token'):
            continue
        url = rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]
        assert browser.open(url, method=method, json={}).status_code == 401, rule.endpoint


def audit_events_count():
    from sqlalchemy import func

    from app.models import AuditEvent
    return db.session.execute(select(func.count()).select_from(AuditEvent)).scalar()
