"""Helpers for the browser tests: logging in, page checks (axe-core, 360 px layout) and screenshots."""
import json
import re
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / 'test-artifacts'
AXE_URL = '/vendor/axe-core/axe.min.js'  # from npm, served by the app itself
PHONE = {'width': 360, 'height': 800}
BLOCKING_IMPACTS = ('serious', 'critical')

# installed in every page before its own scripts: what the Content-Security-Policy blocked, if anything
RECORD_CSP_VIOLATIONS = """document.addEventListener('securitypolicyviolation', (e) => {
  (window.__cspViolations = window.__cspViolations || []).push(
    e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});"""

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}"""


def login(page, base_url, username, password):
    page.goto(f'{base_url}/login')
    page.get_by_label('Nama pengguna').fill(username)
    page.get_by_label('Kata sandi').fill(password)
    page.get_by_role('button', name='Masuk').click()
    # the leadership and the administrator land on the dashboard, everyone else on the inbox
    expect(page.get_by_role('heading', level=1, name=re.compile('^(Kotak tugas|Dasbor kewaspadaan dini)$'))) \
        .to_be_visible()


def axe_violations(page):
    """All axe-core violations on the page as it is now."""
    page.wait_for_load_state('load')
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    return page.evaluate(RUN_AXE)


def describe(violations):
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v['nodes']:
            lines.append(f"    at {node['target']}")
            lines.extend(f'      {line.strip()}' for line in (node['summary'] or '').splitlines() if line.strip())
    return '\n'.join(lines)


def check_page(page, label):
    """The page passes axe-core (nothing serious or critical), the Content-Security-Policy blocked nothing on
    it, and, on a phone, it does not scroll sideways.

    Violations of lower impact do not fail the test; they are written to test-artifacts/axe/ for review.
    """
    assert_no_csp_violations(page, label)
    violations = axe_violations(page)
    blocking = [v for v in violations if v['impact'] in BLOCKING_IMPACTS]
    if violations:
        folder = ARTIFACTS / 'axe'
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f'{_slug(label)}.json').write_text(json.dumps({'url': page.url, 'violations': violations},
                                                                indent=2, ensure_ascii=False))
    assert not blocking, f'axe-core on "{label}" ({page.url}):\n{describe(blocking)}'
    width = page.viewport_size['width'] if page.viewport_size else None
    if width == PHONE['width']:
        scroll_width = page.evaluate('() => document.documentElement.scrollWidth')
        assert scroll_width <= width + 1, (
            f'"{label}" scrolls sideways at {width} px: content is {scroll_width} px wide; widest elements: '
            f'{widest_elements(page, width)}')


def assert_no_csp_violations(page, label):
    blocked = page.evaluate('() => window.__cspViolations || []')
    assert not blocked, f'the Content-Security-Policy blocked something on "{label}" ({page.url}): {blocked}'


def widest_elements(page, width):
    return page.evaluate("""(width) => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > width + 1)
        .slice(0, 5)
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                  (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\\s+/g, '.') : '')
                  + ' right=' + Math.round(e.getBoundingClientRect().right))""", width)


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def inbox_item(page, text):
    """The inbox entry (list item) whose title contains text."""
    return page.locator('.inbox-list > li').filter(has=page.get_by_role('heading', name=text))


def open_inbox(page, base_url):
    page.goto(f'{base_url}/tugas')
    expect(page.get_by_role('heading', level=1, name='Kotak tugas')).to_be_visible()


def _slug(text):
    return re.sub(r'[^a-z0-9]+', '-', text.lower()).strip('-')
