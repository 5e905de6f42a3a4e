"""Settings from SIKANDA_* environment variables (Flask's from_prefixed_env)."""
import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / 'instance'


class Config:
    SIKANDA_ENV = 'production'
    SECRET_KEY = None
    DATABASE_URL = f'sqlite:///{INSTANCE_DIR / "sikanda.db"}'
    UPLOAD_DIR = str(INSTANCE_DIR / 'uploads')
    MAX_PHOTO_BYTES = 8 * 1024 * 1024
    MAX_PHOTOS = 6
    MAX_CONTENT_LENGTH = 50 * 1024 * 1024
    API_TOKEN_HOURS = 12
    PROXY_COUNT = 0
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = 'Lax'
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    #: a browser session ends after this long without a request, and after this long in any case
    SESSION_IDLE_MINUTES = 30
    SESSION_LIFETIME_HOURS = 12
    #: failed logins (web and API together) allowed per account and per client address
    LOGIN_LIMIT_ACCOUNT = '5 per 15 minutes'
    LOGIN_LIMIT_ADDRESS = '20 per 15 minutes'
    #: where Flask-Limiter counts: memory (per worker process) or a shared store, e.g. redis://127.0.0.1:6379
    RATELIMIT_STORAGE_URI = 'memory://'
    RATELIMIT_HEADERS_ENABLED = True
    SQLALCHEMY_ENGINE_OPTIONS = {'pool_pre_ping': True}
    #: 'tick': a step's documents are rendered by the scheduler's next tick (its own process, so a
    #: request never waits 0.1-0.3 s for a PDF); 'inline': right after the step, in its request
    DOCUMENTS_AFTER_STEP = 'tick'


class DevelopmentConfig(Config):
    SIKANDA_ENV = 'development'
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestConfig(Config):
    SIKANDA_ENV = 'test'
    TESTING = True
    DOCUMENTS_AFTER_STEP = 'inline'  # tests see a step's documents at once; one test covers 'tick'
    SECRET_KEY = 'test-secret-key'  # noqa: S105 - tests only
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


def load_config(app, config=None):
    """Class defaults, then SIKANDA_* variables, then explicit overrides (tests)."""
    env = os.environ.get('SIKANDA_ENV', 'production')
    base = {'development': DevelopmentConfig, 'test': TestConfig}.get(env, Config)
    app.config.from_object(base)
    app.config.from_prefixed_env('SIKANDA')
    if config:
        app.config.update(config)
    app.config['SQLALCHEMY_DATABASE_URI'] = app.config['DATABASE_URL']
    if not app.config.get('SECRET_KEY'):
        if app.config['SIKANDA_ENV'] == 'production':
            raise RuntimeError('SIKANDA_SECRET_KEY wajib diisi di lingkungan produksi')
        app.config['SECRET_KEY'] = secrets.token_hex(32)
