"""The browser's session on the server side: opened at login, checked on every request, ended at logout."""
from datetime import timedelta

from flask import current_app, flash, request, session
from flask_login import login_user, logout_user

from app.services import audit, sessions
from app.uow import unit_of_work

SESSION_KEY = 'sid'
ENDED_MESSAGES = {
    'idle': 'Sesi Anda berakhir karena tidak ada aktivitas. Silakan masuk kembali.',
    'lifetime': 'Sesi Anda sudah terlalu lama. Silakan masuk kembali.',
    'disabled': 'Akun Anda dinonaktifkan. Hubungi superadmin.',
}


def policy():
    config = current_app.config
    return sessions.SessionPolicy(idle=timedelta(minutes=config['SESSION_IDLE_MINUTES']),
                                  lifetime=timedelta(hours=config['SESSION_LIFETIME_HOURS']))


def sign_in(user):
    """A fresh session for `user`: nothing of the cookie from before the login is kept."""
    session.clear()
    with unit_of_work():
        key = sessions.open_session(user, request.remote_addr, request.user_agent.string)
        audit.record('auth.login', user, detail={'ip': request.remote_addr})
    session[SESSION_KEY] = key
    login_user(user)


def sign_out(user):
    with unit_of_work():
        sessions.end_session(session.get(SESSION_KEY), 'logout')
        audit.record('auth.logout', user)
    logout_user()
    session.clear()


def current_key():
    return session.get(SESSION_KEY)


def load_user(user_id):
    """The login manager's user loader: the user of a live server-side session, else nobody."""
    try:
        found = sessions.find(session.get(SESSION_KEY), int(user_id), policy())
    except ValueError:
        return None
    if found.ending or found.stale:
        with unit_of_work():
            sessions.settle(found)
    if found.ending:
        session.clear()
        flash(ENDED_MESSAGES[found.ending], 'warning')
    return found.user
