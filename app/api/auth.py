"""Bearer-token authentication for the JSON API (the session cookie is never accepted here)."""
from functools import wraps

from flask import g, request

from app.services import users
from app.services.errors import ServiceError


class Unauthorized(ServiceError):
    status = 401


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get('Authorization', '')
        scheme, _, token = header.partition(' ')
        user = users.user_for_token(token.strip()) if scheme.lower() == 'bearer' else None
        if user is None:
            raise Unauthorized('Token tidak ada, tidak valid atau kedaluwarsa')
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper
