"""The number of SQL statements of the hot requests is fixed and does not grow with the data, so an N+1
query or a heavier step fails here (their timings live in bench/, not in tests)."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from tests import helpers
from tests.helpers import Api, web_login

# statements per request; lower them when a change makes a request leaner, never raise them lightly
# token, task check, lock, task, inbox rows, report, the audit chain, the reply; PostgreSQL inserts a
# transaction's audit events (three for a decision, two for a verification) with one statement
COMPLETE_DECISION = {'sqlite': 18, 'postgresql': 16}
# the same, plus the next task and its notice to the administrators
COMPLETE_VERIFICATION = {'sqlite': 20, 'postgresql': 19}
INBOX_API = 3            # token with its user, roles, the inbox query (claimants joined)
INBOX_PAGE = 4           # session user, roles, the inbox query (claimants joined), the notification bell


@contextmanager
def statements(app):
    """Collect the SQL statements the app sends while the block runs."""
    seen = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(' '.join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, 'before_cursor_execute', count)
    try:
        yield seen
    finally:
        event.remove(engine, 'before_cursor_execute', count)


def published(client, count):
    """`count` reports waiting for the leadership's decision; returns their instance ids."""
    agent, verifier, admin = (Api(client, name) for name in ('agen1', 'verifikator1', 'administrator1'))
    ids = []
    for _ in range(count):
        instance_id = agent.file_report()['id']
        assert verifier.complete_only_task(instance_id, helpers.VERIFY_YES).status_code == 200
        assert admin.complete_only_task(instance_id, helpers.PUBLISH).status_code == 200
        ids.append(instance_id)
    return ids


@pytest.fixture
def no_documents(app, monkeypatch):
    """Documents are counted apart (they are made by the tick outside tests)."""
    monkeypatch.setitem(app.config, 'DOCUMENTS_AFTER_STEP', 'tick')


def dialect(app):
    with app.app_context():
        return db.engine.dialect.name


def completing_a_decision(app, client, instance_id):
    leader = Api(client, 'pimpinan1')
    [task] = leader.get(f'/instances/{instance_id}').get_json()['tasks']
    with statements(app) as seen:
        response = leader.post(f'/tasks/{task["id"]}/complete', json=helpers.DECIDE_NO)
    assert response.status_code == 200
    return seen


def test_completing_a_task_sends_a_fixed_number_of_statements(app, client, no_documents):
    first, *others = published(client, 6)
    alone = completing_a_decision(app, client, first)
    expected = COMPLETE_DECISION[dialect(app)]
    assert len(alone) == expected, '\n'.join(alone)
    # more reports, more users' tasks and a longer history change nothing
    published(client, 4)
    assert len(completing_a_decision(app, client, others[-1])) == expected


def test_completing_a_step_that_opens_the_next_one_sends_a_fixed_number_of_statements(app, client, no_documents):
    agent, verifier = Api(client, 'agen1'), Api(client, 'verifikator1')
    counts = []
    for _ in range(3):
        instance_id = agent.file_report()['id']
        [task] = verifier.get(f'/instances/{instance_id}').get_json()['tasks']
        with statements(app) as seen:
            assert verifier.post(f'/tasks/{task["id"]}/complete', json=helpers.VERIFY_YES).status_code == 200
        counts.append(len(seen))
    assert counts == [COMPLETE_VERIFICATION[dialect(app)]] * 3, '\n'.join(seen)


def test_an_inbox_page_sends_a_fixed_number_of_statements(app, client, no_documents):
    published(client, 2)
    leader = Api(client, 'pimpinan1')
    web = app.test_client()
    web_login(web, 'pimpinan1')

    def inbox_counts():
        with statements(app) as api_seen:
            listed = leader.get('/tasks')
        with statements(app) as page_seen:
            page = web.get('/tugas')
        assert listed.status_code == 200 and page.status_code == 200
        return len(listed.get_json()), len(api_seen), len(page_seen), api_seen, page_seen

    shown, api_count, page_count, api_seen, page_seen = inbox_counts()
    assert shown == 2
    assert api_count == INBOX_API, '\n'.join(api_seen)
    assert page_count == INBOX_PAGE, '\n'.join(page_seen)
    # claimed tasks name their claimant: still one query for all of them
    published(client, 8)
    for task in leader.get('/tasks').get_json()[:5]:
        assert leader.post(f'/tasks/{task["id"]}/claim').status_code == 200
    shown, api_count, page_count, api_seen, page_seen = inbox_counts()
    assert shown == 10
    assert api_count == INBOX_API, '\n'.join(api_seen)
    assert page_count == INBOX_PAGE, '\n'.join(page_seen)


def test_the_inbox_comes_in_pages(app, client, no_documents, monkeypatch):
    from app.services import queries
    published(client, 3)
    leader = Api(client, 'pimpinan1')
    first = leader.get('/tasks?limit=2')
    assert len(first.get_json()) == 2 and first.headers['Link'] == '</api/v1/tasks?limit=2&offset=2>; rel="next"'
    rest = leader.get('/tasks?limit=2&offset=2')
    assert len(rest.get_json()) == 1 and 'Link' not in rest.headers
    assert {t['id'] for t in first.get_json()}.isdisjoint(t['id'] for t in rest.get_json())
    monkeypatch.setattr(queries, 'INBOX_PAGE_SIZE', 2)
    web = app.test_client()
    web_login(web, 'pimpinan1')
    page_one = web.get('/tugas').get_data(as_text=True)
    assert page_one.count('Kerjakan<span') == 2 and 'halaman=2' in page_one
    page_two = web.get('/tugas?halaman=2').get_data(as_text=True)
    assert page_two.count('Kerjakan<span') == 1 and 'halaman=3' not in page_two and 'halaman=1' in page_two
    assert 'Tidak ada tugas di halaman ini' in web.get('/tugas?halaman=9').get_data(as_text=True)
    # numbers typed into the address stay inside the database's integers
    assert 'Tidak ada tugas di halaman ini' in web.get(f'/tugas?halaman={10**20}').get_data(as_text=True)
    assert leader.get(f'/tasks?offset={10**20}').get_json() == []
