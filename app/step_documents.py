"""The official documents a completed step makes, each in its own transaction after the step's own.

A failure never undoes the step: it is recorded, the person is told, and the scheduler's tick tries
again later (app/tick.py). One document per transaction keeps the number counter's lock short and
the locks in one order (instance, counter, audit chain)."""
import logging

from app.services import documents
from app.uow import unit_of_work

log = logging.getLogger(__name__)


def make_step_documents(instance_id, form_key, user):
    """After a step with form `form_key`: (made, failed), the documents made now and the kinds that
    could not be made. Steps that make no document cost nothing here."""
    if form_key not in documents.SOURCE_FORMS:
        return [], []
    with unit_of_work():
        kinds = documents.missing_kinds(instance_id)
    made, failed = [], []
    for kind in kinds:
        try:
            with unit_of_work():
                document = documents.make_missing(instance_id, kind, user)
        except Exception as exc:  # noqa: BLE001 - rendering may fail in many ways; the step stands
            log.exception('document %s of instance %s not made', kind, instance_id)
            with unit_of_work():
                documents.record_failure(instance_id, kind, exc)
            failed.append(kind)
            continue
        if document is not None:
            made.append(document)
    return made, failed
