"""Authentication: argon2 hashes, login rate limits, server-side sessions (rotation, logout, idle time,
lifetime), the password policy, API tokens (hashed, expiring, revocable) and disabling an account."""
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import ApiToken, AuditEvent, User, UserSession
from app.services import users
from app.timeutil import utcnow
from tests import helpers
from tests.helpers import Api, csrf_from, web_login, web_post


def login_attempt(client, username, password):
    token = csrf_from(client.get('/login').get_data(as_text=True))
    return client.post('/login', data={'csrf_token': token, 'username': username, 'password': password})


def token_attempt(client, username, password):
    return client.post('/api/v1/auth/token', json={'username': username, 'password': password})


def events(app, action):
    with app.app_context():
        return db.session.execute(select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.id)).scalars().all()


def age_sessions(app, username, **columns):
    """Move a user's sessions back in time (e.g. last_seen_at=timedelta(minutes=31))."""
    with app.app_context():
        user_id = users.find_user(username).id
        values = {name: utcnow() - delta for name, delta in columns.items()}
        db.session.execute(update(UserSession).where(UserSession.user_id == user_id).values(**values))
        db.session.commit()


def signed_in_everywhere(app, username):
    """`username` in a browser session and with an API token, and the superadmin's browser; plus the user's id."""
    web = app.test_client()
    web_login(web, username)
    api = Api(app.test_client(), username)
    admin = app.test_client()
    web_login(admin, 'superadmin1')
    with app.app_context():
        return web, api, admin, users.find_user(username).id


def test_passwords_are_stored_as_argon2id_hashes(app):
    with app.app_context():
        stored = users.find_user('agen1').password_hash
    assert stored.startswith('$argon2id$') and helpers.PASSWORD not in stored


class TestLoginRateLimit:
    def test_five_failures_lock_the_account_for_web_and_api_alike(self, app, client):
        for _ in range(5):
            assert 'Nama pengguna atau kata sandi salah' in login_attempt(client, 'agen1', 'salah').get_data(True)
        blocked = login_attempt(client, 'agen1', helpers.PASSWORD)   # even the right password now waits
        assert blocked.status_code == 429 and 'Terlalu banyak percobaan masuk' in blocked.get_data(True)
        assert int(blocked.headers['Retry-After']) > 0
        api = token_attempt(app.test_client(), 'agen1', helpers.PASSWORD)
        assert api.status_code == 429 and 'Terlalu banyak percobaan' in api.get_json()['error']
        assert api.get_json()['status'] == 429
        # another account from the same address is not locked
        assert login_attempt(app.test_client(), 'agen2', helpers.PASSWORD).status_code == 302
        assert len(events(app, 'auth.login_failed')) == 5

    def test_failures_through_the_api_count_for_the_web_login(self, app):
        for _ in range(5):
            assert token_attempt(app.test_client(), 'verifikator1', 'salah').status_code == 401
        assert login_attempt(app.test_client(), 'verifikator1', helpers.PASSWORD).status_code == 429

    def test_successful_logins_never_count(self, app):
        for _ in range(8):
            assert login_attempt(app.test_client(), 'agen1', helpers.PASSWORD).status_code == 302
            assert token_attempt(app.test_client(), 'agen1', helpers.PASSWORD).status_code == 200

    def test_one_address_trying_many_accounts_is_limited(self, app):
        for n in range(20):
            assert token_attempt(app.test_client(), f'tidakada{n}', 'salah').status_code == 401
        assert token_attempt(app.test_client(), 'agen2', helpers.PASSWORD).status_code == 429
        # a client from another address still gets in
        other = app.test_client()
        other.environ_base['REMOTE_ADDR'] = '10.1.2.3'
        assert token_attempt(other, 'agen2', helpers.PASSWORD).status_code == 200


