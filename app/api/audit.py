"""GET /api/v1/audit/events: the global audit log for auditors and superadmins, newest first."""
from flask import g, jsonify, request
from werkzeug.datastructures import MultiDict

from app.api import bp
from app.api.auth import token_required
from app.api.serialize import audit_event_json
from app.audit.forms import AuditFilterForm
from app.request_guards import MAX_ID, int_arg
from app.roles import AUDIT_READERS
from app.services import audit_log
from app.services.errors import PermissionDenied, ValidationFailed

MAX_LIMIT = 500
# API parameter -> filter form field
PARAMETERS = {'from': 'dari', 'to': 'sampai', 'actor': 'pelaku', 'role': 'peran', 'action': 'aksi',
              'instance_id': 'laporan', 'kecamatan': 'kecamatan'}


@bp.get('/audit/events')
@token_required
def audit_events():
    if not g.api_user.has_role(*AUDIT_READERS):
        raise PermissionDenied('Jejak audit hanya untuk auditor dan superadmin')
    form = AuditFilterForm(MultiDict({PARAMETERS[k]: v for k, v in request.args.items() if k in PARAMETERS}))
    if not form.validate():
        raise ValidationFailed('Filter tidak valid', form.errors)
    limit = int_arg('limit', audit_log.PAGE_SIZE, 1, MAX_LIMIT)
    events, next_before = audit_log.page(form.criteria(), int_arg('before', None, 1, MAX_ID), limit)
    return jsonify({'events': [audit_event_json(e) for e in events], 'next_before': next_before})
