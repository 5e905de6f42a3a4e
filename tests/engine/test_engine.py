"""The workflow engine on the shipped diagram: every path, and what it refuses. No Flask, no database."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.engine import DiagramError, EngineError, NoPathError, TaskNotReadyError, WorkflowEngine

DIAGRAM = (Path(__file__).resolve().parents[2] / 'bpmn' / 'sikanda.bpmn').read_bytes()
REPORT = {'judul': 'x', 'apa': 'y'}
VERIFY_YES = {'keputusan': 'ya', 'tindak_lanjut': None, 'catatan': None}
VERIFY_RETURN = {'keputusan': 'tidak', 'tindak_lanjut': 'kembalikan', 'catatan': 'lengkapi'}
VERIFY_REJECT = {'keputusan': 'tidak', 'tindak_lanjut': 'tolak', 'catatan': 'hoaks'}


@pytest.fixture(scope='module')
def engine():
    return WorkflowEngine()


@pytest.fixture(scope='module')
def model(engine):
    return engine.load(DIAGRAM, 'sikanda')


def step(engine, model, result, expected_task, data):
    assert [t.info.bpmn_id for t in result.ready_tasks] == [expected_task]
    return engine.complete(model, result.state, result.ready_tasks[0].task_id, data)


def test_diagram_describes_lanes_forms_and_time_standards(model):
    summary = {t.bpmn_id: (t.lane, t.form_key, t.sla) for t in model.user_tasks.values()}
    assert summary == {
        'Task_Pelaporan': ('Agen Lapangan', 'laporan_informasi', 'PT6H'),
        'Task_Verifikasi': ('Verifikator', 'verifikasi', 'PT2H'),
        'Task_Publikasi': ('Administrator', 'publikasi', 'PT6H'),
        'Task_Keputusan': ('Pimpinan', 'keputusan_pimpinan', 'PT4H'),
        'Task_Rakor': ('Administrator', 'rakor', 'P3D'),
    }
    assert model.end_events == {'End_Ditolak': 'Ditolak', 'End_Dipantau': 'Dipantau',
                                'End_Ditindaklanjuti': 'Ditindaklanjuti'}


def test_path_ya_ya_ends_ditindaklanjuti(engine, model):
    result = engine.start(model)
    result = step(engine, model, result, 'Task_Pelaporan', REPORT)
    result = step(engine, model, result, 'Task_Verifikasi', VERIFY_YES)
    result = step(engine, model, result, 'Task_Publikasi', {'rekomendasi': 'mediasi'})
    result = step(engine, model, result, 'Task_Keputusan', {'keputusan': 'ya', 'bentuk_penanganan': 'rakor'})
    result = step(engine, model, result, 'Task_Rakor', {'kesimpulan': 'selesai'})
    assert result.completed and result.ready_tasks == []
    assert (result.end_event_id, result.end_event_name) == ('End_Ditindaklanjuti', 'Ditindaklanjuti')


def test_path_ya_tidak_ends_dipantau(engine, model):
    result = engine.start(model)
    result = step(engine, model, result, 'Task_Pelaporan', REPORT)
    result = step(engine, model, result, 'Task_Verifikasi', VERIFY_YES)
    result = step(engine, model, result, 'Task_Publikasi', {})
    result = step(engine, model, result, 'Task_Keputusan', {'keputusan': 'tidak', 'bentuk_penanganan': None})
    assert result.completed and result.end_event_id == 'End_Dipantau'


def test_return_loops_back_to_the_agent_then_continues(engine, model):
    result = engine.start(model)
    first_report_task = result.ready_tasks[0].task_id
    result = step(engine, model, result, 'Task_Pelaporan', REPORT)
    result = step(engine, model, result, 'Task_Verifikasi', VERIFY_RETURN)
    assert not result.completed
    assert result.ready_tasks[0].task_id != first_report_task  # a new pass is a new task
    result = step(engine, model, result, 'Task_Pelaporan', REPORT | {'apa': 'lengkap'})
    result = step(engine, model, result, 'Task_Verifikasi', VERIFY_YES)
    assert [t.info.bpmn_id for t in result.ready_tasks] == ['Task_Publikasi']


def test_old_decision_does_not_leak_into_the_next_pass(engine, model):
    """The form writes every field; a stale 'tolak' from an earlier pass must not reject."""
    result = engine.start(model)
    result = step(engine, model, result, 'Task_Pelaporan', REPORT)
    result = step(engine, model, result, 'Task_Verifikasi', VERIFY_RETURN)
    result = step(engine, model, result, 'Task_Pelaporan', REPORT)
    result = step(engine, model, result, 'Task_Verifikasi', VERIFY_RETURN)
    result = step(engine, model, result, 'Task_Pelaporan', REPORT)
    result = step(engine, model, result, 'Task_Verifikasi', VERIFY_YES)
    assert [t.info.bpmn_id for t in result.ready_tasks] == ['Task_Publikasi']
    # the verifier's 'ya' does not decide the leadership gateway either: that needs its own keputusan
    result = step(engine, model, result, 'Task_Publikasi', {})
    result = step(engine, model, result, 'Task_Keputusan', {'keputusan': 'tidak'})
    assert result.end_event_id == 'End_Dipantau'


def test_reject_ends_ditolak(engine, model):
    result = engine.start(model)
    result = step(engine, model, result, 'Task_Pelaporan', REPORT)
    result = step(engine, model, result, 'Task_Verifikasi', VERIFY_REJECT)
    assert result.completed and result.end_event_id == 'End_Ditolak'


def test_state_does_not_embed_the_spec(engine, model):
    state = json.loads(engine.start(model).state)
    assert 'spec' not in state and 'subprocess_specs' not in state


def test_completing_a_task_twice_or_an_unknown_task_is_refused(engine, model):
    start = engine.start(model)
    task_id = start.ready_tasks[0].task_id
    after = engine.complete(model, start.state, task_id, REPORT)
    with pytest.raises(TaskNotReadyError):
        engine.complete(model, after.state, task_id, REPORT)
    with pytest.raises(TaskNotReadyError):
        engine.complete(model, after.state, '00000000-0000-0000-0000-000000000000', REPORT)
    with pytest.raises(TaskNotReadyError):
        engine.complete(model, after.state, 'bukan-uuid', REPORT)


def test_underscore_keys_are_refused(engine, model):
    start = engine.start(model)
    with pytest.raises(EngineError):
        engine.complete(model, start.state, start.ready_tasks[0].task_id, {'__class__': 1})


def test_parsed_models_are_cached_per_diagram(engine):
    assert engine.load(DIAGRAM, 'sikanda') is engine.load(DIAGRAM, 'sikanda')


def _variant(old, new):
    return DIAGRAM.replace(old.encode(), new.encode())


def test_a_condition_that_would_run_code_is_refused_at_load(engine):
    evil = _variant("keputusan == 'ya'</bpmn:conditionExpression>",
                    "__import__('os').system('touch /tmp/sikanda-pwned') == 0</bpmn:conditionExpression>")
    with pytest.raises(DiagramError) as info:
        engine.load(evil, 'sikanda')
    assert 'Gateway_Valid' in info.value.problems


def test_script_tasks_are_refused(engine):
    evil = _variant('<bpmn:userTask id="Task_Publikasi"', '<bpmn:scriptTask id="Task_Publikasi" scriptFormat="python"')
    evil = evil.replace(b'</bpmn:userTask>\n    <bpmn:userTask id="Task_Keputusan"',
                        b'<bpmn:script>import os</bpmn:script></bpmn:scriptTask>\n'
                        b'    <bpmn:userTask id="Task_Keputusan"')
    with pytest.raises(DiagramError) as info:
        engine.load(evil, 'sikanda')
    assert 'Task_Publikasi' in info.value.problems


def test_doctype_and_entities_are_refused(engine):
    xxe = DIAGRAM.replace(b'<bpmn:definitions', b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                                                b'<bpmn:definitions', 1)
    with pytest.raises(DiagramError, match='DOCTYPE'):
        engine.load(xxe, 'sikanda')


def test_oversized_and_malformed_diagrams_are_refused(engine):
    with pytest.raises(DiagramError):
        engine.load(b'<bpmn:definitions' + b' ' * 2_100_000, 'sikanda')
    with pytest.raises(DiagramError, match='XML'):
        engine.load(b'<not-closed>', 'sikanda')


def test_unknown_process_is_refused(engine):
    with pytest.raises(DiagramError, match='tidak ditemukan'):
        engine.load(DIAGRAM, 'proses_lain')


def test_gateway_without_a_matching_flow_raises_no_path(engine):
    no_default = _variant('name="Perlu penanganan lanjutan?" default="Flow_Penanganan_Tidak"',
                          'name="Perlu penanganan lanjutan?"')
    no_default = no_default.replace(
        b'<bpmn:sequenceFlow id="Flow_Penanganan_Tidak" name="TIDAK" sourceRef="Gateway_Penanganan" '
        b'targetRef="End_Dipantau"/>',
        b'<bpmn:sequenceFlow id="Flow_Penanganan_Tidak" name="TIDAK" sourceRef="Gateway_Penanganan" '
        b'targetRef="End_Dipantau"><bpmn:conditionExpression>keputusan == \'tidak\'</bpmn:conditionExpression>'
        b'</bpmn:sequenceFlow>')
    model = engine.load(no_default, 'sikanda')
    result = engine.start(model)
    for data in (REPORT, VERIFY_YES, {}):
        result = engine.complete(model, result.state, result.ready_tasks[0].task_id, data)
    with pytest.raises(NoPathError):
        engine.complete(model, result.state, result.ready_tasks[0].task_id, {'keputusan': 'mungkin'})


def test_engine_package_imports_neither_flask_nor_sqlalchemy():
    code = ('import sys, app.engine; bad = [m for m in ("flask", "sqlalchemy", "flask_sqlalchemy") '
            'if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)')
    root = Path(__file__).resolve().parents[2]
    completed = subprocess.run([sys.executable, '-c', code], cwd=root, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def unpruned(engine, model):
    """The same diagram with the whole history kept, to compare with."""
    from dataclasses import replace
    return replace(model, prunable=False)


def same_trail(engine, model, state, full_model, full_state):
    pruned, full = engine.trail(model, state), engine.trail(full_model, full_state)
    return pruned.visits == full.visits and sorted(pruned.steps) == sorted(full.steps)


def test_history_is_dropped_but_the_state_and_the_trail_stay_exact_through_twenty_returns(engine, model):
    """Each TIDAK-return adds a pass; the state keeps only open work and the trail counts every pass."""
    full_model = unpruned(engine, model)
    pruned, full = engine.start(model), engine.start(full_model)
    sizes = []
    for _ in range(20):
        for expected, data in (('Task_Pelaporan', REPORT), ('Task_Verifikasi', VERIFY_RETURN)):
            pruned = step(engine, model, pruned, expected, data)
            full = step(engine, full_model, full, expected, data)
        assert same_trail(engine, model, pruned.state, full_model, full.state)
        sizes.append(len(pruned.state))
    trail = engine.trail(model, pruned.state)
    assert trail.visits['Task_Pelaporan'] == 20 and trail.visits['Task_Verifikasi'] == 20
    assert {(a, b): n for a, b, n in trail.steps}[('Gateway_TindakLanjut', 'Task_Pelaporan')] == 20
    assert max(sizes) <= sizes[0] * 1.05 and max(sizes) < len(full.state) / 5
    # the data of the last pass is still there, and the path goes on as before
    for expected, data in (('Task_Pelaporan', REPORT), ('Task_Verifikasi', VERIFY_YES)):
        pruned = step(engine, model, pruned, expected, data)
        full = step(engine, full_model, full, expected, data)
    assert [t.info.bpmn_id for t in pruned.ready_tasks] == ['Task_Publikasi']
    assert same_trail(engine, model, pruned.state, full_model, full.state)


def test_a_diagram_with_a_parallel_gateway_keeps_its_whole_history(engine):
    """Parallel joins merge the data of earlier passes, so such a diagram's history is not dropped."""
    from tests.engine.test_versions import flow, minimal
    xml = minimal('<bpmn:parallelGateway id="Bagi"/><bpmn:userTask id="Tugas"/>'
                  '<bpmn:endEvent id="Cepat"/><bpmn:endEvent id="Lambat"/>'
                  + flow('Mulai', 'Bagi') + flow('Bagi', 'Cepat') + flow('Bagi', 'Tugas') + flow('Tugas', 'Lambat'))
    assert engine.load(xml.encode(), 'sikanda').prunable is False
    assert engine.load(DIAGRAM, 'sikanda').prunable is True
