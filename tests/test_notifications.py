"""Notifications: the bell and its list, the API, and e-mail through a real local SMTP server
(aiosmtpd), delivered after the commit and never at the cost of the in-app copy."""
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from app.extensions import db, mailer
from app.models import Notification, User
from app.models.notification import EMAIL_PENDING, EMAIL_SENT
from tests import helpers
from tests.test_deadlines import open_task, tick


class Inbox:
    """aiosmtpd handler: keeps every message it receives; refuses the addresses in `refuse`
    with the given SMTP answer (e.g. '550 …' for good, '451 …' for now)."""

    def __init__(self, refuse=None):
        self.messages = []
        self.refuse = refuse or {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode('utf-8', 'replace')))
        return '250 OK'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_config(app):
    """E-mail on, towards a port of our choosing; verifikator1 has an address. Restored afterwards."""
    port = free_port()
    saved = (mailer.host, mailer.port)
    mailer.host, mailer.port = '127.0.0.1', port
    with app.app_context():
        db.session.execute(update(User).where(User.username == 'verifikator1').values(email='rudi@balangan.test'))
        db.session.commit()  # test setup only; the app commits in its unit of work
    yield port
    mailer.host, mailer.port = saved
    with app.app_context():
        db.session.execute(update(User).values(email=None))
        db.session.commit()


@pytest.fixture
def smtp_server(smtp_config):
    handler = Inbox()
    controller = Controller(handler, hostname='127.0.0.1', port=smtp_config)
    controller.start()
    yield handler
    controller.stop()


def verifier_notices(app):
    with app.app_context():
        return db.session.execute(select(Notification).join(User).where(User.username == 'verifikator1')
                                  .order_by(Notification.id)).scalars().all()


def test_an_email_reaches_the_smtp_server_after_the_tick(app, client, smtp_server):
    instance = helpers.Api(client, 'agen1').file_report()
    [notice] = verifier_notices(app)
    assert notice.email_status == EMAIL_PENDING   # stored with the report, sent after the commit
    assert smtp_server.messages == []
    assert 'e-mail terkirim: 1, gagal: 0' in tick(app, open_task(app, instance['id'], 'Verifikator').created_at)
    [(recipients, content)] = smtp_server.messages
    assert recipients == ['rudi@balangan.test']
    assert 'Tugas baru: Verifikasi Laporan' in content and f'/tugas/{notice.human_task_id}' in content
    assert verifier_notices(app)[0].email_status == EMAIL_SENT
    assert 'e-mail terkirim: 0' in tick(app, open_task(app, instance['id'], 'Verifikator').created_at)
    assert len(smtp_server.messages) == 1


def test_mail_server_down_keeps_the_in_app_copy_and_retries(app, client, smtp_config):
    instance = helpers.Api(client, 'agen1').file_report()
    task = open_task(app, instance['id'], 'Verifikator')
    output = tick(app, task.created_at)   # nothing listens on the port
    assert 'e-mail terkirim: 0, gagal: 0' in output and 'server e-mail tidak dapat dihubungi' in output
    [notice] = verifier_notices(app)
    assert notice.email_status == EMAIL_PENDING and notice.email_attempts == 0   # an outage costs no attempt
    assert notice.read_at is None   # the bell still has it

    handler = Inbox()
    controller = Controller(handler, hostname='127.0.0.1', port=smtp_config)
    controller.start()
    try:
        assert 'e-mail terkirim: 1' in tick(app, task.created_at + timedelta(minutes=1))
    finally:
        controller.stop()
    assert len(handler.messages) == 1 and verifier_notices(app)[0].email_status == EMAIL_SENT


def set_email(app, username, address):
    with app.app_context():
        db.session.execute(update(User).where(User.username == username).values(email=address))
        db.session.commit()  # test setup


def email_states(app):
    with app.app_context():
        return dict(db.session.execute(select(User.username, Notification.email_status).join(User)
                                       .where(User.email.is_not(None))).all())


