"""The Content-Security-Policy in a real browser: the recorder every browser test relies on does see a
blocked resource, and a report full of markup runs nothing on the pages that show it."""
import pytest
from playwright.sync_api import expect

from tests import helpers
from tests.browser import support
from tests.test_xss import REPORT_TEXT, hostile


def test_the_recorder_sees_what_the_policy_blocks(logged_in, live_server):
    page = logged_in('agen1')
    page.goto(f'{live_server}/laporan-saya')
    support.assert_no_csp_violations(page, 'laporan saya')
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                             document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate('() => window.__ran') is None              # the inline script did not run
    with pytest.raises(AssertionError, match='script-src'):
        support.assert_no_csp_violations(page, 'laporan saya')


def test_a_report_full_of_markup_runs_nothing(app, logged_in, live_server):
    instance = helpers.Api(app.test_client(), 'agen1').file_report(hostile(helpers.REPORT, *REPORT_TEXT))
    for username, path in (('agen1', f'/laporan/{instance["id"]}'), ('verifikator1', '/tugas'),
                           ('verifikator1', f'/laporan/{instance["id"]}/riwayat'), ('verifikator1', '/laporan')):
        page = logged_in(username)
        page.goto(f'{live_server}{path}')
        expect(page.get_by_text('<script>alert("judul")</script>', exact=False).first).to_be_visible()
        assert page.evaluate('() => window.__xss') is None
        support.check_page(page, f'markup {username} {path}')
