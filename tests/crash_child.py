"""A SIKANDA server that kills itself with SIGKILL at one point of completing a task (tests/test_crash_consistency.py).

    CRASH_DATABASE_URL=… CRASH_UPLOAD_DIR=… python tests/crash_child.py POINT

It creates the app on the test database and upload directory, installs the injection for POINT (here,
in this process only: the application has no crash hook), prints the port it serves on (127.0.0.1), and
serves HTTP until a request reaches POINT and the process dies in the middle of it.

Points, in the order a step runs:
  photo_part        a photo's bytes are in its '.part' file, not yet renamed to its name
  photos_written    the photos are on disk and their rows flushed; nothing committed
  engine_done       the engine returned the new state; no row of the step written yet
  flushed           every row flushed (the audit chain's head too): the moment before the database commits
  committed         the database committed; the response not yet sent, the step's documents not yet made
  document_written  a document's PDF is on disk after the step committed; its row not committed
"""
import functools
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def die(note=''):
    """Say where (the test reads it from stderr), then die as a killed process does: no clean-up runs."""
    sys.stderr.write(f'CRASH {sys.argv[1]} {note}'.rstrip() + '\n')
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def die_after(owner, name, when=lambda *args, **kwargs: True):
    """Replace owner.name by a wrapper that runs it and then dies (when `when(*args)` holds)."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        if when(*args, **kwargs):
            die(f'after {name}')
        return result

    setattr(owner, name, wrapper)


def die_at_commit_of_step(event_target, event_name):
    """Die at a SQLAlchemy event of the first commit after complete_task returned (its own transaction)."""
    from sqlalchemy import event

    from app.extensions import db
    from app.services import workflow

    armed = []
    original = workflow.complete_task

    @functools.wraps(original)
    def complete_task(*args, **kwargs):
        result = original(*args, **kwargs)
        armed.append(True)
        return result

    # the routes (and file_report) look complete_task up on the module at call time
    workflow.complete_task = complete_task

    def at_event(*_args):
        if armed:
            session = db.session()
            # nothing left to flush: the rows of the step are all in the database's open transaction
            die(f'unflushed={len(session.new) + len(session.dirty) + len(session.deleted)}')

    event.listen(event_target, event_name, at_event)


def install(point, app):
    from app.extensions import db, file_store, workflow_engine
    from app.services import attachments
    from app.storage import PART

    if point == 'photo_part':
        rename = os.replace

        def replace(src, dst, *args, **kwargs):
            if str(src).endswith(PART):
                die(Path(src).name)
            return rename(src, dst, *args, **kwargs)

        os.replace = replace
    elif point == 'photos_written':
        die_after(attachments, 'store_photos')
    elif point == 'engine_done':
        die_after(workflow_engine, 'complete')
    elif point == 'flushed':
        with app.app_context():
            # the engine's 'commit' event comes after the session's last flush, before the DBAPI commit
            die_at_commit_of_step(db.engine, 'commit')
    elif point == 'committed':
        die_at_commit_of_step(db.session, 'after_commit')
    elif point == 'document_written':
        die_after(file_store, 'save', when=lambda data, suffix='': suffix == '.pdf')
    else:
        raise SystemExit(f'unknown point {point}')


def main():
    from werkzeug.serving import make_server

    from app import create_app

    point = sys.argv[1]
    url = os.environ['CRASH_DATABASE_URL']
    app = create_app({'SIKANDA_ENV': 'test', 'TESTING': True, 'DATABASE_URL': url, 'SQLALCHEMY_DATABASE_URI': url,
                      'UPLOAD_DIR': os.environ['CRASH_UPLOAD_DIR'], 'SECRET_KEY': 'test-secret',
                      'SESSION_COOKIE_SECURE': False, 'REMEMBER_COOKIE_SECURE': False,
                      'MAX_PHOTO_BYTES': 300_000})
    install(point, app)
    server = make_server('127.0.0.1', 0, app)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
