"""Response headers that tell the browser what this site may do: its own scripts, styles, fonts and data only
(the npm packages are served from /vendor/), no inline script, no plugins, no framing."""
from functools import wraps

from flask import current_app, make_response

_POLICY = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
           "font-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'",
           "form-action 'self'", "frame-ancestors 'none'")
CONTENT_SECURITY_POLICY = '; '.join(_POLICY)
# the properties panel builds two of its containers from HTML with a style attribute (layout only);
# style elements and every script stay as strict as elsewhere
EDITOR_CONTENT_SECURITY_POLICY = '; '.join((*_POLICY, "style-src-attr 'unsafe-inline'"))


def add_security_headers(response):
    headers = response.headers
    headers.setdefault('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    headers.setdefault('X-Content-Type-Options', 'nosniff')
    headers.setdefault('X-Frame-Options', 'DENY')
    headers.setdefault('Referrer-Policy', 'same-origin')
    headers.setdefault('Cross-Origin-Opener-Policy', 'same-origin')
    headers.setdefault('Cross-Origin-Resource-Policy', 'same-origin')
    # the agent's form reads the GPS; nothing asks for the camera, microphone or payment
    headers.setdefault('Permissions-Policy', 'geolocation=(self), camera=(), microphone=(), payment=()')
    if current_app.config['SESSION_COOKIE_SECURE']:  # served over TLS: browsers keep to it for a year
        headers.setdefault('Strict-Transport-Security', 'max-age=31536000')
    return response


def editor_policy(view):
    """The diagram editor's page gets the policy its properties panel needs."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers['Content-Security-Policy'] = EDITOR_CONTENT_SECURITY_POLICY
        return response
    return wrapper
