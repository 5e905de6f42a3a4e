"""Hostile diagrams: each is refused with an error on the right element, and nothing happens on the server.

Every upload goes through the real API (token auth, unit of work, validator, engine). While a hostile
diagram is being handled, a Python audit hook records any attempt to open a socket, start a process or
open a file for writing; the test also checks that no version, audit event or file was stored.
"""
import re
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests import helpers

SHIPPED = (Path(__file__).resolve().parents[1] / 'bpmn' / 'sikanda.bpmn').read_text()
CANARY = Path('/tmp/sikanda-canary-should-not-exist')
WATCHED_EVENTS = ('socket.', 'subprocess.', 'os.system', 'os.exec', 'os.posix_spawn', 'os.spawn', 'os.fork',
                  'urllib.', 'ctypes.')

_recording = threading.local()


def _audit_hook(event, args):
    log = getattr(_recording, 'log', None)
    if log is None:
        return
    if event.startswith(WATCHED_EVENTS):
        log.append((event, repr(args)[:200]))
    elif event == 'open' and len(args) > 1 and isinstance(args[1], str) and set(args[1]) & set('wax+'):
        log.append((event, repr(args)[:200]))


sys.addaudithook(_audit_hook)  # hooks cannot be removed; it records only inside `side_effects()`


@contextmanager
def side_effects():
    _recording.log = []
    try:
        yield _recording.log
    finally:
        _recording.log = None


def _with_doctype(doctype, marker='&e;'):
    body = SHIPPED.split('\n', 1)[1].replace('name="Publikasi Laporan"', f'name="{marker}"')
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{body}'


def _condition(flow_id, expression):
    pattern = rf'(<bpmn:sequenceFlow id="{flow_id}"[^>]*>\s*<bpmn:conditionExpression[^>]*>)[^<]*(<)'
    changed = re.sub(pattern, lambda m: m.group(1) + expression + m.group(2), SHIPPED)
    assert changed != SHIPPED
    return changed


def _replace_task(task_id, new_xml):
    pattern = rf'<bpmn:userTask id="{task_id}".*?</bpmn:userTask>'
    changed = re.sub(pattern, new_xml, SHIPPED, flags=re.S)
    assert changed != SHIPPED
    return changed


def _insert_into_process(xml_fragment, source=SHIPPED):
    return source.replace('  </bpmn:process>', xml_fragment + '\n  </bpmn:process>', 1)


BILLION_LAUGHS = ('<!DOCTYPE definitions [\n<!ENTITY a "lol">\n'
                  + '\n'.join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
                  + '\n<!ENTITY e "&j;">\n]>')

