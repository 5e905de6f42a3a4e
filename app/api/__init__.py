from flask import Blueprint

bp = Blueprint('api', __name__)

from app.api import audit, diagrams, routes  # noqa: E402,F401
