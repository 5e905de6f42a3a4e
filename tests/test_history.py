"""A report's history page: steps with durations against the time standard, revisions, the path taken."""
import json
import re

from tests import helpers


def returned_then_accepted(client):
    """TIDAK (returned), revised by the agent, then YA: the loop every auditor asks about."""
    agent, verifier = helpers.Api(client, 'agen1'), helpers.Api(client, 'verifikator1')
    instance = agent.file_report()
    assert verifier.complete_only_task(instance['id'], helpers.VERIFY_RETURN).status_code == 200
    revised = dict(helpers.REPORT, judul='Judul yang diperbaiki')
    assert agent.complete_only_task(instance['id'], revised).status_code == 200
    assert verifier.complete_only_task(instance['id'], helpers.VERIFY_YES).status_code == 200
    return instance['id']


def test_history_counts_passes_and_shows_what_changed(app, client):
    instance_id = returned_then_accepted(client)
    from app.extensions import db
    from app.models import ProcessInstance
    from app.services.history import instance_history
    with app.app_context():
        history = instance_history(db.session.get(ProcessInstance, instance_id))
        names = [(s.task.bpmn_id, s.number) for s in history.steps]
        assert names == [('Task_Pelaporan', 1), ('Task_Verifikasi', 1), ('Task_Pelaporan', 2),
                         ('Task_Verifikasi', 2), ('Task_Publikasi', 1)]
        second_report = history.steps[2]
        assert ('judul', helpers.REPORT['judul'], 'Judul yang diperbaiki') in second_report.changes
        assert all(s.within_standard for s in history.steps[:4])  # done within seconds
        assert history.steps[4].submission is None and history.steps[4].duration is not None
        assert history.visits['Task_Pelaporan'] == 2 and history.visits['Gateway_TindakLanjut'] == 1
        assert ('Gateway_TindakLanjut', 'Task_Pelaporan', 1) in history.flows
        assert ('Task_Pelaporan', 'Task_Verifikasi', 2) in history.flows
        db.session.remove()


def test_history_page_for_readers_of_the_report_only(app, client):
    instance_id = returned_then_accepted(client)
    auditor = app.test_client()
    helpers.web_login(auditor, 'auditor1')
    page = auditor.get(f'/laporan/{instance_id}/riwayat').get_data(as_text=True)
    assert 'Pelaporan Informasi — putaran 2' in page and 'Perubahan dari putaran 1' in page
    assert 'Judul yang diperbaiki' in page and 'sesuai standar' in page and 'sedang menunggu' in page
    visits = json.loads(re.search(r'data-visits="([^"]*)"', page).group(1).replace('&#34;', '"'))
    assert visits['Task_Verifikasi'] == 2
    assert f'/audit?laporan={instance_id}' in page
    other_agent = app.test_client()
    helpers.web_login(other_agent, 'agen2')
    assert other_agent.get(f'/laporan/{instance_id}/riwayat').status_code == 403
