"""The global audit log: filters, paging, CSV export, access; and `audit verify` against tampering in SQL."""
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from tests import helpers

AUDIT_URL = '/audit'


@pytest.fixture
def auditor(client):
    helpers.web_login(client, 'auditor1')
    return client


def events_in(html):
    return html.count('<tr>') - 1  # minus the header row


def test_log_lists_events_newest_first_with_actor_role_and_hash(client, auditor):
    instance = helpers.Api(client, 'agen1').file_report()
    page = auditor.get(AUDIT_URL).get_data(as_text=True)
    assert 'Laporan dibuat' in page and 'Tahap diselesaikan: Pelaporan Informasi' in page
    assert 'Agen Lapangan' in page and f'Instans {instance["id"]}' in page
    assert page.index('Foto diunggah') < page.index('Laporan dibuat')  # newest first


def test_filters_narrow_the_log(app, client, auditor):
    agent = helpers.Api(client, 'agen1')
    first = agent.file_report()
    second = agent.file_report()
    helpers.Api(client, 'verifikator1').complete_only_task(second['id'], helpers.VERIFY_REJECT)
    by_instance = auditor.get(f'{AUDIT_URL}?laporan={first["id"]}').get_data(as_text=True)
    assert f'Instans {first["id"]}' in by_instance and f'Instans {second["id"]}' not in by_instance
    decisions = auditor.get(f'{AUDIT_URL}?aksi=decision.taken').get_data(as_text=True)
    assert events_in(decisions) == 1 and 'Verifikasi Laporan — TIDAK' in decisions
    by_role = auditor.get(f'{AUDIT_URL}?peran=verifikator').get_data(as_text=True)
    assert 'verifikator1' in by_role and 'agen1</td>' not in by_role
    by_actor = auditor.get(f'{AUDIT_URL}?pelaku=verifikator1').get_data(as_text=True)
    assert events_in(by_actor) == events_in(by_role)
    in_paringin = auditor.get(f'{AUDIT_URL}?kecamatan={helpers.KECAMATAN}').get_data(as_text=True)
    assert f'Instans {first["id"]}' in in_paringin
    elsewhere = auditor.get(f'{AUDIT_URL}?kecamatan=63.11.01').get_data(as_text=True)
    assert 'Tidak ada kejadian yang cocok' in elsewhere
    today = helpers.wita_today()
    assert events_in(auditor.get(f'{AUDIT_URL}?dari={today}&sampai={today}').get_data(as_text=True)) > 5
    tomorrow = today + timedelta(days=1)
    assert 'Tidak ada kejadian' in auditor.get(f'{AUDIT_URL}?dari={tomorrow}').get_data(as_text=True)
    invalid = auditor.get(f'{AUDIT_URL}?dari=kemarin').get_data(as_text=True)
    assert 'Perbaiki isian filter' in invalid


def test_pages_follow_the_id_cursor_without_gaps_or_repeats(app, client, auditor):
    from app.extensions import db
    from app.models import AuditEvent
    from app.services import audit
    from app.uow import unit_of_work
    with app.app_context():
        with unit_of_work():
            for n in range(120):
                audit.record('auth.login_failed', detail={'username': f'tamu{n}'})
        expected = db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == 'auth.login_failed')
                                      .order_by(AuditEvent.id.desc())).all()
        db.session.remove()
    seen, url = [], f'{AUDIT_URL}?aksi=auth.login_failed'
    while url:
        html = auditor.get(url).get_data(as_text=True)
        seen += [int(part.split('<')[0]) for part in html.split('text-body-secondary">#')[1:]]
        marker = 'href="/audit?'
        older = [chunk for chunk in html.split(marker)[1:] if 'lebih lama' in chunk.split('</a>')[0]]
        url = ('/audit?' + older[0].split('"')[0].replace('&amp;', '&')) if older else None
    assert seen == expected and len(seen) == 120


def test_csv_export_has_every_matching_event_and_is_itself_audited(app, client, auditor):
    helpers.Api(client, 'agen1').file_report()
    response = auditor.get(f'{AUDIT_URL}/ekspor.csv?pelaku=agen1')
    assert response.status_code == 200 and response.mimetype == 'text/csv'
    assert 'attachment' in response.headers['Content-Disposition']
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row['pelaku'] for row in rows} == {'agen1'}
    assert {'Token API diterbitkan', 'Laporan dibuat', 'Tahap diselesaikan', 'Foto diunggah'} == {
        row['aksi'] for row in rows}
    assert all(len(row['hash']) == 64 for row in rows)
    from app.extensions import db
    from app.models import AuditEvent
    with app.app_context():
        exported = db.session.execute(select(AuditEvent).where(AuditEvent.action == 'audit.exported')).scalar_one()
        assert (exported.actor_username, exported.role, exported.detail) == (
            'auditor1', 'auditor', {'filter': {'pelaku': 'agen1'}})
        db.session.remove()


