"""unit_of_work(): the one place that commits. Rolls back on any exception."""
from contextlib import contextmanager

from app.extensions import db, file_store


@contextmanager
def unit_of_work():
    try:
        yield db.session
        db.session.flush()  # a refused write fails here, before anything could have been committed
    except BaseException:
        db.session.rollback()
        _delete_new_files()
        raise
    else:
        try:
            db.session.commit()
        except BaseException:
            # the commit may have reached the database before the connection broke, so the new files
            # stay: if their rows never arrived, the file sweep removes them later
            db.session.rollback()
            raise
    finally:
        db.session.info.pop('new_files', None)


def _delete_new_files():
    for name in db.session.info.get('new_files', []):
        file_store.delete(name)
