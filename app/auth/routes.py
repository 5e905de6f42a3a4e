from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth import bp
from app.auth.forms import ChangePasswordForm, LoginForm, LogoutForm
from app.auth.limits import login_limited, note_failed_login
from app.auth.session_store import current_key, sign_in, sign_out
from app.services import audit, users
from app.services.errors import ValidationFailed
from app.uow import unit_of_work


@bp.route('/login', methods=['GET', 'POST'])
@login_limited
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
            sign_in(user)
            return redirect(_safe_next(request.args.get('next')))
        note_failed_login()
        flash('Nama pengguna atau kata sandi salah.', 'danger')
    return render_template('auth/login.html', form=form)


@bp.route('/logout', methods=['POST'])
@login_required
def logout():
    if LogoutForm().validate_on_submit():
        sign_out(current_user)
        flash('Anda telah keluar.', 'info')
    return redirect(url_for('auth.login'))


@bp.route('/akun/kata-sandi', methods=['GET', 'POST'])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                users.change_password(current_user, form.kata_sandi_lama.data, form.kata_sandi_baru.data,
                                      keep_session_key=current_key())
            flash('Kata sandi diganti. Sesi Anda di perangkat lain dan token API Anda telah diakhiri.', 'success')
            return redirect(url_for('inbox.home'))
        except ValidationFailed as exc:
            for name, messages in exc.errors.items():
                form[name].errors = list(messages)
    return render_template('auth/password.html', form=form), 422 if form.errors else 200


def _safe_next(target):
    """Only a path on this site: no scheme, no host, no control characters or backslashes."""
    if target and target.isprintable() and '\\' not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith('/') \
                and not parts.path.startswith('//'):
            return target
    return url_for('inbox.home')
