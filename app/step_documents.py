"""The official documents a completed step makes, each in its own transaction after the step's own.

By default (DOCUMENTS_AFTER_STEP = 'tick') the scheduler's next tick renders them in its own process,
so completing a step never waits for a PDF; the letter a step requires is still made on request.
With 'inline' they are made right after the step, in its request.

A failure never undoes the step: it is recorded, the person is told, and the scheduler's tick tries
again later (app/tick.py). One document per transaction keeps the number counter's lock short and
the locks in one order (instance, counter, audit chain)."""
import logging
from dataclasses import dataclass, field

from flask import current_app

from app.services import documents
from app.uow import unit_of_work

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepDocuments:
    made: list = field(default_factory=list)
    failed: list = field(default_factory=list)   # kinds that could not be made now (retried later)
    pending: list = field(default_factory=list)  # kinds the scheduler's next tick makes


def after_step(instance_id, form_key, data, user):
    """The documents of a step just committed: made now, or left to the tick (see the module's doc)."""
    kinds = documents.expected_after(form_key, data)
    if not kinds:
        return StepDocuments()
    if current_app.config['DOCUMENTS_AFTER_STEP'] == 'tick':
        return StepDocuments(pending=kinds)
    made, failed = _make_now(instance_id, user)
    return StepDocuments(made=made, failed=failed)


def _make_now(instance_id, user):
    """(made, failed): the instance's missing documents made now, and the kinds that could not be made."""
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
