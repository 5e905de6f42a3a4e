"""Append-only audit trail with a hash chain, written in the caller's transaction."""
import hashlib
import json

from sqlalchemy import select, text

from app.extensions import db
from app.models import AuditEvent
from app.timeutil import utcnow

GENESIS = '0' * 64


def _digest(event):
    payload = {
        'prev': event.prev_hash, 'at': event.created_at.isoformat(), 'actor_id': event.actor_id,
        'actor': event.actor_username, 'role': event.role, 'action': event.action,
        'instance_id': event.instance_id, 'task_id': event.human_task_id, 'detail': event.detail,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def record(action, actor=None, role=None, instance_id=None, human_task_id=None, detail=None):
    """Append one event. Serialised on PostgreSQL so the chain never forks."""
    if db.session.get_bind().dialect.name == 'postgresql':
        db.session.execute(text('SELECT pg_advisory_xact_lock(727001)'))
    last = db.session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    event = AuditEvent(
        created_at=utcnow(), actor_id=getattr(actor, 'id', None),
        actor_username=getattr(actor, 'username', None), role=role, action=action,
        instance_id=instance_id, human_task_id=human_task_id, detail=detail or {},
        prev_hash=last or GENESIS,
    )
    event.hash = _digest(event)
    db.session.add(event)
    db.session.flush()
    return event


def verify_chain():
    """Return the id of the first event whose hash or link is wrong, or None when intact."""
    previous = GENESIS
    for event in db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if event.prev_hash != previous or _digest(event) != event.hash:
            return event.id
        previous = event.hash
    return None