class TestSessions:
    def test_cookie_flags_in_production(self, app, monkeypatch):
        from app import create_app
        monkeypatch.setenv('SIKANDA_ENV', 'production')
        production = create_app({'SIKANDA_ENV': 'production', 'DATABASE_URL': app.config['DATABASE_URL'],
                                 'UPLOAD_DIR': app.config['UPLOAD_DIR'], 'SECRET_KEY': 'another-secret'})
        assert production.config['SESSION_COOKIE_SECURE'] is True
        response = login_attempt(production.test_client(), 'agen1', helpers.PASSWORD)
        cookie = response.headers['Set-Cookie']
        assert response.status_code == 302
        assert 'Secure' in cookie and 'HttpOnly' in cookie and 'SameSite=Lax' in cookie

    def test_every_login_gets_a_new_session_and_logout_ends_it_on_the_server(self, app):
        first, thief = app.test_client(), app.test_client()
        before = login_attempt(first, 'agen1', helpers.PASSWORD)
        stolen = first.get_cookie('session').value
        with app.app_context():
            [row] = db.session.execute(select(UserSession)).scalars().all()
            assert len(row.key_hash) == 64 and row.ip == '127.0.0.1'
        assert before.status_code == 302
        thief.set_cookie('session', stolen)
        assert thief.get('/laporan-saya').status_code == 200      # a copied cookie works while the session lives
        web_post(first, '/logout', {}, form_url='/laporan-saya')
        refused = thief.get('/laporan-saya')                     # and not after its owner logged out
        assert refused.status_code == 302 and '/login' in refused.headers['Location']
        login_attempt(first, 'agen1', helpers.PASSWORD)
        with app.app_context():
            rows = db.session.execute(select(UserSession).order_by(UserSession.id)).scalars().all()
            assert [r.end_reason for r in rows] == ['logout', None]
            assert rows[0].key_hash != rows[1].key_hash

    def test_a_cookie_from_before_the_login_is_not_carried_over(self, app):
        client = app.test_client()
        client.get('/login')
        anonymous = client.get_cookie('session').value
        login_attempt(client, 'agen1', helpers.PASSWORD)
        assert client.get_cookie('session').value != anonymous

    def test_an_idle_session_ends(self, app):
        client = app.test_client()
        web_login(client, 'agen1')
        age_sessions(app, 'agen1', last_seen_at=timedelta(minutes=29))
        assert client.get('/laporan-saya').status_code == 200
        age_sessions(app, 'agen1', last_seen_at=timedelta(minutes=31))
        response = client.get('/laporan-saya')
        assert response.status_code == 302 and '/login' in response.headers['Location']
        assert 'tidak ada aktivitas' in client.get('/login').get_data(as_text=True)
        [ended] = events(app, 'auth.session_ended')
        assert ended.detail['reason'] == 'idle' and ended.actor_username == 'agen1'
        assert client.get('/laporan-saya').status_code == 302          # the session stays ended

    def test_activity_keeps_a_session_alive(self, app):
        client = app.test_client()
        web_login(client, 'agen1')
        age_sessions(app, 'agen1', last_seen_at=timedelta(minutes=20))
        assert client.get('/laporan-saya').status_code == 200          # written again: at most once a minute
        with app.app_context():
            [row] = db.session.execute(select(UserSession)).scalars().all()
            assert utcnow() - row.last_seen_at < timedelta(minutes=1)

    def test_a_session_ends_after_its_lifetime_even_when_used(self, app):
        client = app.test_client()
        web_login(client, 'agen1')
        age_sessions(app, 'agen1', created_at=timedelta(hours=12, minutes=1))
        assert client.get('/laporan-saya').status_code == 302
        assert events(app, 'auth.session_ended')[0].detail['reason'] == 'lifetime'


