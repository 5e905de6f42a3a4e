"""Bearer-token authentication for the JSON API (the session cookie is never accepted here)."""
from functools import wraps

from flask import g, request

from app.services import users
from app.services.errors import ServiceError


class Unauthorized(ServiceError):
    status = 401


def bearer_token():
    """The token of the request's `Authorization: Bearer …` header, or None."""
    scheme, _, token = request.headers.get('Authorization', '').partition(' ')
    return token.strip() or None if scheme.lower() == 'bearer' else None


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = users.user_for_token(bearer_token())
        if user is None:
            raise Unauthorized('Token tidak ada, tidak valid atau kedaluwarsa')
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper
