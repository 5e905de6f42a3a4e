"""Real-browser fixtures: Debian's Chromium driven by pytest-playwright against the live test server.

The browser never downloads anything: it is the system Chromium, and every page is served by
`live_server` (the app plus the npm packages under /vendor/).
"""
import pytest

from tests import helpers
from tests.browser import support

CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run']


@pytest.fixture(scope='session')
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, 'executable_path': CHROMIUM, 'args': CHROMIUM_ARGS}


@pytest.fixture(scope='session')
def browser_context_args(browser_context_args):
    return {**browser_context_args, 'viewport': dict(support.PHONE), 'locale': 'id-ID',
            'timezone_id': 'Asia/Makassar'}


@pytest.fixture
def open_as(new_context, live_server):
    """open_as('verifikator1') -> a page in a fresh browser context, logged in through the form."""

    def _open_as(username, password=helpers.PASSWORD):
        page = new_context().new_page()
        support.login(page, live_server, username, password)
        return page

    return _open_as


@pytest.fixture(scope='session')
def _storage_states():
    return {}


@pytest.fixture
def logged_in(new_context, live_server, _storage_states):
    """logged_in('auditor1') -> a page in a fresh context of a user who is already signed in.

    The first call per user signs in through the form; later calls reuse that session's cookies, which keeps
    the page-by-page accessibility tests quick. Tests about logging in use `open_as` or `page` instead.
    """

    def _logged_in(username):
        if username in _storage_states:
            return new_context(storage_state=_storage_states[username]).new_page()
        context = new_context()
        page = context.new_page()
        support.login(page, live_server, username, helpers.PASSWORD)
        _storage_states[username] = context.storage_state()
        return page

    return _logged_in


@pytest.fixture
def file_report_via_api(app):
    """A report filed by agen1 through the JSON API (for tests whose subject is a later step)."""

    def _file(username='agen1', report=None):
        return helpers.Api(app.test_client(), username).file_report(report)

    return _file
