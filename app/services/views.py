"""What a task page needs: the task, its report, the history so far — after the access checks."""
from dataclasses import dataclass
from functools import cached_property

from app.models.process import TASK_OPEN
from app.services import documents, queries
from app.services.errors import ConflictError
from app.services.workflow import check_can_act, unavailable_message


@dataclass
class TaskView:
    """Each part is read when first used: completing a task needs none of them."""
    task: object
    user: object

    @cached_property
    def report(self):
        return queries.report_by_instance(self.task.instance_id)

    @cached_property
    def submissions(self):
        return queries.submissions(self.task.instance_id)

    @cached_property
    def documents(self):
        """The official documents of the report, when the user may read them (read only if shown)."""
        readable = documents.may_read(self.user, self.report)
        return documents.for_instance(self.task.instance_id) if readable else []

    @cached_property
    def letter_kind(self):
        """The letter this step needs before it can be completed (a kind), or None."""
        return documents.letter_kind_of(self.submissions) if self.task.form_key in documents.REQUIRES_LETTER else None

    @property
    def letter(self):
        return next((d for d in self.documents if d.kind == self.letter_kind), None)

    @property
    def photo_count(self):
        return queries.photo_count(self.task.instance_id)


def task_view(task_id, user):
    """The task with everything entered so far; whoever may act on a task may read its report."""
    task = queries.task_with_instance(task_id)  # the instance's state is not read
    check_can_act(task, task.instance, user)
    if task.status != TASK_OPEN or task.claimed_by_id not in (None, user.id):
        # say so before anyone types a whole form they could not submit
        raise ConflictError(unavailable_message(task))
    return TaskView(task, user)
