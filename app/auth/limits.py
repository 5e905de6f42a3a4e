"""Login rate limits (Flask-Limiter): failed attempts per account and per client address, shared by the web
login and the API's token endpoint, so a password cannot be guessed through either."""
from flask import current_app, g, request

from app.extensions import limiter

BLOCKED_MESSAGE = ('Terlalu banyak percobaan masuk yang gagal untuk akun ini atau dari alamat ini. '
                   'Tunggu beberapa menit lalu coba lagi.')


def _account_key():
    body = request.get_json(silent=True) if request.is_json else None
    username = body.get('username') if isinstance(body, dict) else request.form.get('username')
    return 'akun:' + str(username or '').strip().lower()[:64]


def _address_key():
    return 'alamat:' + (request.remote_addr or '-')


def _failed(_response):
    return g.get('login_failed', False)


def note_failed_login():
    """Counts this request against both limits (only failures count, so a user's own logins never lock them)."""
    g.login_failed = True


def login_limited(view):
    """Both limits on a login view; its POSTs are refused with 429 while one is exhausted."""
    for scope, key_func, setting in (('login-akun', _account_key, 'LOGIN_LIMIT_ACCOUNT'),
                                     ('login-alamat', _address_key, 'LOGIN_LIMIT_ADDRESS')):
        view = limiter.shared_limit(lambda setting=setting: current_app.config[setting], scope=scope,
                                    key_func=key_func, methods=['POST'], deduct_when=_failed,
                                    error_message=BLOCKED_MESSAGE)(view)
    return view
