"""Engine side of diagram versions: the structural rules, the dry run, comparing and migrating. No Flask."""
import json
import re
from pathlib import Path

import pytest

from app.engine import MigrationRefused, WorkflowEngine

SHIPPED = (Path(__file__).resolve().parents[2] / 'bpmn' / 'sikanda.bpmn').read_text()
DOMAINS = {'keputusan': ('ya', 'tidak'), 'tindak_lanjut': ('kembalikan', 'tolak', None), 'catatan': None,
           'jumlah_orang': None}
VERIFY_YES = {'keputusan': 'ya'}


def variants(info):
    """Sample data like the forms' catalogue produces: every decision the conditions read."""
    if info.form_key == 'verifikasi':
        return [(f'{k}/{t}', {'keputusan': k, 'tindak_lanjut': t})
                for k in ('ya', 'tidak') for t in ('kembalikan', 'tolak', None)]
    if info.form_key == 'keputusan_pimpinan':
        return [(k, {'keputusan': k}) for k in ('ya', 'tidak')]
    return [('contoh', {'judul': 'x'})]


@pytest.fixture(scope='module')
def engine():
    return WorkflowEngine()


def validate(engine, xml):
    return engine.validate(xml.encode(), 'sikanda', DOMAINS)


def without_default(xml, gateway, flow, condition):
    """Drop a gateway's default flow and give that flow a condition instead."""
    xml = xml.replace(f' default="{flow}"', '')
    start = xml.index(f'<bpmn:sequenceFlow id="{flow}"')
    end = xml.index('/>', start)
    return (xml[:end] + '><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
            + condition + '</bpmn:conditionExpression></bpmn:sequenceFlow>' + xml[end + 2:])


def test_shipped_diagram_has_no_problems(engine):
    assert validate(engine, SHIPPED) == {}


@pytest.mark.parametrize('condition', ["keputusan == 'tidak'", "keputusan != 'ya'", "not keputusan == 'ya'",
                                       "keputusan in ('tidak', 'mungkin')"])
def test_gateway_without_default_is_accepted_when_conditions_provably_cover_every_value(engine, condition):
    xml = without_default(SHIPPED, 'Gateway_Penanganan', 'Flow_Penanganan_Tidak', condition)
    assert validate(engine, xml) == {}


def test_gateway_without_default_over_free_text_needs_a_default(engine):
    xml = without_default(SHIPPED, 'Gateway_Penanganan', 'Flow_Penanganan_Tidak', "catatan == 'x'")
    assert 'tidak terbatas' in validate(engine, xml)['Gateway_Penanganan'][0]


def test_condition_on_a_field_no_form_writes_is_refused(engine):
    xml = SHIPPED.replace("keputusan == 'ya'</bpmn:conditionExpression>\n    </bpmn:sequenceFlow>\n"
                          '    <bpmn:sequenceFlow id="Flow_Valid_Tidak"',
                          "kepts == 'ya'</bpmn:conditionExpression>\n    </bpmn:sequenceFlow>\n"
                          '    <bpmn:sequenceFlow id="Flow_Valid_Tidak"')
    assert '"kepts"' in validate(engine, xml)['Flow_Valid_Ya'][0]


def test_default_flow_must_leave_the_gateway(engine):
    xml = SHIPPED.replace('default="Flow_Penanganan_Tidak"', 'default="Flow_Rakor_Selesai"')
    assert any('bukan alur keluar' in m for m in validate(engine, xml)['Gateway_Penanganan'])


def test_unreachable_element_and_second_start_event_are_refused(engine):
    xml = SHIPPED.replace('  </bpmn:process>', '<bpmn:startEvent id="Start_Dua"/>\n'
                          '<bpmn:endEvent id="End_Yatim"/>\n  </bpmn:process>')
    problems = validate(engine, xml)
    assert 'tepat satu start event' in problems['sikanda'][0]
    assert problems['End_Yatim'] == ['Elemen tidak dapat dicapai dari awal proses']
    assert 'Jalur buntu' in problems['Start_Dua'][0]


