"""Keep a running instance's state as small as its open work.

SpiffWorkflow keeps every task an instance ever ran, so a report sent back ten times carries ten
copies of its steps and each step reads and writes all of them. Everything above the last diagram
element that all open paths have passed through can no longer influence the run: it is dropped
from the tree, and what it contributed to the instance's trail (how often each element ran and each
connection was followed) is carried in the state beside the tree, so the trail stays exact.
"""
from collections import Counter

from SpiffWorkflow.util.task import TaskState

#: the key of the carried trail in the stored state
TRAIL_KEY = 'sikanda_trail'


class Carried:
    """Trail counts of tasks already dropped from the tree."""

    def __init__(self, visits=None, steps=None):
        self.visits = Counter(visits or {})
        self.steps = Counter({(a, b): n for a, b, n in steps or []})

    @classmethod
    def from_state(cls, dct):
        carried = dct.pop(TRAIL_KEY, None) or {}
        return cls(carried.get('visits'), carried.get('steps'))

    def element_ids(self):
        return set(self.visits) | {bpmn_id for step in self.steps for bpmn_id in step}

    def rename(self, new_ids):
        """Carry the counts over to another diagram version, `new_ids` mapping old element ids to new."""
        self.visits = Counter({new_ids[a]: n for a, n in self.visits.items()})
        self.steps = Counter({(new_ids[a], new_ids[b]): n for (a, b), n in self.steps.items()})

    def to_state(self, dct):
        if self.visits or self.steps:
            dct[TRAIL_KEY] = {'visits': dict(self.visits), 'steps': [[a, b, n] for (a, b), n in self.steps.items()]}


def trail_counts(workflow):
    """(visits, steps) of the tasks in the tree: completed elements, and the element each ran after."""
    visits, steps = Counter(), Counter()
    for task in workflow.get_tasks(state=TaskState.COMPLETED | TaskState.READY | TaskState.WAITING):
        bpmn_id = element_id(task)
        if bpmn_id is None:
            continue
        if task.state == TaskState.COMPLETED:
            visits[bpmn_id] += 1
        parent = nearest_element(task.parent)
        if parent is not None:
            steps[(parent, bpmn_id)] += 1
    return visits, steps


def prune(workflow, carried):
    """Drop the completed history above the cut point (see the module's doc); `carried` takes its counts."""
    cut = _cut_point(workflow)
    if cut is None or cut is workflow.task_tree:
        return
    visits_before, steps_before = trail_counts(workflow)
    kept = _subtree_ids(cut)
    for task_id in [task_id for task_id in workflow.tasks if task_id not in kept]:
        del workflow.tasks[task_id]
    cut.parent = None  # its data is complete: the serializer stores a root's data in full
    workflow.task_tree = cut
    if workflow.last_task is not None and workflow.last_task.id not in kept:
        workflow.last_task = None
    visits_after, steps_after = trail_counts(workflow)
    # the cut is an element, so every task kept below it still finds its element parent: the
    # difference is exactly what the dropped tasks (and the cut's own arrival) contributed
    carried.visits.update(visits_before - visits_after)
    carried.steps.update(steps_before - steps_after)


def _cut_point(workflow):
    """The deepest completed diagram element that is an ancestor of every unfinished task, or None."""
    unfinished = [t for t in workflow.tasks.values() if t.has_state(TaskState.NOT_FINISHED_MASK)]
    if not unfinished:
        return None
    common = _ancestors(unfinished[0])
    for task in unfinished[1:]:
        on_path = {ancestor.id for ancestor in _ancestors(task)}
        common = [ancestor for ancestor in common if ancestor.id in on_path]
    # nearest first: the deepest shared ancestor that is a completed element
    return next((t for t in common if t.state == TaskState.COMPLETED and element_id(t) is not None), None)


def _ancestors(task):
    """The task's ancestors, nearest first."""
    found, task = [], task.parent
    while task is not None:
        found.append(task)
        task = task.parent
    return found


def _subtree_ids(root):
    ids, stack = set(), [root]
    while stack:
        task = stack.pop()
        ids.add(task.id)
        stack.extend(task.children)
    return ids


def element_id(task):
    return getattr(task.task_spec, 'bpmn_id', None)


def nearest_element(task):
    """The closest ancestor that is a diagram element (the engine inserts internal tasks)."""
    while task is not None and element_id(task) is None:
        task = task.parent
    return element_id(task) if task is not None else None
