"""BPMN boundary timers: what the validator accepts, and how the engine fires them at a given time."""
from datetime import timedelta
from pathlib import Path

import pytest

from app.engine import WorkflowEngine
from app.timeutil import utcnow
from tests.engine.test_versions import DOMAINS, variants

SHIPPED = (Path(__file__).resolve().parents[2] / 'bpmn' / 'sikanda.bpmn').read_text()
REPORT = {'judul': 'Bentrok antarwarga'}


def with_timer(duration='"PT1H"', interrupting=False, target='End_Pengingat', extra=''):
    """The shipped diagram plus a timer on the verification task (the test diagram of issue 5)."""
    timer = f'''
    <bpmn:boundaryEvent id="Timer_Verifikasi" name="Verifikasi lewat waktu" attachedToRef="Task_Verifikasi"
        cancelActivity="{'true' if interrupting else 'false'}">
      <bpmn:outgoing>Flow_Timer</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerDef"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{duration}\
</bpmn:timeDuration></bpmn:timerEventDefinition>{extra}
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="End_Pengingat" name="Pengingat dicatat"><bpmn:incoming>Flow_Timer</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_Timer" sourceRef="Timer_Verifikasi" targetRef="{target}"/>
'''
    return SHIPPED.replace('    <bpmn:sequenceFlow id="Flow_Pelaporan_Verifikasi"',
                           timer + '    <bpmn:sequenceFlow id="Flow_Pelaporan_Verifikasi"', 1)


@pytest.fixture(scope='module')
def engine():
    return WorkflowEngine()


def at_verification(engine, xml):
    model = engine.load(xml.encode(), 'sikanda')
    first = engine.start(model)
    assert first.next_timer_at is None
    return model, engine.complete(model, first.state, first.ready_tasks[0].task_id, REPORT)


def test_a_boundary_timer_with_a_quoted_duration_is_accepted_and_dry_run_follows_it(engine):
    xml = with_timer()
    assert engine.validate(xml.encode(), 'sikanda', DOMAINS) == {}
    report = engine.dry_run(engine.load(xml.encode(), 'sikanda'), variants)
    assert report.ok
    assert 'Timer_Verifikasi' in report.reached and 'End_Pengingat' in report.reached


@pytest.mark.parametrize(('duration', 'message'), [
    ('"PT1M"', 'antara 5 menit'),
    ('"P1Y"', 'antara 5 menit'),
    ('"besok"', 'bukan durasi'),
    # accepted by the isodate library, refused by the engine's own parser: refused here too
    ('P1DT', 'bukan durasi'),
    ('P1W1D', 'bukan durasi'),
    ('PT0.5H30M', 'bukan durasi'),
    ('sla_verifikasi', 'bukan durasi'),
    ("__import__('os').system('id') or 'PT1H'", 'bukan durasi'),
])
def test_timer_durations_outside_the_rules_are_refused(engine, duration, message):
    problems = engine.validate(with_timer(duration).encode(), 'sikanda', DOMAINS)
    assert message in ' '.join(problems['Timer_Verifikasi'])


def test_a_bare_duration_as_the_properties_panel_writes_it_works_like_a_quoted_one(engine):
    xml = with_timer('PT1H')
    assert engine.validate(xml.encode(), 'sikanda', DOMAINS) == {}
    model, waiting = at_verification(engine, xml)
    assert timedelta(minutes=59) < waiting.next_timer_at - utcnow() <= timedelta(hours=1)


def test_only_timers_on_user_tasks_are_allowed(engine):
    message = engine.validate(with_timer(extra='').replace(
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT1H"</bpmn:timeDuration>',
        '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R/PT1H"</bpmn:timeCycle>').encode(), 'sikanda', DOMAINS)
    assert 'timeDuration' in message['Timer_Verifikasi'][0]
    signal = with_timer().replace('<bpmn:timerEventDefinition id="TimerDef">', '<bpmn:signalEventDefinition/>'
                                  '<bpmn:timerEventDefinition id="TimerDef">')
    assert 'hanya boleh berupa timer' in engine.validate(signal.encode(), 'sikanda', DOMAINS)['Timer_Verifikasi'][0]
    on_gateway = with_timer().replace('attachedToRef="Task_Verifikasi"', 'attachedToRef="Gateway_Valid"')
    assert 'user task' in engine.validate(on_gateway.encode(), 'sikanda', DOMAINS)['Timer_Verifikasi'][0]


def test_a_non_interrupting_timer_fires_once_when_due_and_the_task_stays(engine):
    model, waiting = at_verification(engine, with_timer())
    due = waiting.next_timer_at
    assert timedelta(minutes=59) < due - utcnow() <= timedelta(hours=1)
    early = engine.fire_timers(model, waiting.state, due - timedelta(seconds=1))
    assert early.fired == () and early.next_timer_at == due
    fired = engine.fire_timers(model, waiting.state, due)
    assert fired.fired == ('Timer_Verifikasi',)
    assert [t.info.bpmn_id for t in fired.ready_tasks] == ['Task_Verifikasi']
    assert fired.next_timer_at is None and not fired.completed
    again = engine.fire_timers(model, fired.state, due + timedelta(hours=5))
    assert again.fired == ()
    assert engine.trail(model, fired.state).visits['End_Pengingat'] == 1


def test_an_interrupting_timer_cancels_the_task_and_takes_its_path(engine):
    model, waiting = at_verification(engine, with_timer(interrupting=True))
    fired = engine.fire_timers(model, waiting.state, waiting.next_timer_at + timedelta(minutes=1))
    assert fired.fired == ('Timer_Verifikasi',)
    assert fired.completed and fired.end_event_id == 'End_Pengingat'


def test_completing_the_task_in_time_removes_its_timer(engine):
    model, waiting = at_verification(engine, with_timer())
    done = engine.complete(model, waiting.state, waiting.ready_tasks[0].task_id, {'keputusan': 'ya'})
    assert done.next_timer_at is None
    assert engine.fire_timers(model, done.state, waiting.next_timer_at + timedelta(days=1)).fired == ()
