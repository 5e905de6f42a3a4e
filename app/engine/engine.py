"""WorkflowEngine: the one facade over SpiffWorkflow.

Callers hand in BPMN bytes and an opaque state string and get plain values back; nothing
outside this package sees a SpiffWorkflow object. The state stored per instance holds the
workflow without its spec: the spec is parsed once per diagram version and cached, so a
running instance always continues on the diagram version it started on.
"""
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    EndEvent,
    ExclusiveGateway,
    IntermediateCatchEvent,
    ParallelGateway,
    StartEvent,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.specs.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from . import dryrun, expressions, history, versions
from .errors import DiagramError, EngineError, NoPathError, TaskNotReadyError
from .safe_xml import UnsafeXmlError, parse_bpmn_bytes
from .validation import BPMN, check_structure, unquote_duration

SLA_PROPERTY = 'sla'
ALLOWED_SPEC_CLASSES = (UserTask, StartEvent, EndEvent, ExclusiveGateway, ParallelGateway,
                        IntermediateCatchEvent, BoundaryEvent)


@dataclass(frozen=True)
class UserTaskInfo:
    bpmn_id: str
    name: str
    lane: str | None
    form_key: str | None
    sla: str | None
    documentation: str | None = None


@dataclass(frozen=True)
class ReadyTask:
    task_id: str
    info: UserTaskInfo


@dataclass(frozen=True)
class StepResult:
    state: str
    ready_tasks: list
    completed: bool
    end_event_id: str | None = None
    end_event_name: str | None = None
    #: elements the instance waits at when no person has a task (e.g. a parallel join)
    waiting: list = field(default_factory=list)
    #: when the earliest pending BPMN timer is due (naive UTC), or None
    next_timer_at: datetime | None = None
    #: timer events fired by this step (bpmn ids)
    fired: tuple = ()


@dataclass(frozen=True)
class Trail:
    visits: dict  # bpmn id -> times completed
    steps: list   # [(from bpmn id, to bpmn id, times)] between elements that ran one after the other


@dataclass
class ProcessModel:
    process_id: str
    sha256: str
    spec: object = field(repr=False)
    subprocess_specs: dict = field(repr=False)
    user_tasks: dict = field(default_factory=dict)
    end_events: dict = field(default_factory=dict)
    #: data fields read by the gateway conditions
    condition_names: set = field(default_factory=set)
    #: lane id -> lane name, every lane of the diagram (also those without tasks)
    lanes: dict = field(default_factory=dict)
    #: whether finished history may be dropped from the state (not with parallel joins, whose data
    #: merging looks at earlier passes: see history.py)
    prunable: bool = True


class _SafeExpressionEnvironment(BasePythonScriptEngineEnvironment):
    """Conditions go through our evaluator; scripts never run."""

    def evaluate(self, expression, context, external_context=None):
        return expressions.evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script, context, external_context=None):
        raise PermissionError('Skrip tidak diizinkan dalam diagram SIKANDA')

    def call_service(self, context, **kwargs):
        raise PermissionError('Service task tidak diizinkan dalam diagram SIKANDA')