@pytest.mark.parametrize('username', ['agen1', 'verifikator1', 'administrator1', 'pimpinan1', 'pemilikproses1'])
def test_only_auditors_and_superadmins_read_the_log(app, username):
    client = app.test_client()
    helpers.web_login(client, username)
    assert client.get(AUDIT_URL).status_code == 403
    assert client.get(f'{AUDIT_URL}/ekspor.csv').status_code == 403
    superadmin = app.test_client()
    helpers.web_login(superadmin, 'superadmin1')
    assert superadmin.get(AUDIT_URL).status_code == 200


def test_api_audit_events_are_filtered_paged_and_for_auditors_only(client):
    helpers.Api(client, 'agen1').file_report()
    api = helpers.Api(client, 'auditor1')
    first = api.get('/audit/events?limit=3&actor=agen1').get_json()
    assert len(first['events']) == 3 and first['next_before']
    assert all(e['actor'] == 'agen1' and len(e['hash']) == 64 and 'prev_hash' in e for e in first['events'])
    rest = api.get(f'/audit/events?limit=100&actor=agen1&before={first["next_before"]}').get_json()
    ids = [e['id'] for e in first['events'] + rest['events']]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids) and rest['next_before'] is None
    assert api.get('/audit/events?from=bukan-tanggal').status_code == 422
    assert helpers.Api(client, 'verifikator1').get('/audit/events').status_code == 403


# --- tampering, done directly in SQL ---------------------------------------------------------------

def run_verify(app):
    result = app.test_cli_runner().invoke(args=['audit', 'verify'])
    return result.exit_code, result.output


def chain_with_events(app, client):
    helpers.Api(client, 'agen1').file_report()
    from app.extensions import db
    from app.models import AuditEvent
    with app.app_context():
        ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
        db.session.remove()
    assert len(ids) >= 4
    return ids


def sql(app, statement, **params):
    from app.extensions import db
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text(statement), params)
        db.session.remove()


def test_verify_passes_on_an_untouched_chain(app, client):
    chain_with_events(app, client)
    code, output = run_verify(app)
    assert code == 0, output


def test_verify_names_an_updated_event(app, client):
    ids = chain_with_events(app, client)
    sql(app, "UPDATE audit_events SET actor_username = 'orang_lain' WHERE id = :id", id=ids[2])
    code, output = run_verify(app)
    assert code == 1 and f'#{ids[2]}' in output


def test_verify_names_the_event_after_a_deleted_one(app, client):
    ids = chain_with_events(app, client)
    sql(app, 'DELETE FROM audit_events WHERE id = :id', id=ids[2])
    code, output = run_verify(app)
    assert code == 1 and f'#{ids[3]}' in output


def test_verify_notices_a_deleted_tail(app, client):
    ids = chain_with_events(app, client)
    sql(app, 'DELETE FROM audit_events WHERE id = :id', id=ids[-1])
    code, output = run_verify(app)
    assert code == 1 and f'#{ids[-2]}' in output


def test_verify_names_an_event_moved_out_of_order(app, client):
    """An event taken out and put back later in the sequence (same content, new id) breaks the next link."""
    ids = chain_with_events(app, client)
    columns = ('created_at, actor_id, actor_username, role, action, instance_id, human_task_id, detail, '
               'prev_hash, hash')
    from app.extensions import db
    with app.app_context():
        with db.engine.begin() as conn:
            new_id = conn.execute(text('SELECT MAX(id) FROM audit_events')).scalar() + 100
            conn.execute(text('CREATE TEMPORARY TABLE moved AS SELECT * FROM audit_events WHERE id = :id'),
                         {'id': ids[1]})
            conn.execute(text('DELETE FROM audit_events WHERE id = :id'), {'id': ids[1]})
            conn.execute(text(f'INSERT INTO audit_events (id, {columns}) '  # noqa: S608 - fixed column list
                              f'SELECT :new_id, {columns} FROM moved'), {'new_id': new_id})
            conn.execute(text('DROP TABLE moved'))
        db.session.remove()
    code, output = run_verify(app)
    assert code == 1 and f'#{ids[2]}' in output


