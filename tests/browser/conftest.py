"""Real-browser fixtures: Debian's Chromium driven by pytest-playwright against the live test server.

The browser never downloads anything: it is the system Chromium (SIKANDA_TEST_CHROMIUM overrides the path),
and every page is served by `live_server` (the app plus the npm packages under /vendor/). Every test here is
marked `browser`, so `pytest -m "not browser"` runs the rest of the suite without Chromium.
"""
import os

import pytest

from tests import helpers
from tests.browser import support

CHROMIUM = os.environ.get('SIKANDA_TEST_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run']


def pytest_configure(config):
    config.addinivalue_line('markers', 'browser: runs in a real Chromium (deselect with -m "not browser")')


def pytest_collection_modifyitems(items):
    folder = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(folder + os.sep):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope='session')
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, 'executable_path': CHROMIUM, 'args': CHROMIUM_ARGS}


@pytest.fixture(scope='session')
def browser_context_args(browser_context_args):
    return {**browser_context_args, 'viewport': dict(support.PHONE), 'locale': 'id-ID',
            'timezone_id': 'Asia/Makassar'}


@pytest.fixture
def new_context(new_context):
    """pytest-playwright's contexts, each recording what the Content-Security-Policy blocks (check_page fails on it)."""

    def _new_context(**kwargs):
        context = new_context(**kwargs)
        context.add_init_script(support.RECORD_CSP_VIOLATIONS)
        return context

    return _new_context


@pytest.fixture
def open_as(new_context, live_server):
    """open_as('verifikator1') -> a page in a fresh browser context, logged in through the login form."""

    def _open_as(username, password=helpers.PASSWORD):
        page = new_context().new_page()
        support.login(page, live_server, username, password)
        return page

    return _open_as


@pytest.fixture
def logged_in(new_context, live_server):
    """logged_in('auditor1') -> a page in a fresh browser context whose user is already signed in.

    The login form is posted with the context's own request client (same cookies and user agent, so the
    session passes Flask-Login's strong session protection) instead of being filled in: quicker for tests
    whose subject is another page. Tests about logging in use `open_as` or `page`.
    """

    def _logged_in(username):
        context = new_context()
        form = context.request.get(f'{live_server}/login')
        response = context.request.post(f'{live_server}/login', max_redirects=0, form={
            'csrf_token': helpers.csrf_from(form.text()), 'username': username, 'password': helpers.PASSWORD})
        assert response.status == 302, f'login of {username} failed: {response.status}'
        return context.new_page()

    return _logged_in


@pytest.fixture
def file_report_via_api(app):
    """A report filed by agen1 through the JSON API (for tests whose subject is a later step)."""

    def _file(username='agen1', report=None):
        return helpers.Api(app.test_client(), username).file_report(report)

    return _file