def test_a_refused_message_fails_alone_and_a_line_break_in_a_title_is_harmless(app, client, smtp_config):
    set_email(app, 'verifikator2', 'tidak-ada@balangan.test')
    set_email(app, 'agenverif', 'penuh@balangan.test')
    instance = helpers.Api(client, 'agen1').file_report()
    with app.app_context():   # a diagram label may carry a line break into the title
        db.session.execute(update(Notification).values(title='Tugas baru:\nVerifikasi\r\nLaporan'))
        db.session.commit()
    handler = Inbox(refuse={'tidak-ada@balangan.test': '550 no such user',
                            'penuh@balangan.test': '452 mailbox full, try later'})
    controller = Controller(handler, hostname='127.0.0.1', port=smtp_config)
    controller.start()
    try:
        output = tick(app, open_task(app, instance['id'], 'Verifikator').created_at)
    finally:
        controller.stop()
    assert 'e-mail terkirim: 1, gagal: 2' in output
    [(recipients, content)] = handler.messages
    assert recipients == ['rudi@balangan.test'] and 'Subject: [SIKANDA] Tugas baru: Verifikasi Laporan' in content
    # refused for good: failed; refused for now: pending, retried on a later tick
    assert email_states(app) == {'verifikator1': EMAIL_SENT, 'verifikator2': 'gagal', 'agenverif': EMAIL_PENDING}


def test_without_smtp_no_email_is_queued(app, client):
    helpers.Api(client, 'agen1').file_report()
    assert all(n.email_status is None for n in verifier_notices(app))


def test_bell_counts_unread_and_opening_a_notice_marks_it_read(app, client):
    instance = helpers.Api(client, 'agen1').file_report()
    web = app.test_client()
    helpers.web_login(web, 'verifikator1')
    page = web.get('/tugas').get_data(as_text=True)
    assert 'Notifikasi, 1 belum dibaca' in page
    listing = web.get('/notifikasi').get_data(as_text=True)
    assert 'Tugas baru: Verifikasi Laporan' in listing
    [notice] = verifier_notices(app)
    token = helpers.csrf_from(listing)
    response = web.post(f'/notifikasi/{notice.id}/buka', data={'csrf_token': token})
    assert response.status_code == 302 and response.headers['Location'] == f'/tugas/{notice.human_task_id}'
    assert 'tidak ada yang baru' in web.get('/tugas').get_data(as_text=True)
    assert web.post(f'/notifikasi/{notice.id}/buka').status_code == 400   # no CSRF token
    # another person's notice is not theirs to open
    other = app.test_client()
    helpers.web_login(other, 'verifikator2')
    token = helpers.csrf_from(other.get('/notifikasi').get_data(as_text=True))
    assert other.post(f'/notifikasi/{notice.id}/buka', data={'csrf_token': token}).status_code == 404
    assert instance['id']


def test_mark_all_read(app, client):
    agent = helpers.Api(client, 'agen1')
    agent.file_report()
    agent.file_report()
    web = app.test_client()
    helpers.web_login(web, 'verifikator2')
    assert 'Notifikasi, 2 belum dibaca' in web.get('/tugas').get_data(as_text=True)
    token = helpers.csrf_from(web.get('/notifikasi').get_data(as_text=True))
    web.post('/notifikasi/baca-semua', data={'csrf_token': token})
    assert 'tidak ada yang baru' in web.get('/tugas').get_data(as_text=True)


def test_empty_notification_list_says_what_comes_there(app):
    web = app.test_client()
    helpers.web_login(web, 'auditor1')
    assert 'Belum ada notifikasi' in web.get('/notifikasi').get_data(as_text=True)


def test_api_lists_the_callers_notifications_only(app, client):
    helpers.Api(client, 'agen1').file_report()
    body = helpers.Api(client, 'verifikator1').get('/notifications').get_json()
    assert body['unread'] == 1 and body['next_before'] is None
    [notice] = body['notifications']
    assert notice['kind'] == 'tugas_baru' and notice['read'] is False and notice['link'].startswith('/tugas/')
    assert helpers.Api(client, 'auditor1').get('/notifications').get_json() == {
        'notifications': [], 'unread': 0, 'next_before': None}
    assert client.get('/api/v1/notifications').status_code == 401


def test_home_is_the_dashboard_for_the_leadership_and_the_inbox_for_others(app):
    for username, target in (('pimpinan1', '/dasbor'), ('administrator1', '/dasbor')):
        web = app.test_client()
        helpers.web_login(web, username)
        response = web.get('/')
        assert response.status_code == 302 and response.headers['Location'] == target
    web = app.test_client()
    helpers.web_login(web, 'verifikator1')
    assert 'Kotak tugas' in web.get('/').get_data(as_text=True)
