from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import LoginForm, LogoutForm
from app.services import audit, users
from app.uow import unit_of_work


@bp.route('/login', methods=['GET', 'POST'])
def login():
    if current_user.is_authenticated:
        return redirect(url_for('inbox.home'))
    form = LoginForm()
    if form.validate_on_submit():
        with unit_of_work():
            user = users.authenticate(form.username.data, form.password.data)
            if user is None:
                audit.record('auth.login_failed', detail={'username': form.username.data[:64],
                                                          'ip': request.remote_addr})
        if user is not None:
            session.clear()  # a fresh session on every login
            login_user(user)
            with unit_of_work():
                audit.record('auth.login', user, detail={'ip': request.remote_addr})
            return redirect(_safe_next(request.args.get('next')))
        flash('Nama pengguna atau kata sandi salah.', 'danger')
    return render_template('auth/login.html', form=form)


@bp.route('/logout', methods=['POST'])
@login_required
def logout():
    if LogoutForm().validate_on_submit():
        with unit_of_work():
            audit.record('auth.logout', current_user)
        logout_user()
        session.clear()
        flash('Anda telah keluar.', 'info')
    return redirect(url_for('auth.login'))


def _safe_next(target):
    """Only a path on this site: no scheme, no host, no control characters or backslashes."""
    if target and target.isprintable() and '\\' not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith('/') \
                and not parts.path.startswith('//'):
            return target
    return url_for('inbox.home')