def test_auditors_get_403_on_every_write_route(app):
    """Every POST route of the app (from Flask's URL map, so a new one cannot escape), as an auditor."""
    # signing in and out, one's own password, and marking one's own notifications read (not records of the agency)
    open_to_all = {'auth.login', 'auth.logout', 'auth.change_password', 'api.issue_token', 'notifications.open_one',
                   'notifications.read_all'}
    instance = helpers.Api(app.test_client(), 'agen1').file_report()
    real_ids = {'task_id': instance['tasks'][0]['id'], 'instance_id': instance['id'], 'process_id': 'sikanda',
                'version': 1, 'document_id': 1, 'action_id': 1, 'user_id': 1}
    web, api = app.test_client(), helpers.Api(app.test_client(), 'auditor1')
    helpers.web_login(web, 'auditor1')
    token = helpers.csrf_from(web.get('/tugas').get_data(as_text=True))
    checked = []
    for rule in app.url_map.iter_rules():
        if 'POST' not in rule.methods or rule.endpoint in open_to_all:
            continue
        url = rule.build({name: real_ids[name] for name in rule.arguments}, append_unknown=False)[1]
        if rule.endpoint.startswith('api.'):
            response = api.client.post(url, headers=api.headers, json={})
        else:
            response = web.post(url, data={'csrf_token': token}, headers={'X-CSRFToken': token})
        assert response.status_code == 403, (rule.endpoint, response.status_code)
        checked.append(rule.endpoint)
    assert len(checked) >= 10


def test_verify_from_a_checkpoint_after_old_events_were_archived(app, client):
    """The operator's archiving procedure: keep the last archived hash, delete the archived rows."""
    ids = chain_with_events(app, client)
    from app.extensions import db
    from app.models import AuditEvent
    with app.app_context():
        checkpoint = db.session.get(AuditEvent, ids[1]).hash
        db.session.remove()
    sql(app, 'DELETE FROM audit_events WHERE id <= :id', id=ids[1])
    code, _output = run_verify(app)
    assert code == 1  # without the checkpoint the first kept event does not link to the start
    result = app.test_cli_runner().invoke(args=['audit', 'verify', '--checkpoint', checkpoint])
    assert result.exit_code == 0, result.output
    sql(app, "UPDATE audit_events SET action = 'task.released' WHERE id = :id", id=ids[2])
    result = app.test_cli_runner().invoke(args=['audit', 'verify', '--checkpoint', checkpoint])
    assert result.exit_code == 1 and f'#{ids[2]}' in result.output


def events_of(app, action):
    from app.extensions import db
    from app.models import AuditEvent
    with app.app_context():
        rows = db.session.execute(select(AuditEvent.actor_username, AuditEvent.role, AuditEvent.detail)
                                  .where(AuditEvent.action == action)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def test_sign_in_out_claims_and_photo_views_are_each_one_event(app, client):
    web = app.test_client()
    helpers.web_login(web, 'agen1', password='salah-sekali')
    assert [(a, r, d['username']) for a, r, d in events_of(app, 'auth.login_failed')] == [(None, None, 'agen1')]
    helpers.web_login(web, 'agen1')
    assert [(a, r) for a, r, _d in events_of(app, 'auth.login')] == [('agen1', 'agen')]
    web.post('/logout', data={'csrf_token': helpers.csrf_from(web.get('/tugas').get_data(as_text=True))})
    assert [(a, r) for a, r, _d in events_of(app, 'auth.logout')] == [('agen1', 'agen')]
    instance = helpers.Api(client, 'agen1').file_report()
    assert [(a, r) for a, r, _d in events_of(app, 'auth.token_issued')] == [('agen1', 'agen')]
    verifier = helpers.Api(client, 'verifikator1')
    task_id = verifier.get(f'/instances/{instance["id"]}').get_json()['tasks'][0]['id']
    assert verifier.post(f'/tasks/{task_id}/claim').status_code == 200
    assert verifier.post(f'/tasks/{task_id}/release').status_code == 200
    assert [(a, r) for a, r, _d in events_of(app, 'task.claimed')] == [('verifikator1', 'verifikator')]
    assert [(a, r) for a, r, _d in events_of(app, 'task.released')] == [('verifikator1', 'verifikator')]
    (_a, _r, uploaded), = events_of(app, 'attachment.uploaded')
    viewer = app.test_client()
    helpers.web_login(viewer, 'verifikator1')
    assert viewer.get(f'/lampiran/{uploaded["attachment_id"]}').status_code == 200
    assert [(a, r, d['attachment_id']) for a, r, d in events_of(app, 'attachment.viewed')] == [
        ('verifikator1', 'verifikator', uploaded['attachment_id'])]
