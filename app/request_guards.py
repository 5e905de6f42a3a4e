"""What no request may carry, checked before any view reads it, for the pages and the API alike:
a NUL character (PostgreSQL keeps none in text) and an id beyond the database's integers. Both used to
reach the database and fail there; now they are a clear 400 and 404."""
from flask import request

from app.services.errors import NotFoundError, ServiceError

MAX_ID = 2**31 - 1


class InvalidRequest(ServiceError):
    status = 400


def register(app):
    app.url_value_preprocessor(ids_in_range)
    app.before_request(refuse_nul_characters)


def ids_in_range(_endpoint, values):
    """An id in the path beyond the database's integers names nothing: 404, not a failed query."""
    if any(isinstance(value, int) and value > MAX_ID for value in (values or {}).values()):
        raise NotFoundError('Data tidak ditemukan')


def refuse_nul_characters():
    texts = [request.path, *_names_and_values(request.args)]
    if request.mimetype in ('multipart/form-data', 'application/x-www-form-urlencoded'):
        texts += [*_names_and_values(request.form), *(upload.filename or '' for _name, uploads
                                                      in request.files.lists() for upload in uploads)]
    elif request.is_json:
        texts.append(request.get_json(silent=True))
    if any(_has_nul(text) for text in texts):
        raise InvalidRequest('Permintaan memuat karakter NUL (\\u0000) yang tidak diizinkan')


def _names_and_values(multidict):
    return [text for name, values in multidict.lists() for text in (name, *values)]


def _has_nul(value):
    if isinstance(value, str):
        return '\x00' in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def int_arg(name, default, low=1, high=MAX_ID):
    """An integer query parameter brought into [low, high]; missing or not a number: the default."""
    value = request.args.get(name, type=int)
    return default if value is None else min(max(value, low), high)
