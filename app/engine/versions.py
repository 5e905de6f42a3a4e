"""Comparing two diagram versions and moving a running instance between them."""
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from .errors import MigrationRefused

CURRENT = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR
PAST = TaskState.COMPLETED | TaskState.CANCELLED
# the connections of the current task may change: the engine re-predicts what follows it
RECONNECTED_ONLY = {'inputs', 'outputs'}
#: what a changed task-spec attribute means to a process owner
ATTRIBUTE_LABELS = {
    'bpmn_name': 'nama', 'bpmn_id': 'ID', 'name': 'ID', 'lane': 'lajur (peran)',
    'extensions': 'properti (standar waktu)', 'form': 'formulir', 'outputs': 'alur keluar',
    'inputs': 'alur masuk', 'cond_task_specs': 'kondisi', 'default_task_spec': 'alur default',
    'documentation': 'dokumentasi', 'typename': 'jenis elemen', 'event_definition': 'definisi event',
}


def describe_changes(attributes):
    return ', '.join(dict.fromkeys(ATTRIBUTE_LABELS.get(a, a) for a in sorted(attributes)))


@dataclass
class Comparison:
    added: list = field(default_factory=list)    # [(bpmn_id, name)]
    removed: list = field(default_factory=list)  # [(bpmn_id, name)]
    changed: list = field(default_factory=list)  # [(bpmn_id, name, [attribute, ...])]

    @property
    def identical(self):
        return not (self.added or self.removed or self.changed)


def _named(spec):
    return getattr(spec, 'bpmn_id', None) is not None


def _label(spec):
    return spec.bpmn_id, getattr(spec, 'bpmn_name', None) or spec.bpmn_id


def compare(registry, old_model, new_model):
    diff = SpecDiff(registry, old_model.spec, new_model.spec)
    return Comparison(
        added=sorted(_label(s) for s in diff.added if _named(s)),
        removed=sorted(_label(s) for s in diff.removed if _named(s)),
        changed=sorted((*_label(s), sorted(changes)) for s, changes in diff.changed.items() if _named(s)),
    )


def migrate(registry, workflow, old_model, new_model):
    """Re-point `workflow` at the new spec in place, after checking it is safe."""
    if workflow.subprocesses or new_model.subprocess_specs:
        raise MigrationRefused('Instans dengan subproses tidak dapat dipindahkan')
    spec_diff = SpecDiff(registry, old_model.spec, new_model.spec)
    workflow_diff = WorkflowDiff(workflow, spec_diff)
    for task in workflow_diff.removed:
        if task.has_state(CURRENT | PAST) and _named(task.task_spec):
            where = 'saat ini' if task.has_state(CURRENT) else 'yang sudah dilalui'
            raise MigrationRefused(f'Langkah {where} "{_label(task.task_spec)[1]}" tidak ada di versi baru')
    for task in workflow_diff.changed:
        changes = set(spec_diff.changed[task.task_spec]) - RECONNECTED_ONLY
        if task.has_state(CURRENT) and changes and _named(task.task_spec):
            raise MigrationRefused(f'Langkah saat ini "{_label(task.task_spec)[1]}" berubah di versi baru '
                                   f'({describe_changes(changes)})')
    migrate_workflow(workflow_diff, workflow, new_model.spec)
    workflow.subprocess_specs = new_model.subprocess_specs
