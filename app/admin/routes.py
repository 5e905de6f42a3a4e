"""The superadmin's user accounts: create, disable and enable, sign out everywhere, set a new password."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.forms import DisableUserForm, NewUserForm, ResetPasswordForm, UserActionForm
from app.auth.decorators import roles_required
from app.auth.session_store import policy
from app.roles import SUPERADMIN
from app.services import sessions, users
from app.services.errors import ValidationFailed
from app.uow import unit_of_work


@bp.route('/admin/pengguna')
@roles_required(SUPERADMIN)
def user_list():
    return render_template('admin/users.html', accounts=users.accounts(policy()))


@bp.route('/admin/pengguna/baru', methods=['GET', 'POST'])
@roles_required(SUPERADMIN)
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = users.create_user(form.username.data, form.full_name.data, form.password.data,
                                         form.roles.data, actor=current_user, email=form.email.data)
            flash(f'Pengguna {user.username} dibuat.', 'success')
            return redirect(url_for('admin.user_detail', user_id=user.id))
        except ValidationFailed as exc:
            _show_errors(form, exc)
    return render_template('admin/new_user.html', form=form), 422 if form.errors else 200


@bp.route('/admin/pengguna/<int:user_id>')
@roles_required(SUPERADMIN)
def user_detail(user_id):
    return _detail(users.user_by_id(user_id))


@bp.route('/admin/pengguna/<int:user_id>/nonaktifkan', methods=['POST'])
@roles_required(SUPERADMIN)
def disable(user_id):
    user = users.user_by_id(user_id)
    form = DisableUserForm()
    if not form.validate_on_submit():
        return _detail(user, disable_form=form)
    try:
        with unit_of_work():
            users.set_active(user, False, current_user, reason=form.alasan.data)
    except ValidationFailed as exc:
        _show_errors(form, exc)
        return _detail(user, disable_form=form)
    flash(f'Akun {user.username} dinonaktifkan; semua sesi dan token API-nya berakhir.', 'success')
    return redirect(url_for('admin.user_detail', user_id=user.id))


@bp.route('/admin/pengguna/<int:user_id>/aktifkan', methods=['POST'])
@roles_required(SUPERADMIN)
def enable(user_id):
    user = users.user_by_id(user_id)
    if UserActionForm().validate_on_submit():
        with unit_of_work():
            users.set_active(user, True, current_user)
        flash(f'Akun {user.username} diaktifkan kembali.', 'success')
    return redirect(url_for('admin.user_detail', user_id=user.id))


@bp.route('/admin/pengguna/<int:user_id>/akhiri-sesi', methods=['POST'])
@roles_required(SUPERADMIN)
def end_sessions(user_id):
    user = users.user_by_id(user_id)
    if UserActionForm().validate_on_submit():
        with unit_of_work():
            ended, revoked = users.end_sessions(user, current_user)
        flash(f'{ended} sesi diakhiri dan {revoked} token API dicabut.', 'success')
    return redirect(url_for('admin.user_detail', user_id=user.id))


@bp.route('/admin/pengguna/<int:user_id>/kata-sandi', methods=['POST'])
@roles_required(SUPERADMIN)
def reset_password(user_id):
    user = users.user_by_id(user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return _detail(user, password_form=form)
    try:
        with unit_of_work():
            users.reset_password(user, form.kata_sandi_baru.data, current_user)
    except ValidationFailed as exc:
        _show_errors(form, exc)
        return _detail(user, password_form=form)
    flash(f'Kata sandi {user.username} diganti; sampaikan kepadanya secara langsung.', 'success')
    return redirect(url_for('admin.user_detail', user_id=user.id))


def _detail(user, disable_form=None, password_form=None):
    invalid = any(f is not None and f.errors for f in (disable_form, password_form))
    return render_template('admin/user.html', user=user, sessions=sessions.live_sessions(user.id, policy()),
                           live_tokens=users.live_token_count(user.id),
                           disable_form=disable_form or DisableUserForm(formdata=None),
                           password_form=password_form or ResetPasswordForm(formdata=None),
                           action_form=UserActionForm(formdata=None)), 422 if invalid else 200


def _show_errors(form, exc):
    for name, messages in exc.errors.items():
        if name in form:
            form[name].errors = list(messages)
        else:
            flash(' '.join(messages), 'danger')
