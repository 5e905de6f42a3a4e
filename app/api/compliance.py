"""GET /api/v1/reports/compliance: the SOP compliance figures as JSON (definitions in app/services/compliance.py)."""
from flask import g, jsonify, request
from werkzeug.datastructures import MultiDict

from app.api import bp
from app.api.auth import token_required
from app.dashboard.forms import PeriodForm
from app.services import compliance
from app.services.errors import PermissionDenied, ValidationFailed

# API parameter -> filter form field
PARAMETERS = {'from': 'dari', 'to': 'sampai'}


@bp.get('/reports/compliance')
@token_required
def compliance_report():
    if not g.api_user.has_role(*compliance.READERS):
        raise PermissionDenied('Laporan kepatuhan hanya untuk administrator, pimpinan dan auditor')
    form = PeriodForm(MultiDict({PARAMETERS[k]: v for k, v in request.args.items() if k in PARAMETERS}),
                      default_days=compliance.DEFAULT_DAYS)
    if not form.validate():
        raise ValidationFailed('Periode tidak valid (YYYY-MM-DD, from tidak sesudah to)',
                               {name: form.errors[field] for name, field in PARAMETERS.items() if field in form.errors})
    return jsonify(compliance.summary(form.period()).as_dict())
