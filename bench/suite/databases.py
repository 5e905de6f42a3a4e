"""Fresh, migrated and seeded databases for each part: a new SQLite file, or a new PostgreSQL database.

bench.empty_app() refuses a database that is not empty, so every part gets its own. On PostgreSQL that is
CREATE DATABASE bench_<part>_<pid> next to the database of the given URL (dropped afterwards); when the role
may not create databases, the given database itself is used if it is empty, and its tables are dropped
after the part.
"""
import contextlib
import io
import logging
import os
import shutil
import sys

from bench.suite.common import say

PG_VARIABLES = ('SIKANDA_BENCH_PG_URL', 'SIKANDA_TEST_DATABASE_URL')


def postgres_url():
    """The PostgreSQL server to use, or None (then the PostgreSQL rows are skipped)."""
    for name in PG_VARIABLES:
        url = os.environ.get(name, '')
        if url.startswith('postgresql'):
            return url
    return None


@contextlib.contextmanager
def fresh_sqlite():
    """(app, workdir, url) on a new SQLite file in WAL mode; the files are removed afterwards."""
    from bench import SQLITE
    app, workdir = _quiet_empty_app(SQLITE)
    try:
        yield app, workdir, app.config['DATABASE_URL']
    finally:
        _dispose(app)
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def fresh_postgres(admin_url, part):
    """(app, workdir, url) on a new PostgreSQL database; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f'bench_{part}_{os.getpid()}'
    admin = create_engine(admin_url, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS {name}'))
            conn.execute(text(f'CREATE DATABASE {name}'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        created = True
    except Exception as exc:  # noqa: BLE001 - no CREATEDB right: fall back to the given (empty) database
        say(f'  cannot create a database ({type(exc).__name__}); using the given one and dropping its tables after')
        url, created = admin_url, False
    app = workdir = None
    try:
        app, workdir = _quiet_empty_app(url)
        yield app, workdir, url
    finally:
        if app is not None:
            if not created:
                _drop_tables(app)
            _dispose(app)
        if created:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))
        admin.dispose()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def _quiet_empty_app(url):
    """bench.empty_app without alembic's log lines (shown if it fails)."""
    from bench import empty_app
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            return empty_app(url)
    except BaseException:
        sys.stderr.write(captured.getvalue())
        raise
    finally:
        # alembic's logging config bound the root handler to the captured stream: give it stderr back
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is captured:
                handler.setStream(sys.stderr)


def _dispose(app):
    from app.extensions import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _drop_tables(app):
    from sqlalchemy import text

    from app.extensions import db
    with app.app_context():
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text('DROP TABLE IF EXISTS alembic_version'))
