"""The history page in a real browser: the path a returned-then-accepted report took, with loop counts."""
from playwright.sync_api import expect

from tests.browser.support import check_page, screenshot
from tests.test_history import returned_then_accepted


def test_history_marks_the_path_and_the_loop(app, live_server, logged_in):
    instance_id = returned_then_accepted(app.test_client())
    page = logged_in('auditor1')
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    page.goto(f'{live_server}/laporan/{instance_id}/riwayat')
    diagram = page.locator('#diagram')
    expect(diagram).to_have_attribute('data-rendered', 'ok')
    done = diagram.locator('.sikanda-done[data-element-id]')
    assert sorted(done.evaluate_all('els => els.map(e => e.dataset.elementId)')) == [
        'Gateway_TindakLanjut', 'Gateway_Valid', 'Start_Informasi', 'Task_Pelaporan', 'Task_Verifikasi']
    expect(diagram.locator('.sikanda-active[data-element-id="Task_Publikasi"]')).to_have_count(1)
    taken = diagram.locator('.sikanda-taken[data-element-id]').evaluate_all('els => els.map(e => e.dataset.elementId)')
    assert {'Flow_Kembalikan', 'Flow_Valid_Ya', 'Flow_Pelaporan_Verifikasi'} <= set(taken)
    assert 'Flow_Tolak' not in taken
    badges = diagram.locator('.loop-badge')
    assert badges.all_inner_texts().count('×2') >= 3  # two tasks, the gateway before the loop, the flows back
    check_page(page, 'riwayat laporan')
    screenshot(page, 'riwayat-laporan.png')
    # a click on a step brings its latest entry in the timeline into view
    page.set_viewport_size({'width': 1280, 'height': 900})
    diagram.locator('[data-element-id="Task_Pelaporan"]').first.click()
    latest_report = page.locator('article[data-step="Task_Pelaporan"]').last
    expect(latest_report).to_be_focused()
    expect(latest_report.get_by_text('Perubahan dari putaran 1')).to_be_in_viewport()
    assert errors == []
