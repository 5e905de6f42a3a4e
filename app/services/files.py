"""Stored files that no row references, and the sweep that removes them.

A file is written before the transaction that records it commits; when that transaction rolls back the
unit of work deletes the file again, but a process killed in between (SIGKILL, out of memory, power) never
gets that far and leaves the file behind, or its '.part' if it died while writing. The sweep removes such
files once they are older than a grace period, so the new file of a transaction still running is never
taken, and records what it removed in the audit trail.

File ages are physical: the sweep reads the real clock, never the scheduler's `--now`.
"""
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db, file_store
from app.models import Attachment, Document, Setting
from app.services import audit
from app.storage import PART
from app.timeutil import utcnow

GRACE = timedelta(hours=1)
#: the scheduler's tick sweeps at most this often (an idle tick reads one settings row)
EVERY = timedelta(hours=1)
SWEPT_KEY = 'berkas_disapu'
# a sweep that finds most of the store unreferenced looks at the wrong database (or a restore under way):
# it removes nothing unless forced
REFUSE_SHARE = 0.5
REFUSE_FROM = 20
NAMES_IN_EVENT = 200


@dataclass(frozen=True)
class SweepResult:
    removed: list = field(default_factory=list)   # names removed
    bytes: int = 0
    waiting: int = 0                               # unreferenced, but within the grace period
    missing: list = field(default_factory=list)    # referenced by a row, not on disk
    refused: str | None = None                     # why nothing was removed


def referenced_names():
    """Every name an attachment or a document row stores."""
    names = set(db.session.execute(select(Attachment.storage_name)).scalars())
    names.update(db.session.execute(select(Document.storage_name)).scalars())
    return names


def sweep_due():
    """Whether the scheduler should sweep now (never swept, or not within EVERY)."""
    row = db.session.get(Setting, SWEPT_KEY)
    return row is None or row.updated_at <= utcnow() - EVERY


def sweep(grace=GRACE, force=False):
    """Remove the stored files no row references that are older than `grace`, and '.part' files as old.

    The rows are read before the directory, so a file whose row commits in between is new (inside the
    grace period) rather than missing."""
    referenced = referenced_names()
    stored = list(file_store.listing())
    cutoff = time.time() - grace.total_seconds()
    on_disk = {item.name for item in stored}
    loose = [item for item in stored if item.name.endswith(PART) or item.name not in referenced]
    due = [item for item in loose if item.modified <= cutoff]
    missing = sorted(referenced - on_disk)
    if not force and len(due) >= REFUSE_FROM and len(due) > REFUSE_SHARE * len(stored):
        _mark_swept()
        return SweepResult(waiting=len(loose) - len(due), missing=missing, refused=(
            f'{len(due)} dari {len(stored)} berkas tidak dirujuk basis data; periksa SIKANDA_DATABASE_URL '
            'dan SIKANDA_UPLOAD_DIR (atau pakai --force)'))
    removed = [item for item in due if file_store.delete(item.name)]
    result = SweepResult(removed=sorted(item.name for item in removed), bytes=sum(item.size for item in removed),
                         waiting=len(loose) - len(due), missing=missing)
    if removed:
        audit.record('files.swept', None, detail={
            'count': len(removed), 'bytes': result.bytes, 'grace_minutes': int(grace.total_seconds() // 60),
            'removed': result.removed[:NAMES_IN_EVENT]})
    _mark_swept()
    db.session.flush()
    return result


def _mark_swept():
    row = db.session.get(Setting, SWEPT_KEY)
    if row is None:
        row = Setting(key=SWEPT_KEY, value={})
        db.session.add(row)
    row.value = {'pada': utcnow().isoformat(timespec='seconds')}
    row.updated_at = utcnow()
