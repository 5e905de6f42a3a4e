"""Errors as HTML pages or JSON (by path /api/ or Accept), never a stack trace."""
import logging

from flask import jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.services.errors import ServiceError
from forms import UnknownFormError

log = logging.getLogger(__name__)

MESSAGES = {
    400: 'Permintaan tidak valid.',
    401: 'Silakan masuk terlebih dahulu.',
    403: 'Anda tidak berhak mengakses halaman ini.',
    404: 'Halaman atau data tidak ditemukan.',
    405: 'Metode tidak diizinkan.',
    409: 'Data telah diubah oleh pengguna lain. Muat ulang halaman lalu coba lagi.',
    413: 'Berkas terlalu besar. Kecilkan ukuran foto lalu coba lagi.',
    422: 'Data yang dikirim belum lengkap atau tidak valid.',
    429: 'Terlalu banyak permintaan. Tunggu beberapa menit lalu coba lagi.',
    500: 'Terjadi kesalahan pada server. Data Anda tidak diubah; silakan coba lagi.',
}


def wants_json():
    return request.path.startswith('/api/') or (
        request.accept_mimetypes.best_match(['application/json', 'text/html']) == 'application/json')


def error_response(status, message=None, errors=None):
    message = message or MESSAGES.get(status, MESSAGES[500])
    if wants_json():
        body = {'error': message, 'status': status}
        if errors:
            body['errors'] = errors
        return jsonify(body), status
    return render_template('error.html', status=status, message=message), status


def register(app):
    @app.errorhandler(ServiceError)
    def service_error(exc):
        db.session.rollback()
        return error_response(exc.status, exc.message, exc.errors)

    @app.errorhandler(UnknownFormError)
    def unknown_form(exc):
        log.error('%s', exc)
        return error_response(500, str(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, 'Token keamanan (CSRF) tidak ada atau tidak valid. Muat ulang halaman.')

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def conflict(exc):
        db.session.rollback()
        return error_response(409)

    @app.errorhandler(OperationalError)
    def database_busy(exc):
        db.session.rollback()
        if 'locked' in str(exc.orig).lower():
            return error_response(409)
        log.exception('database error')
        return error_response(500)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code == 401 and not wants_json():
            return redirect('/login')
        if exc.code == 429:  # the rate limit says which one ran out
            return error_response(429, exc.description)
        if exc.code == 405 and exc.valid_methods:  # RFC 9110: a 405 names the methods the resource has
            return *error_response(405), {'Allow': ', '.join(exc.valid_methods)}
        return error_response(exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc):
        db.session.rollback()
        log.exception('unhandled error')
        return error_response(500)
