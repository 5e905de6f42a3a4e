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
    carried = getattr(workflow, 'carried_trail', None)
    if carried is not None:
        carried.rename(_carried_ids(carried, old_model, spec_diff))
    for task in workflow_diff.changed:
        changes = set(spec_diff.changed[task.task_spec]) - RECONNECTED_ONLY
        if task.has_state(CURRENT) and changes and _named(task.task_spec):
            raise MigrationRefused(f'Langkah saat ini "{_label(task.task_spec)[1]}" berubah di versi baru '
                                   f'({describe_changes(changes)})')
    migrate_workflow(workflow_diff, workflow, new_model.spec)
    workflow.subprocess_specs = new_model.subprocess_specs


def _carried_ids(carried, old_model, spec_diff):
    """{old bpmn id: new bpmn id} for the history already dropped from the tree (history.py), which
    the task-tree check above cannot see; a passed step missing from the new version is refused."""
    by_id = {s.bpmn_id: s for s in old_model.spec.task_specs.values() if _named(s)}
    renamed = {}
    for bpmn_id in carried.element_ids():
        old_spec = by_id.get(bpmn_id)
        new_spec = spec_diff.alignment.get(old_spec) if old_spec is not None else None
        if new_spec is None or not _named(new_spec):
            name = _label(old_spec)[1] if old_spec is not None else bpmn_id
            raise MigrationRefused(f'Langkah yang sudah dilalui "{name}" tidak ada di versi baru')
        renamed[bpmn_id] = new_spec.bpmn_id
    return renamed
