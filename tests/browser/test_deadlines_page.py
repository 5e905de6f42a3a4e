"""Deadlines in a real browser at 360 px: the overdue badge in the verifier's inbox, the bell's count,
and the notification list it opens."""
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask
from app.timeutil import utcnow
from tests.browser.support import check_page, screenshot
from tests.test_deadlines import tick


def received_hours_ago(app, instance_id, hours):
    """Move an instance's tasks back in time, as if they had arrived `hours` ago (test setup)."""
    shift = timedelta(hours=hours)
    with app.app_context():
        for task in db.session.execute(select(HumanTask).where(HumanTask.instance_id == instance_id)).scalars():
            for column in ('created_at', 'started_at', 'due_at', 'remind_at'):
                setattr(task, column, getattr(task, column) - shift)
        db.session.commit()


def test_verifier_sees_the_overdue_badge_and_the_bell(app, live_server, logged_in, file_report_via_api):
    on_time = file_report_via_api()
    late = file_report_via_api()
    received_hours_ago(app, late['id'], 3)
    tick(app, utcnow())
    page = logged_in('verifikator1')
    page.goto(f'{live_server}/tugas')
    items = page.locator('.inbox-list > li')
    expect(items).to_have_count(2)
    expect(page.locator('.overdue-badge')).to_have_count(1)
    expect(items.first.get_by_text('Terlambat', exact=True)).to_be_visible()   # soonest due first
    expect(items.first).to_contain_text('terlambat 1 j')
    expect(items.last).to_contain_text('sisa 1 j 59 m')
    # two new tasks and one late notice; half time passed unnoticed, so that reminder is not sent late
    bell = page.get_by_role('link', name='Notifikasi, 3 belum dibaca')
    expect(bell).to_be_visible()
    check_page(page, 'kotak tugas terlambat')
    screenshot(page, 'tugas-terlambat.png')
    bell.click()
    expect(page.get_by_role('heading', level=1, name='Notifikasi')).to_be_visible()
    title = f'Terlambat: Verifikasi Laporan — {late["report"]["nomor"]}'
    expect(page.get_by_role('heading', name=title)).to_be_visible()
    check_page(page, 'notifikasi')
    screenshot(page, 'notifikasi.png')
    page.get_by_role('button', name=f'Buka {title}').click()
    expect(page.get_by_role('heading', level=1)).to_contain_text('Verifikasi Laporan')
    expect(page.get_by_role('link', name='Notifikasi, 2 belum dibaca')).to_be_visible()
    assert on_time['id'] != late['id']
