"""Engine floor: what bare SpiffWorkflow needs for each step of the SOP path, with no code of ours.

CamundaParser + BpmnWorkflowSerializer(configure(CAMUNDA_CONFIG)) + BpmnWorkflow on bpmn/sikanda.bpmn, the
full path report → verify YA → publish → decide YA (rakor) → rakor with app.demo's step data. A step is what
a stateless server must do at the least: load the stored workflow, complete the READY user task with the
data, run the engine to the next wait, store the workflow again. Two variants:

- full: serialize_json / deserialize_json of the whole workflow, spec included (the issue's definition;
  the targets' ratios use this one);
- state only: the spec parsed once and kept; to_dict / from_dict without the spec plus json, as
  app/engine/engine.py _dump / _restore do (shown for transparency: a tighter floor).
"""
import json
import statistics

from bench.suite.common import BPMN_IDS, ROOT, STEPS, Stopwatch, path_data, say, summary

WARM_UP = 3
PART = 'engine floor'


def run(results, runs):
    """Both floors; returns {'full': {step: median ms}, 'state': {...}} with 'all' (the median of every step)."""
    spiff = _Spiff()
    samples = {'full': {s: [] for s in STEPS}, 'state': {s: [] for s in STEPS}}
    for index in range(WARM_UP + runs):
        steps, _letter = path_data(index)
        for variant, path in (('full', spiff.full_path), ('state', spiff.state_path)):
            times = path(steps)
            if index >= WARM_UP:
                for step, ms in times.items():
                    samples[variant][step].append(ms)
    say(f'engine floor: {runs} paths of 5 steps, each variant')
    floor = {variant: {step: statistics.median(values) for step, values in by_step.items()}
             for variant, by_step in samples.items()}
    for variant, by_step in samples.items():
        floor[variant]['all'] = statistics.median([ms for values in by_step.values() for ms in values])
    _rows(results, floor, runs)
    results.details['floor'] = {variant: {step: summary(values) for step, values in by_step.items()}
                                for variant, by_step in samples.items()}
    results.details['floor']['state_bytes'] = spiff.sizes
    return floor


def _rows(results, floor, runs):
    full, state = floor['full'], floor['state']
    results.add(PART, f'per step, median of the 5 steps × {runs} paths',
                f'full {full["all"]:.2f} ms · state only {state["all"]:.2f} ms', full_ms=full['all'],
                state_ms=state['all'])
    for step in STEPS:
        results.add(PART, f'{step} ({BPMN_IDS[step]})', f'full {full[step]:.2f} ms · state only {state[step]:.2f} ms',
                    full_ms=full[step], state_ms=state[step])


class _Spiff:
    """The shipped diagram parsed once, and the two ways of walking it."""

    def __init__(self):
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.camunda.parser import CamundaParser
        from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

        parser = CamundaParser()
        parser.add_bpmn_file(str(ROOT / 'bpmn' / 'sikanda.bpmn'))
        self.spec, self.subprocess_specs = parser.get_spec('sikanda'), parser.get_subprocess_specs('sikanda')
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
        self.sizes = {}

    def _start(self):
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs)
        workflow.do_engine_steps()
        return workflow

    def full_path(self, steps):
        state = self.serializer.serialize_json(self._start())
        return self._walk(steps, state, self.serializer.deserialize_json, self.serializer.serialize_json, 'full')

    def state_path(self, steps):
        return self._walk(steps, self._dump(self._start()), self._restore, self._dump, 'state')

    def _walk(self, steps, state, load, store, variant):
        times = {}
        for step in STEPS:
            with Stopwatch() as watch:
                workflow = load(state)
                _complete(workflow, step, steps[step])
                state = store(workflow)
            times[step] = watch.ms
            self.sizes[f'{variant} after {step}'] = len(state)
        end = [t.task_spec.bpmn_id for t in workflow.get_tasks() if t.task_spec.bpmn_id == 'End_Ditindaklanjuti']
        assert workflow.is_completed() and end, 'the floor path did not reach End_Ditindaklanjuti'
        return times

    def _restore(self, state):
        dct = json.loads(state)
        dct['spec'], dct['subprocess_specs'] = self.spec, self.subprocess_specs
        return self.serializer.from_dict(dct)

    def _dump(self, workflow):
        dct = self.serializer.to_dict(workflow)
        del dct['spec'], dct['subprocess_specs']
        return json.dumps(dct, separators=(',', ':'))


def _complete(workflow, step, data):
    from SpiffWorkflow.util.task import TaskState
    [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert task.task_spec.bpmn_id == BPMN_IDS[step], (step, task.task_spec.bpmn_id)
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()