def test_loop_without_exit_is_a_dead_end(engine):
    """Verification always returns to reporting: no path from the loop reaches an end."""
    xml = SHIPPED.replace('targetRef="Gateway_Valid"/>', 'targetRef="Task_Pelaporan"/>')
    problems = validate(engine, xml)
    assert 'Jalur buntu' in problems['Task_Verifikasi'][0]


def test_intermediate_timer_events_are_refused(engine):
    """Only boundary timers on user tasks run (tests/engine/test_timers.py); a timer in the flow does not."""
    xml = SHIPPED.replace('  </bpmn:process>', (
        '<bpmn:intermediateCatchEvent id="Timer_Tunggu"><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        '\n  </bpmn:process>'))
    assert 'Event perantara (timer/pesan) tidak diizinkan' in validate(engine, xml)['Timer_Tunggu'][0]


def test_loop_through_gateways_only_is_refused(engine):
    """The engine would spin through such a loop on its own, thousands of times, inside one request."""
    xml = SHIPPED.replace('targetRef="End_Dipantau"/>', 'targetRef="Gateway_Putar"/>').replace(
        '  </bpmn:process>',
        '<bpmn:exclusiveGateway id="Gateway_Putar" default="Flow_Putar_Balik"/>'
        '<bpmn:sequenceFlow id="Flow_Putar_Balik" sourceRef="Gateway_Putar" targetRef="Gateway_Penanganan"/>'
        '<bpmn:sequenceFlow id="Flow_Putar_Selesai" sourceRef="Gateway_Putar" targetRef="End_Dipantau">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">keputusan == \'ya\''
        '</bpmn:conditionExpression></bpmn:sequenceFlow>\n  </bpmn:process>')
    problems = validate(engine, xml)
    assert problems['Gateway_Putar'] == ['Putaran tanpa user task: proses akan berputar sendiri tanpa henti']
    assert 'Putaran tanpa user task' in problems['Gateway_Penanganan'][0]


def test_duplicate_ids_comments_and_size_are_handled(engine):
    duplicated = SHIPPED.replace('<bpmn:endEvent id="End_Dipantau"', '<bpmn:endEvent id="End_Ditolak"')
    assert 'dipakai 2 kali' in validate(engine, duplicated)['End_Ditolak'][0]
    commented = SHIPPED.replace('<camunda:properties>', '<!-- standar waktu SOP --><camunda:properties>').replace(
        '<bpmn:laneSet', '<!-- lajur = peran --><?catatan x?><bpmn:laneSet')
    assert validate(engine, commented) == {}
    many = SHIPPED.replace('  </bpmn:process>', ''.join(
        f'<bpmn:textAnnotation id="Catatan_{i}"/>' for i in range(1000)) + '\n  </bpmn:process>')
    assert validate(engine, many) == {'': ['Diagram terlalu besar: lebih dari 1000 elemen']}


def test_gateway_with_too_many_combinations_needs_a_default(engine):
    domains = DOMAINS | {f'pilihan_{i}': tuple(range(10)) for i in range(6)}
    condition = ' and '.join(f'pilihan_{i} == 1' for i in range(6))
    xml = without_default(SHIPPED, 'Gateway_Penanganan', 'Flow_Penanganan_Tidak', condition)
    problems = engine.validate(xml.encode(), 'sikanda', domains)
    assert 'terlalu banyak kombinasi' in problems['Gateway_Penanganan'][0]


def test_dry_run_walks_every_path_of_the_shipped_diagram(engine):
    model = engine.load(SHIPPED.encode(), 'sikanda')
    report = engine.dry_run(model, variants)
    assert report.ok and not report.truncated
    assert report.unreached == []
    ends = {path.element_id for path in report.paths if path.outcome == 'end'}
    assert ends == {'End_Ditolak', 'End_Dipantau', 'End_Ditindaklanjuti'}
    # the return loop is followed once more, then bounded
    assert any(path.outcome == 'loop' for path in report.paths)
    assert max(sum(step == 'Task_Pelaporan' for step, _ in path.steps) for path in report.paths) == 2


def test_dry_run_reports_a_path_that_gets_stuck(engine):
    """Load skips the structural rules, as for a stored version; the dry run still finds the stuck path."""
    xml = without_default(SHIPPED, 'Gateway_Penanganan', 'Flow_Penanganan_Tidak', "keputusan == 'mungkin'")
    report = engine.dry_run(engine.load(xml.encode(), 'sikanda'), variants)
    assert not report.ok
    failure = report.failures[0]
    assert failure.steps[-1] == ('Task_Keputusan', 'tidak')
    assert 'End_Dipantau' in report.unreached


def test_compare_names_added_removed_and_changed_elements(engine):
    old = engine.load(SHIPPED.encode(), 'sikanda')
    renamed = SHIPPED.replace('name="Publikasi Laporan"', 'name="Publikasi"').replace(
        '<camunda:property name="sla" value="PT2H"/>', '<camunda:property name="sla" value="PT3H"/>')
    comparison = engine.compare(old, engine.load(renamed.encode(), 'sikanda'))
    assert comparison.added == [] and comparison.removed == []
    assert ('Task_Publikasi', 'Publikasi Laporan', ['bpmn_name']) in comparison.changed
    assert ('Task_Verifikasi', 'Verifikasi Laporan', ['extensions']) in comparison.changed
    assert engine.compare(old, old).identical


def start_at_verification(engine, model):
    first = engine.start(model)
    return engine.complete(model, first.state, first.ready_tasks[0].task_id, {'judul': 'x'})


def test_migration_moves_an_instance_whose_current_step_is_unchanged(engine):
    old = engine.load(SHIPPED.encode(), 'sikanda')
    new = engine.load(SHIPPED.replace('name="Publikasi Laporan"', 'name="Publikasi Cepat"').encode(), 'sikanda')
    waiting = start_at_verification(engine, old)
    moved = engine.migrate(old, new, waiting.state)
    assert [t.task_id for t in moved.ready_tasks] == [t.task_id for t in waiting.ready_tasks]
    after = engine.complete(new, moved.state, moved.ready_tasks[0].task_id, VERIFY_YES)
    assert [t.info.name for t in after.ready_tasks] == ['Publikasi Cepat']


def test_migration_is_refused_when_the_current_step_changed_or_is_gone(engine):
    old = engine.load(SHIPPED.encode(), 'sikanda')
    waiting = start_at_verification(engine, old)
    changed = engine.load(SHIPPED.replace('value="PT2H"', 'value="PT3H"').encode(), 'sikanda')
    with pytest.raises(MigrationRefused, match='Verifikasi Laporan.*berubah'):
        engine.migrate(old, changed, waiting.state)
    gone = engine.load(SHIPPED.replace('Task_Verifikasi', 'Task_Verifikasi2').encode(), 'sikanda')
    with pytest.raises(MigrationRefused, match='Verifikasi Laporan'):
        engine.migrate(old, gone, waiting.state)


def at_publication(engine, model):
    """Past the report and its verification: both are history dropped from the stored state."""
    waiting = start_at_verification(engine, model)
    return engine.complete(model, waiting.state, waiting.ready_tasks[0].task_id, VERIFY_YES)


def test_migration_sees_passed_steps_whose_history_was_dropped(engine):
    """A step the instance passed and the new version lacks is refused, though it is no longer in the tree."""
    old = engine.load(SHIPPED.encode(), 'sikanda')
    waiting = at_publication(engine, old)
    in_tree = {task['task_spec'] for task in json.loads(waiting.state)['tasks'].values()}
    assert 'Task_Pelaporan' not in in_tree  # only its counts are carried
    without_report = re.sub(r'<bpmn:userTask id="Task_Pelaporan".*?</bpmn:userTask>', '', SHIPPED, flags=re.S)
    without_report = (without_report.replace('<bpmn:flowNodeRef>Task_Pelaporan</bpmn:flowNodeRef>', '')
                      .replace('<bpmn:sequenceFlow id="Flow_Pelaporan_Verifikasi" sourceRef="Task_Pelaporan" '
                               'targetRef="Task_Verifikasi"/>', '')
                      .replace('targetRef="Task_Pelaporan"', 'targetRef="Task_Verifikasi"'))
    with pytest.raises(MigrationRefused, match='yang sudah dilalui "Pelaporan Informasi"'):
        engine.migrate(old, engine.load(without_report.encode(), 'sikanda'), waiting.state)


def test_migration_carries_the_dropped_history_over_to_renamed_elements(engine):
    old = engine.load(SHIPPED.encode(), 'sikanda')
    renamed = engine.load(SHIPPED.replace('Task_Pelaporan', 'Task_Lapor').encode(), 'sikanda')
    moved = engine.migrate(old, renamed, at_publication(engine, old).state)
    trail = engine.trail(renamed, moved.state)
    assert trail.visits['Task_Lapor'] == 1 and 'Task_Pelaporan' not in trail.visits
    assert ('Task_Lapor', 'Task_Verifikasi', 1) in trail.steps


def minimal(body):
    """A one-lane diagram around `body` (engine-level tests: lanes and forms are the services' concern)."""
    return ('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
            'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d"><bpmn:process id="sikanda" '
            'isExecutable="true"><bpmn:startEvent id="Mulai"/>' + body + '</bpmn:process></bpmn:definitions>')


def flow(source, target, flow_id=None):
    return f'<bpmn:sequenceFlow id="{flow_id or source + "_" + target}" sourceRef="{source}" targetRef="{target}"/>'


def test_dry_run_reports_a_parallel_join_that_never_completes(engine):
    """Only one branch reaches the join; the instance would wait with nobody to act."""
    xml = minimal('<bpmn:userTask id="Tugas"/><bpmn:exclusiveGateway id="Pilih" default="Lewat_Default"/>'
                  '<bpmn:userTask id="Rapat"/><bpmn:parallelGateway id="Gabung"/><bpmn:endEvent id="Selesai"/>'
                  + flow('Mulai', 'Tugas') + flow('Tugas', 'Pilih') + flow('Pilih', 'Gabung', 'Lewat_Default')
                  + '<bpmn:sequenceFlow id="Lewat_Ya" sourceRef="Pilih" targetRef="Rapat">'
                    '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">keputusan == \'ya\''
                    '</bpmn:conditionExpression></bpmn:sequenceFlow>'
                  + flow('Rapat', 'Gabung') + flow('Gabung', 'Selesai'))
    assert validate(engine, xml) == {}
    report = engine.dry_run(engine.load(xml.encode(), 'sikanda'),
                            lambda info: [(k, {'keputusan': k}) for k in ('ya', 'tidak')])
    assert {(p.outcome, p.element_id) for p in report.failures} == {('error', 'Gabung')}
    assert 'macet' in report.failures[0].message


def test_the_end_event_reached_last_is_the_outcome_of_parallel_branches(engine):
    xml = minimal('<bpmn:parallelGateway id="Bagi"/><bpmn:userTask id="Tugas"/>'
                  '<bpmn:endEvent id="Cepat"/><bpmn:endEvent id="Lambat"/>'
                  + flow('Mulai', 'Bagi') + flow('Bagi', 'Cepat') + flow('Bagi', 'Tugas') + flow('Tugas', 'Lambat'))
    model = engine.load(xml.encode(), 'sikanda')
    first = engine.start(model)
    done = engine.complete(model, first.state, first.ready_tasks[0].task_id, {})
    assert (done.completed, done.end_event_id) == (True, 'Lambat')
