"""Benchmarks. Shared here: an app on an empty database with the shipped diagram and the demo users."""
import os
import sys
import tempfile
from pathlib import Path

PASSWORD = 'bench-password-2026'  # noqa: S105 - the seeded demo users' password
SQLITE = 'sqlite'  # empty_app(SQLITE): a fresh SQLite file even when a PostgreSQL URL is set


def empty_app(url=None):
    """(app, workdir): the database `url`, else SIKANDA_DATABASE_URL, SIKANDA_TEST_DATABASE_URL (.ci/with-postgres)
    or a temporary SQLite file (always that with url=SQLITE), migrated and seeded; a database that is not empty
    is refused."""
    from flask_migrate import upgrade
    from sqlalchemy import inspect

    from app import create_app
    from app.cli import DEMO_USERS
    from app.extensions import db
    from app.services import processes, users
    from app.uow import unit_of_work
    from forms import FORM_CATALOG

    workdir = Path(tempfile.mkdtemp(prefix='sikanda-bench-'))
    sqlite = f'sqlite:///{workdir / "bench.db"}'
    if url == SQLITE:
        url = sqlite
    url = url or os.environ.get('SIKANDA_DATABASE_URL') or os.environ.get('SIKANDA_TEST_DATABASE_URL') or sqlite
    app = create_app({'SIKANDA_ENV': 'test', 'DATABASE_URL': url, 'SQLALCHEMY_DATABASE_URI': url,
                      'UPLOAD_DIR': str(workdir / 'uploads'), 'SECRET_KEY': 'bench', 'SESSION_COOKIE_SECURE': False})
    with app.app_context():
        if inspect(db.engine).get_table_names():
            sys.exit(f'{db.engine.url.render_as_string(hide_password=True)} is not empty; '
                     'the benchmark needs an empty database')
        upgrade()
        with unit_of_work():
            processes.install_shipped_diagrams(FORM_CATALOG)
            for username, name, roles in DEMO_USERS:
                users.create_user(username, name, PASSWORD, roles)
        db.session.remove()
    return app, workdir
