from flask import Blueprint

bp = Blueprint('api', __name__)

from app.api import audit, compliance, diagrams, documents, notifications, routes  # noqa: E402,F401
