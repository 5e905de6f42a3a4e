"""unit_of_work(): the one place that commits. Rolls back on any exception."""
from contextlib import contextmanager

from app.extensions import db, file_store


@contextmanager
def unit_of_work():
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for name in db.session.info.get('new_files', []):
            file_store.delete(name)
        raise
    finally:
        db.session.info.pop('new_files', None)
