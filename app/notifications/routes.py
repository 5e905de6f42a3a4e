"""The bell: a person's notifications, newest first; opening one marks it read."""
from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.inbox.forms import TaskActionForm
from app.notifications import bp
from app.request_guards import int_arg
from app.services import notifications
from app.uow import unit_of_work

PAGE_SIZE = 50


@bp.route('/notifikasi')
@login_required
def index():
    before = int_arg('sebelum', None)
    rows = notifications.for_user(current_user, PAGE_SIZE + 1, before)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render_template('notifications/list.html', rows=rows, labels=notifications.KIND_LABELS,
                           next_before=rows[-1].id if more else None, action_form=TaskActionForm())


@bp.route('/notifikasi/<int:notification_id>/buka', methods=['POST'])
@login_required
def open_one(notification_id):
    """Mark read, then go where the notice points (only links inside SIKANDA are followed)."""
    if not TaskActionForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        row = notifications.get_for(current_user, notification_id)
        notifications.mark_read(current_user, notification_id)
    link = row.link if row.link and row.link.startswith('/') and not row.link.startswith('//') else None
    return redirect(link or url_for('notifications.index'))


@bp.route('/notifikasi/baca-semua', methods=['POST'])
@login_required
def read_all():
    if TaskActionForm().validate_on_submit():
        with unit_of_work():
            notifications.mark_read(current_user)
    return redirect(url_for('notifications.index'))



@bp.app_context_processor
def bell():
    """The unread count for the header's bell; computed only on pages that show it."""
    def unread_notifications():
        return notifications.unread_count(current_user) if current_user.is_authenticated else 0
    return {'unread_notifications': unread_notifications}