class WorkflowEngine:
    def __init__(self, cache_size=32):
        self._serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
        self._script_engine = PythonScriptEngine(environment=_SafeExpressionEnvironment())
        self._models = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    # --- diagrams -------------------------------------------------------------------

    def load(self, bpmn_bytes, process_id):
        """Parse (or fetch from cache) a diagram; raises DiagramError if it cannot run."""
        if isinstance(bpmn_bytes, str):
            bpmn_bytes = bpmn_bytes.encode('utf-8')
        key = (hashlib.sha256(bpmn_bytes).hexdigest(), process_id)
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
        model = self._parse(bpmn_bytes, process_id, key[0])
        with self._lock:
            self._models[key] = model
            while len(self._models) > self._cache_size:
                self._models.popitem(last=False)
        return model

    def cached(self, sha256, process_id):
        """The model already parsed from the diagram with this SHA-256, or None: a stored version
        is found by its recorded hash without reading (or hashing) its XML again."""
        with self._lock:
            model = self._models.get((sha256, process_id))
            if model is not None:
                self._models.move_to_end((sha256, process_id))
            return model

    def _parse(self, bpmn_bytes, process_id, sha):
        try:
            root = parse_bpmn_bytes(bpmn_bytes)
        except UnsafeXmlError as exc:
            raise DiagramError({'': [str(exc)]}) from None
        parser = CamundaParser()
        try:
            parser.add_bpmn_xml(root, filename=f'{process_id}.bpmn')
            if process_id not in parser.get_process_ids():
                raise DiagramError({'': [f'Proses "{process_id}" tidak ditemukan atau tidak executable']})
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except ValidationException as exc:
            raise DiagramError({getattr(exc, 'id', '') or '': [str(exc).splitlines()[0]]}) from None
        except SpiffWorkflowException as exc:
            raise DiagramError({'': [str(exc).splitlines()[0]]}) from None
        model = ProcessModel(process_id, sha, spec, subprocess_specs,
                             lanes={lane.get('id'): lane.get('name') for lane in root.iter(f'{{{BPMN}}}lane')})
        problems = self._inspect(model)
        if problems:
            raise DiagramError(problems)
        return model

    def _inspect(self, model):
        """Collect user tasks and end events; refuse elements that could run code."""
        problems = {}
        if model.subprocess_specs:
            problems.setdefault('', []).append('Subproses / call activity belum didukung')
        for spec in model.spec.task_specs.values():
            bpmn_id = getattr(spec, 'bpmn_id', None)
            if bpmn_id is None:
                continue  # engine-internal specs (Start, End, joins)
            if not isinstance(spec, ALLOWED_SPEC_CLASSES):
                problems.setdefault(bpmn_id, []).append(
                    f'Elemen {type(spec).__name__} tidak diizinkan (hanya user task, gateway dan event)')
                continue
            if isinstance(spec, ParallelGateway):
                model.prunable = False
            if isinstance(spec, UserTask):
                model.user_tasks[bpmn_id] = UserTaskInfo(
                    bpmn_id=bpmn_id, name=spec.bpmn_name or bpmn_id, lane=spec.lane,
                    form_key=spec.form.key if spec.form else None,
                    sla=spec.extensions.get(SLA_PROPERTY), documentation=spec.documentation)
            elif isinstance(spec, EndEvent):
                model.end_events[bpmn_id] = spec.bpmn_name or bpmn_id
            elif isinstance(getattr(spec, 'event_definition', None), TimerEventDefinition):
                _quote_duration(spec.event_definition)
            for condition, _target in getattr(spec, 'cond_task_specs', []) or []:
                condition = condition.args[0] if condition is not None else None
                if condition is None:
                    continue
                try:
                    model.condition_names |= expressions.names_in(expressions.compile_expression(condition))
                except expressions.ExpressionError as exc:
                    problems.setdefault(bpmn_id, []).append(f'Kondisi "{condition}": {exc}')
        return problems

    def validate(self, bpmn_bytes, process_id, variable_domains):
        """All problems of a candidate diagram per element id ({} when it can be stored)."""
        try:
            root = parse_bpmn_bytes(bpmn_bytes)
        except UnsafeXmlError as exc:
            return {'': [str(exc)]}
        problems = check_structure(root, process_id, variable_domains)
        if problems:
            return dict(problems)
        try:
            self.load(bpmn_bytes, process_id)
        except DiagramError as exc:
            return exc.problems
        return {}

    def dry_run(self, model, variants_for, **limits):
        """Drive the model through every path the generated form data opens (see dryrun.py)."""
        return dryrun.explore(self, model, variants_for, **limits)

    def compare(self, old_model, new_model):
        """Elements added, removed and changed between two versions (SpiffWorkflow's SpecDiff)."""
        return versions.compare(self._serializer.registry, old_model, new_model)

    def migrate(self, old_model, new_model, state):
        """Move a running instance to another version, or raise MigrationRefused with the reason."""
        workflow = self._restore(old_model, state)
        versions.migrate(self._serializer.registry, workflow, old_model, new_model)
        return self._result(new_model, workflow)

    # --- instances ------------------------------------------------------------------

    def start(self, model):
        """Create an instance and run it to its first human task."""
        workflow = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=self._script_engine)
        self._run_engine(workflow)
        return self._result(model, workflow)

    def complete(self, model, state, task_id, data):
        """Complete one READY user task with form data; returns the new state."""
        if any(str(key).startswith('_') for key in data):
            raise EngineError('Nama field tidak boleh diawali garis bawah')
        workflow = self._restore(model, state)
        task = self._ready_task(workflow, task_id)
        task.data.update(data)
        task.run()
        self._run_engine(workflow)
        return self._result(model, workflow)

    def fire_timers(self, model, state, now):
        """Fire every pending timer due at `now` (naive UTC) and run on; `fired` names them.

        SpiffWorkflow compares timers with its own clock; we decide what is due with the
        scheduler's `now` instead, so operators and tests can reason about time.
        """
        workflow = self._restore(model, state)
        fired = []
        for task, due in _pending_timers(workflow):
            if due <= now:
                task.internal_data['event_fired'] = True
                fired.append(task.task_spec.bpmn_id)
        if fired:
            workflow.refresh_timers()
            self._run_engine(workflow)
        result = self._result(model, workflow)
        return StepResult(**{**result.__dict__, 'fired': tuple(fired)})

    def trail(self, model, state):
        """The path an instance took: how often each element ran and each connection was followed."""
        workflow = self._restore(model, state)
        visits, steps = history.trail_counts(workflow)
        visits.update(workflow.carried_trail.visits)
        steps.update(workflow.carried_trail.steps)
        return Trail(visits=dict(visits), steps=[(a, b, n) for (a, b), n in steps.items()])

    def ready_tasks(self, model, state):
        return self._ready(model, self._restore(model, state))

    def _run_engine(self, workflow):
        try:
            workflow.do_engine_steps()
        except SpiffWorkflowException as exc:
            # the caller discards this workflow object; nothing half-run is stored
            raise NoPathError(str(exc).splitlines()[0], _element_of(exc)) from None
        except Exception as exc:  # noqa: BLE001 - some SpiffWorkflow checks raise a bare Exception
            raise NoPathError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, None) from None

    def _ready_task(self, workflow, task_id):
        try:
            task = workflow.get_task_from_id(UUID(str(task_id)))
        except (ValueError, KeyError, TypeError, TaskNotFoundException):
            task = None
        if task is None or task.state != TaskState.READY or not isinstance(task.task_spec, UserTask):
            raise TaskNotReadyError('Tugas tidak tersedia atau sudah selesai')
        return task

    def _restore(self, model, state):
        dct = json.loads(state)
        carried = history.Carried.from_state(dct)
        dct['spec'], dct['subprocess_specs'] = model.spec, model.subprocess_specs
        workflow = self._serializer.from_dict(dct)
        # the serializer does not keep the script engine: always put ours back
        workflow.script_engine = self._script_engine
        workflow.carried_trail = carried  # the trail of history already dropped (history.py)
        return workflow

    def _dump(self, model, workflow):
        carried = getattr(workflow, 'carried_trail', None) or history.Carried()
        if model.prunable:
            history.prune(workflow, carried)
        dct = self._serializer.to_dict(workflow)
        del dct['spec'], dct['subprocess_specs']
        carried.to_state(dct)
        return json.dumps(dct, separators=(',', ':'))

    def _ready(self, model, workflow):
        return [ReadyTask(str(task.id), model.user_tasks[task.task_spec.bpmn_id])
                for task in workflow.get_tasks(state=TaskState.READY, manual=True)
                if task.task_spec.bpmn_id in model.user_tasks]

    def _result(self, model, workflow):
        completed = workflow.is_completed()
        end_id, waiting = None, []
        if completed:
            ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent)
                    if t.task_spec.bpmn_id in model.end_events]
            # with parallel branches, the end event reached last is the outcome
            end_id = max(ends, key=lambda t: t.last_state_change).task_spec.bpmn_id if ends else None
        ready = self._ready(model, workflow)
        if not completed and not ready:
            waiting = sorted({t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.WAITING)
                              if getattr(t.task_spec, 'bpmn_id', None)})
        timers = [due for _task, due in _pending_timers(workflow)]
        return StepResult(state=self._dump(model, workflow), ready_tasks=ready, completed=completed,
                          end_event_id=end_id, end_event_name=model.end_events.get(end_id), waiting=waiting,
                          next_timer_at=min(timers, default=None))


def _quote_duration(timer):
    """The engine evaluates a timer as an expression: a bare PT1H (as editors write it) becomes the
    string literal "PT1H". The validator has already refused anything but a fixed duration."""
    timer.expression = json.dumps(unquote_duration(timer.expression))


def _pending_timers(workflow):
    """(task, due as naive UTC) for each timer event waiting to fire."""
    pending = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if not isinstance(getattr(task.task_spec, 'event_definition', None), TimerEventDefinition):
            continue
        value = task.internal_data.get('event_value')
        if isinstance(value, str) and not task.internal_data.get('event_fired'):
            due = datetime.fromisoformat(value)
            due = due.astimezone(UTC).replace(tzinfo=None) if due.tzinfo else due
            pending.append((task, due))
    return pending


def _element_of(exc):
    task_spec = getattr(exc, 'task_spec', None) or getattr(getattr(exc, 'task', None), 'task_spec', None)
    return getattr(task_spec, 'bpmn_id', None)
