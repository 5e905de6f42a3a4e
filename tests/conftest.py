"""Fixtures: one real database per test session (SQLite file, or PostgreSQL when
SIKANDA_TEST_DATABASE_URL is set), created with the Alembic migrations, emptied between tests."""
import os
import threading

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from tests import helpers

PROCESS_TABLES = ['follow_up_actions', 'documents', 'document_counters', 'notifications', 'audit_events',
                  'attachments', 'task_submissions', 'human_tasks', 'reports',
                  'process_instances', 'api_tokens', 'user_sessions']


@pytest.fixture(scope='session')
def app(tmp_path_factory):
    from flask_migrate import upgrade

    from app import create_app
    from app.cli import DEMO_USERS
    from app.extensions import db
    from app.services import processes, users
    from app.uow import unit_of_work
    from forms import FORM_CATALOG

    root = tmp_path_factory.mktemp('sikanda')
    url = os.environ.get('SIKANDA_TEST_DATABASE_URL') or f'sqlite:///{root / "test.db"}'
    app = create_app({'SIKANDA_ENV': 'test', 'TESTING': True, 'DATABASE_URL': url,
                      'SQLALCHEMY_DATABASE_URI': url, 'UPLOAD_DIR': str(root / 'uploads'),
                      'SECRET_KEY': 'test-secret', 'SESSION_COOKIE_SECURE': False,
                      'REMEMBER_COOKIE_SECURE': False, 'MAX_PHOTO_BYTES': 300_000})
    with app.app_context():
        if db.engine.dialect.name == 'postgresql':
            with db.engine.begin() as conn:
                conn.execute(text('DROP SCHEMA public CASCADE; CREATE SCHEMA public'))
        upgrade()
        with unit_of_work():
            processes.install_shipped_diagrams(FORM_CATALOG)
            for username, name, roles in DEMO_USERS + helpers.EXTRA_USERS:
                users.create_user(username, name, helpers.PASSWORD, roles)
        db.session.remove()
    yield app


@pytest.fixture(autouse=True)
def _clean_database(request):
    yield
    if 'app' not in request.fixturenames:
        return
    app = request.getfixturevalue('app')
    from app.extensions import db, limiter
    with app.app_context():
        limiter.reset()  # failed logins of one test do not lock the next one out
        db.session.remove()
        with db.engine.begin() as conn:
            for table in PROCESS_TABLES:
                conn.execute(text(f'DELETE FROM {table}'))  # noqa: S608 - fixed table names
            # back to the shipped diagram: version 1, deployed
            # the superadmin's settings go; the moment documents began (set by the migration) stays
            conn.execute(text("DELETE FROM settings WHERE key <> 'dokumen_sejak'"))
            conn.execute(text('DELETE FROM process_definitions WHERE version > 1'))
            conn.execute(text('UPDATE process_definitions SET deployed = TRUE'))
            conn.execute(text('UPDATE scheduler_leases SET holder = NULL, expires_at = NULL'))
            conn.execute(text("UPDATE audit_chain_head SET last_hash = :genesis, last_event_id = NULL"),
                         {'genesis': '0' * 64})


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        from app.extensions import db
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db_dialect(app):
    from app.extensions import db
    with app.app_context():
        return db.engine.dialect.name


@pytest.fixture(scope='session')
def live_server(app):
    server = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_port}'
    server.shutdown()