class TestPasswordPolicy:
    @pytest.mark.parametrize('password, problem', [
        ('pendek1', 'minimal 10 karakter'),
        ('hanyahurufsaja', 'huruf dan juga angka atau simbol'),
        ('1234567890123', 'huruf dan juga angka atau simbol'),
        ('Password123', 'terlalu mudah ditebak'),
        ('aaaa1111aaaa', 'terlalu mudah ditebak'),
        ('agen9-rahasia-2026', 'tidak boleh memuat nama pengguna'),
        ('x' * 199 + '12', 'maksimal 200 karakter'),
    ])
    def test_weak_passwords_are_refused_with_the_reason(self, password, problem):
        assert any(problem in p.lower() for p in users.password_problems(password, 'agen9')), password

    @pytest.mark.parametrize('password', ['sikanda123', helpers.PASSWORD, 'Kopi pagi di Paringin!'])
    def test_reasonable_passwords_pass(self, password):
        assert users.password_problems(password, 'agen9') == []

    def test_changing_ones_own_password_ends_the_other_sessions_and_tokens(self, app):
        here, elsewhere = app.test_client(), app.test_client()
        web_login(here, 'agen2')
        web_login(elsewhere, 'agen2')
        api = Api(app.test_client(), 'agen2')
        weak = web_post(here, '/akun/kata-sandi', {'kata_sandi_lama': helpers.PASSWORD, 'kata_sandi_baru': 'agen2agen2',
                                                  'ulangi': 'agen2agen2'})
        assert weak.status_code == 422 and 'tidak boleh memuat nama pengguna' in weak.get_data(as_text=True)
        wrong = web_post(here, '/akun/kata-sandi', {'kata_sandi_lama': 'keliru-123',
                                                   'kata_sandi_baru': 'Kopi-pagi-2026', 'ulangi': 'Kopi-pagi-2026'})
        assert wrong.status_code == 422 and 'Kata sandi lama salah' in wrong.get_data(as_text=True)
        done = web_post(here, '/akun/kata-sandi', {'kata_sandi_lama': helpers.PASSWORD,
                                                  'kata_sandi_baru': 'Kopi-pagi-2026', 'ulangi': 'Kopi-pagi-2026'})
        try:
            assert done.status_code == 302
            assert here.get('/laporan-saya').status_code == 200        # this session goes on
            assert elsewhere.get('/laporan-saya').status_code == 302   # the other one ended
            assert api.get('/me').status_code == 401                   # so did the API token
            assert login_attempt(app.test_client(), 'agen2', 'Kopi-pagi-2026').status_code == 302
            [changed] = events(app, 'user.password_changed')
            assert changed.detail['sessions_ended'] == 1 and changed.detail['tokens_revoked'] == 1
            assert 'Kopi-pagi-2026' not in str(changed.detail)
        finally:
            with app.app_context():
                users.find_user('agen2').password_hash = users._hasher.hash(helpers.PASSWORD)
                db.session.commit()


class TestApiTokens:
    def test_tokens_are_stored_as_hashes_and_expire(self, app, client):
        token = token_attempt(client, 'agen1', helpers.PASSWORD).get_json()['token']
        with app.app_context():
            [row] = db.session.execute(select(ApiToken)).scalars().all()
            assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
            assert timedelta(hours=11, minutes=59) < row.expires_at - row.created_at <= timedelta(hours=12)
            row.expires_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
        response = client.get('/api/v1/me', headers={'Authorization': f'Bearer {token}'})
        assert response.status_code == 401 and 'kedaluwarsa' in response.get_json()['error']

    def test_a_client_revokes_its_token(self, app, client):
        api = Api(client, 'agen1')
        other = Api(app.test_client(), 'agen1')
        assert client.delete('/api/v1/auth/token', headers=api.headers).status_code == 204
        assert api.get('/me').status_code == 401
        assert other.get('/me').status_code == 200                   # only the presented token ends
        assert [e.actor_username for e in events(app, 'auth.token_revoked')] == ['agen1']


