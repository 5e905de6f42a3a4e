from flask import Blueprint

bp = Blueprint('api', __name__)

from app.api import diagrams, routes  # noqa: E402,F401
