"""Append-only audit trail with a hash chain, written in the caller's transaction."""
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.event import listens_for

from app.extensions import db
from app.models import AuditChainHead, AuditEvent
from app.roles import role_for_lane
from app.timeutil import utcnow

GENESIS = '0' * 64


def _digest(event):
    payload = {
        'prev': event.prev_hash, 'at': event.created_at.isoformat(), 'actor_id': event.actor_id,
        'actor': event.actor_username, 'role': event.role, 'action': event.action,
        'instance_id': event.instance_id, 'task_id': event.human_task_id, 'detail': event.detail,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


HEAD_ID = 1


def detail_json(event):
    """The event's detail as compact, stable JSON (for exports)."""
    return json.dumps(event.detail or {}, sort_keys=True, ensure_ascii=False, default=str)


def acting_role(actor, role=None):
    """The role code an event is recorded under: the lane's role for a step, else the actor's roles."""
    if role:
        return role_for_lane(role) or role
    codes = getattr(actor, 'role_codes', None)
    return ','.join(sorted(codes)) if codes else None


def record(action, actor=None, role=None, instance_id=None, human_task_id=None, detail=None):
    """Append one event to the chain, in the caller's transaction. `role` may be a lane name."""
    if db.session().in_nested_transaction():
        # a savepoint rolled back would leave the chain's remembered end pointing at a lost event
        raise RuntimeError('Audit events are recorded in the outer transaction, not inside a savepoint')
    chain = _chain()
    event = AuditEvent(
        created_at=utcnow(), actor_id=getattr(actor, 'id', None),
        actor_username=getattr(actor, 'username', None), role=acting_role(actor, role), action=action,
        instance_id=instance_id, human_task_id=human_task_id, detail=detail or {},
        prev_hash=chain.last_hash,
    )
    event.hash = _digest(event)
    db.session.add(event)
    # the events are inserted with the transaction's flushes, in this order; the head is written once,
    # just before the commit (_write_head)
    chain.last_hash, chain.last_event = event.hash, event
    return event


@dataclass
class _Chain:
    """The end of the chain as this transaction sees it; the head row stays locked until the commit."""
    transaction: object
    last_hash: str
    last_event: AuditEvent | None = None


def _chain():
    """The chain's end, read once per transaction: the UPDATE takes the head's lock and returns its hash,
    so no other transaction can append between the read and the commit."""
    session = db.session()
    chain = session.info.get('audit_chain')
    if chain is not None and chain.transaction is session.get_transaction():
        return chain
    last_hash = session.execute(
        update(AuditChainHead).where(AuditChainHead.id == HEAD_ID).values(last_hash=AuditChainHead.last_hash)
        .returning(AuditChainHead.last_hash).execution_options(synchronize_session=False)).scalar_one()
    # the transaction exists now (the UPDATE began it if nothing had yet)
    chain = session.info['audit_chain'] = _Chain(session.get_transaction(), last_hash)
    return chain


@listens_for(db.session, 'before_commit')
def _write_head(session):
    chain = session.info.pop('audit_chain', None)
    if chain is None or chain.last_event is None or chain.transaction is not session.get_transaction():
        return
    session.flush()
    session.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                    .values(last_hash=chain.last_hash, last_event_id=chain.last_event.id)
                    .execution_options(synchronize_session=False))


def verify_chain(checkpoint=GENESIS):
    """Return the id of the first event whose hash or link is wrong (or, when the newest events
    were deleted, the id of the last one left, or 0 if none is), or None when the chain is intact.

    After old events were archived, `checkpoint` is the hash of the last archived event: the first
    event kept must link to it.
    """
    previous, last_id = checkpoint, 0
    for event in db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if event.prev_hash != previous or _digest(event) != event.hash:
            return event.id
        previous, last_id = event.hash, event.id
    head = db.session.get(AuditChainHead, HEAD_ID)
    if head is not None and head.last_hash != previous:
        return last_id
    return None