class TestDisablingAnAccount:
    def test_disabled_at_once_on_the_web_and_the_api(self, app):
        agent_web, agent_api, admin, agent_id = signed_in_everywhere(app, 'agen1')
        page = admin.get(f'/admin/pengguna/{agent_id}').get_data(as_text=True)
        assert 'Sesi aktif' in page and '127.0.0.1' in page
        missing = web_post(admin, f'/admin/pengguna/{agent_id}/nonaktifkan', {'alasan': ''},
                           form_url=f'/admin/pengguna/{agent_id}')
        assert missing.status_code == 422 and agent_api.get('/me').status_code == 200
        try:
            done = web_post(admin, f'/admin/pengguna/{agent_id}/nonaktifkan', {'alasan': 'Pindah tugas'},
                            form_url=f'/admin/pengguna/{agent_id}')
            assert done.status_code == 302
            assert agent_web.get('/laporan-saya').status_code == 302
            assert agent_api.get('/me').status_code == 401
            assert login_attempt(app.test_client(), 'agen1', helpers.PASSWORD).status_code == 200  # refused
            again = web_post(admin, f'/admin/pengguna/{agent_id}/nonaktifkan', {'alasan': 'Lagi'},
                             form_url=f'/admin/pengguna/{agent_id}')
            assert again.status_code == 409
            [disabled] = events(app, 'user.disabled')
            assert disabled.actor_username == 'superadmin1' and disabled.detail == {
                'user_id': agent_id, 'username': 'agen1', 'reason': 'Pindah tugas', 'sessions_ended': 1,
                'tokens_revoked': 1}
        finally:
            assert web_post(admin, f'/admin/pengguna/{agent_id}/aktifkan', {},
                            form_url=f'/admin/pengguna/{agent_id}').status_code == 302
        assert login_attempt(app.test_client(), 'agen1', helpers.PASSWORD).status_code == 302
        assert [e.action for e in events(app, 'user.enabled')] == ['user.enabled']

    def test_a_superadmin_cannot_disable_themselves(self, app):
        admin = app.test_client()
        web_login(admin, 'superadmin1')
        with app.app_context():
            own_id = users.find_user('superadmin1').id
        refused = web_post(admin, f'/admin/pengguna/{own_id}/nonaktifkan', {'alasan': 'Coba'},
                           form_url=f'/admin/pengguna/{own_id}')
        assert refused.status_code == 422 and 'akun Anda sendiri' in refused.get_data(as_text=True)
        with app.app_context():
            assert users.find_user('superadmin1').active

    def test_sign_out_everywhere_and_a_new_password(self, app):
        agent, agent_api, admin, agent_id = signed_in_everywhere(app, 'agen2')
        url = f'/admin/pengguna/{agent_id}'
        assert web_post(admin, f'{url}/akhiri-sesi', {}, form_url=url).status_code == 302
        assert agent.get('/laporan-saya').status_code == 302 and agent_api.get('/me').status_code == 401
        try:
            weak = web_post(admin, f'{url}/kata-sandi', {'kata_sandi_baru': 'pendek'}, form_url=url)
            assert weak.status_code == 422 and 'minimal 10 karakter' in weak.get_data(as_text=True)
            assert web_post(admin, f'{url}/kata-sandi', {'kata_sandi_baru': 'Sungai-Balangan-7'},
                            form_url=url).status_code == 302
            assert login_attempt(app.test_client(), 'agen2', 'Sungai-Balangan-7').status_code == 302
            [changed] = events(app, 'user.password_changed')
            assert changed.actor_username == 'superadmin1' and changed.detail['by_admin'] is True
        finally:
            with app.app_context():
                users.find_user('agen2').password_hash = users._hasher.hash(helpers.PASSWORD)
                db.session.commit()

    def test_creating_a_user_on_the_page(self, app):
        admin = app.test_client()
        web_login(admin, 'superadmin1')
        weak = web_post(admin, '/admin/pengguna/baru', {'username': 'agen7', 'full_name': 'Agen Tujuh',
                                                        'roles': ['agen'], 'password': 'agen7agen7'})
        assert weak.status_code == 422 and 'tidak boleh memuat nama pengguna' in weak.get_data(as_text=True)
        try:
            made = web_post(admin, '/admin/pengguna/baru', {'username': 'agen7', 'full_name': 'Agen Tujuh',
                                                            'roles': ['agen'], 'password': 'Halong-Juai-2026'})
            assert made.status_code == 302
            assert login_attempt(app.test_client(), 'agen7', 'Halong-Juai-2026').status_code == 302
            assert 'Agen Tujuh' in admin.get('/admin/pengguna').get_data(as_text=True)
            [created] = [e for e in events(app, 'user.created') if e.detail['username'] == 'agen7']
            assert created.actor_username == 'superadmin1'
        finally:
            with app.app_context():  # its own events go first (the whole log is emptied after each test)
                user = users.find_user('agen7')
                db.session.execute(delete(AuditEvent).where(AuditEvent.actor_id == user.id))
                db.session.delete(user)
                db.session.commit()

    def test_only_the_superadmin_manages_users(self, app):
        for username in ('agen1', 'verifikator1', 'administrator1', 'pimpinan1', 'pemilikproses1', 'auditor1'):
            client = app.test_client()
            web_login(client, username)
            assert client.get('/admin/pengguna').status_code == 403, username
        with app.app_context():
            assert db.session.execute(select(User).where(User.active.is_(False))).first() is None
