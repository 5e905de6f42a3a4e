"""GET /api/v1/notifications: the caller's in-app notifications, newest first."""
from flask import g, jsonify

from app.api import bp
from app.api.auth import token_required
from app.api.serialize import notification_json
from app.request_guards import MAX_ID, int_arg
from app.services import notifications

MAX_LIMIT = 200


@bp.get('/notifications')
@token_required
def list_notifications():
    limit = int_arg('limit', 50, 1, MAX_LIMIT)
    rows = notifications.for_user(g.api_user, limit + 1, int_arg('before', None, 1, MAX_ID))
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify({'notifications': [notification_json(row) for row in rows],
                    'unread': notifications.unread_count(g.api_user),
                    'next_before': rows[-1].id if more else None})
