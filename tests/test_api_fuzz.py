"""The JSON API v1 fuzzed against its own OpenAPI description (schemathesis): every operation, for several
roles, with data the description allows and data it does not. No response is a 5xx, and every response is
one the description documents (status code, content type, body, headers); an operation that requires a
token refuses the request without one. Then a few responses the fuzzing rarely meets, checked against the
description one by one."""
import collections
import re
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests import helpers
from tests.helpers import Api

SHIPPED = (Path(__file__).resolve().parents[1] / 'bpmn' / 'sikanda.bpmn').read_text()
RENAMED = SHIPPED.replace('name="Publikasi Laporan"', 'name="Publikasi Cepat"')
ROLES = ['agen1', 'verifikator1', 'administrator1', 'pemilikproses1', 'auditor1']
CHECKS = [getattr(schemathesis.checks, name) for name in (
    'not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance',
    'response_headers_conformance', 'ignored_auth')]
# bounded and repeatable: the same cases on every run, nothing remembered between runs
FUZZ = settings(max_examples=10, derandomize=True, database=None, deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
# operations for some roles only: the others get 403 and never a success
RESTRICTED = {
    'POST /processes/{process_id}/instances': {'agen1'},
    'GET /audit/events': {'auditor1'},
    'GET /reports/compliance': {'administrator1', 'auditor1'},
    'GET /processes/{process_id}/versions': {'administrator1', 'pemilikproses1', 'auditor1'},
    'GET /processes/{process_id}/versions/{version}/compare/{other}': {'administrator1', 'pemilikproses1',
                                                                       'auditor1'},
    'POST /processes/{process_id}/versions': {'pemilikproses1'},
    'POST /processes/{process_id}/versions/{version}/deploy': {'pemilikproses1'},
    'POST /instances/{instance_id}/migrate': {'administrator1'},
}
# bodies the API accepts, so that signing in, completing a step, writing its letter and saving a diagram also
# succeed now and then (and, with one value replaced by any text, fail in the field's own way)
VALID_BODIES = {
    'POST /tasks/{task_id}/complete': [helpers.VERIFY_YES, helpers.VERIFY_RETURN, helpers.PUBLISH,
                                       helpers.DECIDE_YES, helpers.DECIDE_NO],
    'POST /tasks/{task_id}/letter': [helpers.INVITATION, helpers.ASSIGNMENT],
    'POST /processes/{process_id}/versions': [RENAMED.encode(), SHIPPED.replace(
        'name="Verifikasi Laporan"', 'name="Verifikasi Cepat"').encode()],
}


@pytest.fixture(params=ROLES)
def role(request):
    return request.param


class SeedApi(Api):
    """An API client with a token from the service: no password hashing (argon2 is slow by design) to seed."""

    def __init__(self, app, client, username):
        self.client, self.headers = client, fresh_token(app, username)


@pytest.fixture
def seeded(app, client, monkeypatch):
    """Reports at several steps, their documents and a second diagram version: the ids of real objects."""
    agent, verifier, admin, leader, owner = (SeedApi(app, client, name) for name in (
        'agen1', 'verifikator1', 'administrator1', 'pimpinan1', 'pemilikproses1'))
    waiting = agent.file_report()                                      # at the verifier
    published = agent.file_report()
    verifier.complete_only_task(published['id'], helpers.VERIFY_YES)
    admin.complete_only_task(published['id'], helpers.PUBLISH)          # at the leader, with two documents
    # from here on documents wait for the scheduler, as in production: a step does not render PDFs
    monkeypatch.setitem(app.config, 'DOCUMENTS_AFTER_STEP', 'tick')
    rakor = agent.file_report()
    for api, data in ((verifier, helpers.VERIFY_YES), (admin, helpers.PUBLISH), (leader, helpers.DECIDE_YES)):
        assert api.complete_only_task(rakor['id'], data).status_code == 200   # at the administrator, with a letter
    started = agent.start()                                            # the agent's own first step
    draft = client.post('/api/v1/processes/sikanda/versions', headers=owner.headers, content_type='application/xml',
                        data=RENAMED.encode())
    assert draft.status_code == 201, draft.get_json()
    # the reports above run on version 1 while version 2 is deployed: they can be migrated
    assert owner.post('/processes/sikanda/versions/2/deploy').status_code == 200
    instances = [waiting['id'], published['id'], rakor['id'], started['id']]
    open_tasks = {i: [t['id'] for t in agent.get(f'/instances/{i}').get_json()['tasks']] for i in instances}
    documents = {d['id'] for i in instances[:3] for d in verifier.get(f'/instances/{i}/documents').get_json()}
    return {'instance_id': instances, 'task_id': sorted(t for tasks in open_tasks.values() for t in tasks),
            'document_id': sorted(documents), 'version': [1, 2], 'other': [1, 2], 'process_id': ['sikanda'],
            # open steps with a body that completes them (for whoever is in the step's lane)
            'steps': [(open_tasks[waiting['id']][0], helpers.VERIFY_YES), (open_tasks[published['id']][0],
                                                                          helpers.DECIDE_NO)]}


def closed(node):
    """The description with every object shape closed: a field the API sends must be described."""
    if isinstance(node, dict):
        node = {key: closed(value) for key, value in node.items()}
        if 'properties' in node and 'additionalProperties' not in node:
            node['additionalProperties'] = False
    elif isinstance(node, list):
        node = [closed(value) for value in node]
    return node


def one_value_replaced(body):
    """The body as it is, or with one of its values replaced by any text."""
    if not isinstance(body, dict):
        return st.just(body)
    replaced = st.tuples(st.sampled_from(sorted(body)), st.text()).map(lambda pair: {**body, pair[0]: pair[1]})
    return st.one_of(st.just(body), replaced)


def api_schema(app, client, seeded, role):
    document = client.get('/api/v1/openapi.json').get_json()
    # responses only: request bodies stay as open as the API is
    document['components']['schemas'] = closed(document['components']['schemas'])
    for operations in document['paths'].values():
        for operation in operations.values():
            operation['responses'] = closed(operation['responses'])
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app  # requests go to the app itself (WSGI), as with schemathesis.openapi.from_wsgi

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        # half of the time every id names an object that exists
        if not path_parameters:
            return st.just(path_parameters)
        real = st.fixed_dictionaries({name: st.sampled_from(seeded[name]) for name in path_parameters})
        return st.one_of(st.just(path_parameters), real)

    @schema.hook
    def flatmap_case(context, case):
        if context.operation.label != 'POST /tasks/{task_id}/complete' or not seeded:
            return st.just(case)

        def completing(step):
            case.path_parameters, case.body = {'task_id': step[0]}, step[1]
            return case
        return st.one_of(st.just(case), st.sampled_from(seeded['steps']).map(completing))

    @schema.hook
    def flatmap_body(context, body):
        label = context.operation.label
        valid = [{'username': role, 'password': helpers.PASSWORD}] if label == 'POST /auth/token' else \
            VALID_BODIES.get(label)
        if not valid:
            return st.just(body)
        return st.one_of(st.just(body), st.sampled_from(valid).flatmap(one_value_replaced))

    return schema


def fresh_token(app, username):
    from app.services import users
    from app.uow import unit_of_work
    with app.app_context(), unit_of_work():
        token = users.issue_token(users.find_user(username), 1)
    return {'Authorization': f'Bearer {token}'}


def fuzz(operations, headers, subtests, budget=FUZZ):
    """Each operation with data its description allows, then with data it does not; the statuses seen."""
    seen = collections.defaultdict(set)
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            with subtests.test(operation=operation.label, mode=mode.value):
                fuzz_one(operation, mode, headers, seen[operation.label], budget)
    return seen


def fuzz_one(operation, mode, headers, statuses, budget):
    @budget
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        statuses.add(case.call_and_validate(headers=headers(operation), checks=CHECKS).status_code)
    run()


def test_api_conforms_to_its_description(app, client, seeded, role, subtests):
    """Every operation but the token's own, as one role: its own routes answer, the others' refuse (403)."""
    token = Api(client, role).headers
    schema = api_schema(app, client, seeded, role)
    operations = [result.ok() for result in schema.get_all_operations() if result.ok().path != '/auth/token']
    seen = fuzz(operations, lambda _operation: token, subtests)
    for label, allowed in RESTRICTED.items():
        succeeded = any(200 <= status < 300 for status in seen[label])
        assert succeeded if role in allowed else (403 in seen[label] and not succeeded), (label, seen[label])
    # the ids in paths named real objects, not only missing ones
    for operation in operations:
        assert '{' not in operation.path or seen[operation.label] - {400, 401, 404}, operation.label


def test_token_endpoints_conform_to_their_description(app, client, subtests):
    """Signing in (401 for wrong credentials, 429 once the failures run out) and signing out."""
    schema = api_schema(app, client, {}, 'agen1')
    operations = [result.ok() for result in schema.get_all_operations() if result.ok().path == '/auth/token']
    # signing out revokes the token it is sent, so each case gets a fresh one; each sign-in checks a password
    # hash (argon2, slow by design), so there are fewer cases
    seen = fuzz(operations, lambda operation: fresh_token(app, 'agen1'), subtests, settings(FUZZ, max_examples=6))
    assert {200, 401} <= seen['POST /auth/token'] and 204 in seen['DELETE /auth/token']


def described(app, client):
    """The description as the fuzzing reads it (every shape closed), to check one response against."""
    return api_schema(app, client, {}, 'agen1')


def test_errors_of_a_list_field_are_described(app, client):
    """A list field's errors come per row, as objects beside the field's own messages."""
    agent = Api(client, 'agen1')
    instance = agent.file_report()
    for username, data in (('verifikator1', helpers.VERIFY_YES), ('administrator1', helpers.PUBLISH),
                           ('pimpinan1', helpers.DECIDE_YES)):
        assert Api(client, username).complete_only_task(instance['id'], data).status_code == 200
    admin = Api(client, 'administrator1')
    assert admin.create_letter(instance['id']).status_code == 201
    bad_row = helpers.RAKOR | {'rencana_tindak_lanjut-0-batas_waktu': 'besok'}
    response = admin.complete_only_task(instance['id'], bad_row)
    assert response.status_code == 422
    assert isinstance(response.get_json()['errors']['rencana_tindak_lanjut'][0], dict)
    described(app, client)['/tasks/{task_id}/complete']['POST'].validate_response(response)


def test_the_login_limit_is_a_described_429(app, client):
    """Failed sign-ins run out (whatever the limit's numbers are); the refusal is the documented error body."""
    for _attempt in range(100):
        response = client.post('/api/v1/auth/token', json={'username': 'agen1', 'password': 'salah-salah'})
        if response.status_code == 429:
            break
        assert response.status_code == 401
    assert response.status_code == 429 and response.get_json()['status'] == 429
    described(app, client)['/auth/token']['POST'].validate_response(response)


def test_a_method_a_path_does_not_have_is_405_naming_those_it_has(client):
    """RFC 9110: the refusal of an undescribed method lists the described ones in `Allow`."""
    document = client.get('/api/v1/openapi.json').get_json()
    api = Api(client, 'auditor1')
    for path, operations in document['paths'].items():
        url = '/api/v1' + re.sub(r'\{\w+\}', lambda name: 'sikanda' if name[0] == '{process_id}' else '1', path)
        for method in sorted({'get', 'post', 'put', 'patch', 'delete'} - set(operations)):
            response = client.open(url, method=method.upper(), headers=api.headers)
            assert response.status_code == 405 and response.get_json()['status'] == 405, (method, path)
            allowed = {name.strip().lower() for name in response.headers['Allow'].split(',')}
            assert allowed - {'head', 'options'} == set(operations), (method, path, allowed)