HOSTILE = {
    'external entity (XXE)': (
        _with_doctype('<!DOCTYPE definitions [<!ENTITY e SYSTEM "file:///etc/passwd">]>'), None, 'DOCTYPE'),
    'parameter entity chain': (
        _with_doctype('<!DOCTYPE definitions [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p; '
                      '<!ENTITY % q "<!ENTITY e \'x\'>"> %q;]>'), None, 'DOCTYPE'),
    'billion laughs': (_with_doctype(BILLION_LAUGHS), None, 'DOCTYPE'),
    '20 MB file': (SHIPPED.replace('Keluaran: Laporan.', 'Keluaran: Laporan.' + 'x' * 20_000_000),
                   None, 'melebihi batas'),
    'condition importing os': (
        _condition('Flow_Valid_Ya', f"__import__('os').system('touch {CANARY}')"), 'Flow_Valid_Ya', 'tidak diizinkan'),
    'condition reaching object internals': (
        _condition('Flow_Valid_Ya', '().__class__.__base__.__subclasses__()'), 'Flow_Valid_Ya', 'tidak diizinkan'),
    'script task': (
        _replace_task('Task_Publikasi', (
            '<bpmn:scriptTask id="Task_Publikasi" name="Publikasi" scriptFormat="python">'
            '<bpmn:incoming>Flow_Valid_Ya</bpmn:incoming><bpmn:outgoing>Flow_Publikasi_Keputusan</bpmn:outgoing>'
            f'<bpmn:script>import os; os.system("touch {CANARY}")</bpmn:script></bpmn:scriptTask>')),
        'Task_Publikasi', 'Script task'),
    'timer expression with code': (
        _insert_into_process(
            '<bpmn:boundaryEvent id="Timer_Jahat" attachedToRef="Task_Verifikasi" cancelActivity="false">'
            '<bpmn:outgoing>Flow_Timer</bpmn:outgoing><bpmn:timerEventDefinition>'
            f'<bpmn:timeDuration>__import__("os").system("touch {CANARY}")</bpmn:timeDuration>'
            '</bpmn:timerEventDefinition></bpmn:boundaryEvent>'
            '<bpmn:sequenceFlow id="Flow_Timer" sourceRef="Timer_Jahat" targetRef="End_Ditolak"/>'),
        'Timer_Jahat', 'timer'),
    'lane that is no role': (SHIPPED.replace('name="Verifikator"', 'name="Bendahara"'), 'Task_Verifikasi',
                             'bukan peran'),
    'user task without a form': (SHIPPED.replace(' camunda:formKey="publikasi"', ''), 'Task_Publikasi',
                                 'formulir'),
    'gateway without default and incomplete conditions': (
        SHIPPED.replace(' default="Flow_Penanganan_Tidak"', '').replace(
            '<bpmn:sequenceFlow id="Flow_Penanganan_Tidak" name="TIDAK" sourceRef="Gateway_Penanganan" '
            'targetRef="End_Dipantau"/>',
            '<bpmn:sequenceFlow id="Flow_Penanganan_Tidak" name="TIDAK" sourceRef="Gateway_Penanganan" '
            'targetRef="End_Dipantau"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
            "keputusan == 'mungkin'</bpmn:conditionExpression></bpmn:sequenceFlow>"),
        'Gateway_Penanganan', "keputusan='tidak'"),
    'dead-end path': (
        SHIPPED.replace('<bpmn:sequenceFlow id="Flow_Rakor_Selesai" sourceRef="Task_Rakor" '
                        'targetRef="End_Ditindaklanjuti"/>', ''),
        'Task_Rakor', 'Jalur buntu'),
    'two processes in one file': (
        SHIPPED.replace('</bpmn:definitions>', '<bpmn:process id="lain" isExecutable="true">'
                        '<bpmn:startEvent id="Start_Lain"/></bpmn:process></bpmn:definitions>'),
        None, 'tepat satu proses'),
    'service task': (
        _replace_task('Task_Publikasi', (
            '<bpmn:serviceTask id="Task_Publikasi" name="Publikasi" camunda:class="java.lang.Runtime">'
            '<bpmn:incoming>Flow_Valid_Ya</bpmn:incoming><bpmn:outgoing>Flow_Publikasi_Keputusan</bpmn:outgoing>'
            '</bpmn:serviceTask>')),
        'Task_Publikasi', 'Service task'),
    'execution listener script': (
        SHIPPED.replace('<camunda:property name="sla" value="PT2H"/>\n        </camunda:properties>',
                        '<camunda:property name="sla" value="PT2H"/>\n        </camunda:properties>'
                        '<camunda:executionListener event="start"><camunda:script scriptFormat="python">'
                        f'import os; os.system("touch {CANARY}")</camunda:script></camunda:executionListener>'),
        'Task_Verifikasi', 'executionListener'),
    'condition written as a script': (
        SHIPPED.replace('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">keputusan == \'ya\'',
                        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="python">'
                        "keputusan == 'ya'", 1),
        'Flow_Valid_Ya', 'bukan skrip'),
    'call activity': (
        _replace_task('Task_Publikasi', (
            '<bpmn:callActivity id="Task_Publikasi" name="Publikasi" calledElement="lain">'
            '<bpmn:incoming>Flow_Valid_Ya</bpmn:incoming><bpmn:outgoing>Flow_Publikasi_Keputusan</bpmn:outgoing>'
            '</bpmn:callActivity>')),
        'Task_Publikasi', 'Call activity'),
}


def _counts(app):
    from app.extensions import db
    from app.models import AuditEvent, ProcessDefinition
    with app.app_context():
        counts = (db.session.scalar(select(func.count()).select_from(ProcessDefinition)),
                  db.session.scalar(select(func.count()).select_from(AuditEvent)))
        db.session.remove()
    return counts


def _files(app):
    upload_dir = Path(app.config['UPLOAD_DIR'])
    return sorted(upload_dir.rglob('*')) if upload_dir.exists() else []


@pytest.fixture
def owner_api(client):
    return helpers.Api(client, 'pemilikproses1')


def test_the_shipped_diagram_passes_the_same_gate(app, client, owner_api):
    """The corpus is the shipped diagram with one hostile change: the unchanged one must be accepted."""
    changed = SHIPPED.replace('name="Publikasi Laporan"', 'name="Publikasi"')
    response = client.post('/api/v1/processes/sikanda/versions', data=changed.encode(),
                           headers=owner_api.headers, content_type='application/xml')
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize('case', list(HOSTILE), ids=list(HOSTILE))
def test_hostile_diagram_is_refused_without_side_effects(app, client, owner_api, case):
    xml, element_id, message_part = HOSTILE[case]
    before_counts, before_files = _counts(app), _files(app)
    CANARY.unlink(missing_ok=True)
    with side_effects() as attempts:
        response = client.post('/api/v1/processes/sikanda/versions', data=xml.encode(),
                               headers=owner_api.headers, content_type='application/xml')
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    errors = response.get_json()['errors']
    matching = [e for e in errors if e['element_id'] == element_id]
    assert matching, f'no error on {element_id!r}: {errors}'
    assert any(message_part.lower() in e['message'].lower() for e in matching), errors
    assert attempts == [], f'side effects while handling {case}: {attempts}'
    assert _counts(app) == before_counts  # no version stored, no audit event
    assert _files(app) == before_files
    assert not CANARY.exists()


def test_the_audit_hook_would_see_a_process_or_socket(tmp_path):
    """Guard for the test above: the hook really records what it claims to watch."""
    import socket
    import subprocess
    with side_effects() as attempts:
        subprocess.run(['true'], check=True)  # noqa: S607 - a harmless, fixed command
        with socket.socket() as sock:
            sock.settimeout(0.2)
            sock.connect_ex(('127.0.0.1', 9))
        (tmp_path / 'x').write_text('x')
    events = {event for event, _args in attempts}
    assert {'subprocess.Popen', 'socket.connect', 'open'} <= events
