"""SIKANDA — Sistem Informasi Kewaspadaan Dini di Daerah, Kabupaten Balangan.

Imports of Flask and the extensions live inside create_app() so that `app.engine` can be
used (and tested) without Flask or a database.
"""
from pathlib import Path


def create_app(config=None):
    from flask import Flask

    from app import cli, errors, request_guards, templating
    from app.config import load_config
    from app.security_headers import add_security_headers

    app = Flask(__name__)
    load_config(app, config)
    if app.config.get('PROXY_COUNT'):
        # behind N reverse proxies: take the client address and scheme from their headers
        from werkzeug.middleware.proxy_fix import ProxyFix
        count = int(app.config['PROXY_COUNT'])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    _init_extensions(app)
    request_guards.register(app)
    _register_blueprints(app)
    errors.register(app)
    cli.register(app)
    templating.register(app)
    app.after_request(add_security_headers)
    return app


def _init_extensions(app):
    from sqlalchemy import event

    from app.auth.session_store import load_user
    from app.extensions import csrf, db, file_store, limiter, login_manager, mailer, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / 'migrations'))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = 'auth.login'
    login_manager.login_message = 'Silakan masuk untuk melanjutkan.'
    login_manager.login_message_category = 'warning'
    login_manager.session_protection = 'strong'
    file_store.init_app(app)
    mailer.init_app(app)

    login_manager.user_loader(load_user)
    # the session is checked (and its idle clock written) before a view runs, never inside its unit of work
    app.before_request(_resume_session)

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == 'sqlite' and not event.contains(engine, 'connect', _sqlite_pragmas):
            event.listen(engine, 'connect', _sqlite_pragmas)


def _resume_session():
    from flask import request
    from flask_login import current_user

    if request.endpoint not in ('static', 'vendor') and not request.path.startswith('/api/'):
        current_user._get_current_object()


def _register_blueprints(app):
    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.audit import bp as audit_bp
    from app.auth import bp as auth_bp
    from app.dashboard import bp as dashboard_bp
    from app.diagrams import bp as diagrams_bp
    from app.documents import bp as documents_bp
    from app.extensions import csrf
    from app.inbox import bp as inbox_bp
    from app.notifications import bp as notifications_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(diagrams_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(api_bp, url_prefix='/api/v1')
    csrf.exempt(api_bp)  # the API takes bearer tokens only, never the session cookie


def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL for concurrent readers, enforced foreign keys, and waiting instead of failing on a lock."""
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.execute('PRAGMA busy_timeout=5000')
    cursor.close()
