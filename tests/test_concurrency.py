"""Two people complete the same task at the same moment: exactly one wins, the other gets 409,
and nothing is lost or written twice. Runs on PostgreSQL in CI (row lock) and on SQLite."""
import threading

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, HumanTask, TaskSubmission
from app.services import audit
from tests import helpers
from tests.helpers import Api


def race(app, calls):
    """Run the calls at the same instant, each in its own thread and app context."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        with app.app_context():
            barrier.wait()
            results[index] = call()
            db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_same_task_completed_concurrently_by_two_verifiers(app):
    instance = Api(app.test_client(), 'agen1').file_report()
    one, two = Api(app.test_client(), 'verifikator1'), Api(app.test_client(), 'verifikator2')
    task_id = one.get('/tasks').get_json()[0]['id']
    responses = race(app, [lambda: one.post(f'/tasks/{task_id}/complete', json=helpers.VERIFY_YES),
                           lambda: two.post(f'/tasks/{task_id}/complete', json=helpers.VERIFY_REJECT)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.get_json() for r in responses]
    winner = next(r for r in responses if r.status_code == 200).get_json()['instance']
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TaskSubmission)
                                 .where(TaskSubmission.human_task_id == task_id)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.human_task_id == task_id,
                                        AuditEvent.action == 'task.completed')) == 1
        open_rows = db.session.scalars(select(HumanTask.bpmn_id).where(
            HumanTask.instance_id == instance['id'], HumanTask.status == 'terbuka')).all()
        expected = ['Task_Publikasi'] if winner['status'] == 'berjalan' else []
        assert open_rows == expected
        assert audit.verify_chain() is None


def test_concurrent_reports_from_many_agents_all_land(app):
    agents = [Api(app.test_client(), name) for name in ('agen1', 'agen2', 'agenverif')] * 2
    results = race(app, [agent.start for agent in agents])
    assert len({r['id'] for r in results}) == len(agents)
    with app.app_context():
        assert audit.verify_chain() is None


def test_concurrent_audit_only_requests_keep_one_chain(app):
    """Failed logins write nothing but their audit event; run at once they must still form one chain."""
    clients = [app.test_client() for _ in range(8)]
    responses = race(app, [lambda c=c: c.post('/api/v1/auth/token', json={'username': 'agen1', 'password': 'x'})
                           for c in clients])
    assert sorted({r.status_code for r in responses}) in ([401], [401, 409])
    with app.app_context():
        assert audit.verify_chain() is None
        failed = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action == 'auth.login_failed'))
        assert failed == sum(r.status_code == 401 for r in responses)


def test_concurrent_saves_and_deploys_of_diagram_versions(app):
    """Two owners save on the same base: one new version, one 409. Two deploys race: one version is live."""
    shipped = (helpers.ROOT / 'bpmn' / 'sikanda.bpmn').read_text()
    owners = [Api(app.test_client(), 'pemilikproses1') for _ in range(2)]
    bodies = [shipped.replace('name="Publikasi Laporan"', f'name="Publikasi {n}"').encode() for n in (1, 2, 3)]

    def save(owner, body):
        return lambda: owner.client.post('/api/v1/processes/sikanda/versions?base_version=1', data=body,
                                         headers=owner.headers, content_type='application/xml')

    saves = race(app, [save(owner, body) for owner, body in zip(owners, bodies[:2], strict=True)])
    assert sorted(r.status_code for r in saves) == [201, 409]
    third = owners[0].client.post('/api/v1/processes/sikanda/versions?base_version=2', data=bodies[2],
                                  headers=owners[0].headers, content_type='application/xml')
    assert third.status_code == 201
    deploys = race(app, [lambda: owners[0].post('/processes/sikanda/versions/2/deploy'),
                         lambda: owners[1].post('/processes/sikanda/versions/3/deploy')])
    assert {r.status_code for r in deploys} <= {200, 409}, [r.get_json() for r in deploys]
    listed = owners[0].get('/processes/sikanda/versions').get_json()
    assert sum(v['deployed'] for v in listed) == 1
    with app.app_context():
        assert audit.verify_chain() is None
