"""Backup and restore through the real commands, on the suite's database (SQLite, or PostgreSQL with
SIKANDA_TEST_DATABASE_URL): a round trip into a second, empty database and upload directory compared row by
row and byte by byte, and every kind of damaged or misplaced archive refused with nothing written."""
import hashlib
import io
import json
import os
import tarfile
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.services import backup
from tests import helpers
from tests.helpers import Api

SECRET = 'test-secret'  # the session app's (tests/conftest.py)


# --- databases and apps ----------------------------------------------------------------------------------

class Databases:
    """Empty databases of the suite's kind: SQLite files, or databases created in the test cluster."""

    def __init__(self, root):
        self.root, self.base, self.made, self.apps = Path(root), os.environ.get('SIKANDA_TEST_DATABASE_URL'), [], []

    def url(self):
        name = f'sikanda_restore_{uuid.uuid4().hex[:10]}'
        if not self.base:
            return f'sqlite:///{self.root / (name + ".db")}'
        with sa.create_engine(self.base, isolation_level='AUTOCOMMIT').connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE {name}')
        self.made.append(name)
        return sa.make_url(self.base).set(database=name).render_as_string(hide_password=False)

    def app(self, source_app, url=None, **config):
        """A second app on an empty database and its own upload directory (globals stay the suite app's)."""
        from app import create_app
        from app.extensions import file_store, mailer

        url = url or self.url()
        upload_dir = self.root / f'uploads-{uuid.uuid4().hex[:8]}'
        target = create_app({**source_app.config, 'DATABASE_URL': url, 'SQLALCHEMY_DATABASE_URI': url,
                             'UPLOAD_DIR': str(upload_dir), **config})
        # create_app binds the shared extension objects to the newest app: give them back to the suite's
        file_store.init_app(source_app)
        mailer.init_app(source_app)
        self.apps.append(target)
        return SimpleNamespace(app=target, url=url, upload_dir=upload_dir)

    @staticmethod
    @contextmanager
    def serving(target, source_app):
        """Let `target` handle requests: the shared file store points at its upload directory meanwhile."""
        from app.extensions import file_store
        file_store.init_app(target.app)
        try:
            yield target.app.test_client()
        finally:
            file_store.init_app(source_app)

    def close(self):
        from app.extensions import db
        for target in self.apps:
            with target.app_context():
                db.engine.dispose()
        if self.made:
            with sa.create_engine(self.base, isolation_level='AUTOCOMMIT').connect() as conn:
                for name in self.made:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


@pytest.fixture(scope='module')
def module_databases(tmp_path_factory):
    databases = Databases(tmp_path_factory.mktemp('restore'))
    yield databases
    databases.close()


@pytest.fixture
def databases(tmp_path):
    databases = Databases(tmp_path)
    yield databases
    databases.close()


def rows_of(url):
    """Every table's rows as the driver returns them (JSON columns as their stored text), in key order."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            quote = conn.dialect.identifier_preparer.quote
            metadata = sa.MetaData()
            metadata.reflect(conn)
            result = {}
            for table in metadata.sorted_tables:
                columns = ', '.join(f'CAST({quote(c.name)} AS TEXT)' if isinstance(c.type, sa.JSON) else quote(c.name)
                                    for c in table.columns)
                order = ', '.join(quote(c.name) for c in (table.primary_key.columns or table.columns))
                result[table.name] = [tuple(row) for row in conn.exec_driver_sql(
                    f'SELECT {columns} FROM {quote(table.name)} ORDER BY {order}')]  # noqa: S608
            return result
    finally:
        engine.dispose()


def files_of(directory):
    directory = Path(directory)
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())} if directory.exists() else {}


def state_of(target):
    return rows_of(target.url), files_of(target.upload_dir)


def run(flask_app, *args):
    return flask_app.test_cli_runner().invoke(args=list(args))


# --- the source: real data made through the app, backed up through the command ---------------------------

@pytest.fixture(scope='module')
def source(app, tmp_path_factory):
    """Reports with photos, a verification (its PDF), a returned report and their audit events in the suite's
    database, backed up with `flask backup`; the rows and files as they were at that moment."""
    from app.extensions import db

    client = app.test_client()
    verified = Api(client, 'agen1').file_report()
    response = Api(client, 'verifikator1').complete_only_task(verified['id'], helpers.VERIFY_YES)
    assert response.status_code == 200, response.get_json()
    returned = Api(client, 'agen2').file_report(dict(helpers.REPORT, judul='Isu hoaks "pilkades"\nbaris dua ✓'))
    assert Api(client, 'verifikator1').complete_only_task(returned['id'], helpers.VERIFY_RETURN).status_code == 200
    Api(client, 'agen1').file_report()
    path = tmp_path_factory.mktemp('archive') / 'cadangan.tar.gz'
    result = run(app, 'backup', str(path))
    assert result.exit_code == 0, result.output
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    rows = rows_of(url)
    photos, documents = stored_names(url)
    assert len(photos) == 3 and documents, 'three photos and the verification\'s PDF'
    stored = files_of(app.config['UPLOAD_DIR'])
    files = {name: stored[name] for name in photos | documents}
    return SimpleNamespace(path=path, output=result.output, rows=rows, files=files, url=url)


def stored_names(url):
    """The names of the stored photos and of the stored documents."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return (set(conn.exec_driver_sql('SELECT storage_name FROM attachments').scalars()),
                    set(conn.exec_driver_sql('SELECT storage_name FROM documents').scalars()))
    finally:
        engine.dispose()


@pytest.fixture(scope='module')
def empty_target(app, module_databases):
    """A migrated database with nothing but the migrations' own rows, and an empty upload directory."""
    from flask_migrate import upgrade

    target = module_databases.app(app)
    with target.app.app_context():
        upgrade()
    return target


# --- the round trip --------------------------------------------------------------------------------------

def test_backup_summary_and_manifest(app, source):
    assert 'Cadangan selesai' in source.output and 'SHA-256' in source.output
    assert oct(source.path.stat().st_mode & 0o777) == '0o600'  # personal data: readable by its owner only
    with tarfile.open(source.path) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile('manifest.json').read())
        for entry in manifest['members']:
            content = tar.extractfile(entry['name']).read()
            assert (hashlib.sha256(content).hexdigest(), len(content)) == (entry['sha256'], entry['size'])
    with app.app_context():
        from app.extensions import migrate
        assert manifest['alembic_revision'] == backup.code_revision(migrate.directory)
    assert manifest['created_at'].endswith('Z')
    assert manifest['key']['source'] == 'SIKANDA_SECRET_KEY'
    tables = {t['name']: t['rows'] for t in manifest['tables']}
    assert tables == {name: len(rows) for name, rows in source.rows.items() if name != 'alembic_version'}
    assert set(manifest['files']) == set(source.files)
    assert sorted(names) == sorted([m['name'] for m in manifest['members']] + ['manifest.json', 'manifest.sig'])
    # parents before children, so a restore can insert in the archive's order
    order = [t['name'] for t in manifest['tables']]
    assert order.index('users') < order.index('process_instances') < order.index('attachments')


def test_round_trip_into_an_empty_database(app, source, databases):
    target = databases.app(app)
    assert rows_of(target.url) == {}  # no schema at all: the restore migrates it
    result = run(target.app, 'restore', str(source.path))
    assert result.exit_code == 0, result.output
    assert 'Pemulihan selesai' in result.output and 'Rantai audit utuh.' in result.output
    assert 'tabel audit_events:' in result.output
    restored = rows_of(target.url)
    assert restored.keys() == source.rows.keys()
    for table, rows in source.rows.items():
        assert restored[table] == rows, table
    assert files_of(target.upload_dir) == source.files
    verified = run(target.app, 'audit', 'verify')
    assert verified.exit_code == 0 and 'Rantai audit utuh.' in verified.output
    # the restored installation works on: new rows take fresh ids (sequences), the chain goes on, and the
    # archive's photos are served from the new upload directory
    engine = sa.create_engine(target.url)
    with engine.connect() as conn:
        photo_id, name = conn.exec_driver_sql('SELECT id, storage_name FROM attachments ORDER BY id').first()
    engine.dispose()
    with Databases.serving(target, app) as client:
        report = Api(client, 'agen1').file_report()
        helpers.web_login(client, 'verifikator1')
        response = client.get(f'/lampiran/{photo_id}')
    assert response.status_code == 200 and response.data == source.files[name]
    assert report['id'] > max(row[0] for row in source.rows['process_instances'])
    after = rows_of(target.url)
    assert max(row[0] for row in after['attachments']) > max(row[0] for row in source.rows['attachments'])
    assert len(files_of(target.upload_dir)) == len(source.files) + 1
    assert run(target.app, 'audit', 'verify').exit_code == 0


def test_restore_into_a_migrated_empty_database(app, source, databases):
    """A database prepared with `db upgrade` holds the migrations' own rows; the archive's replace them."""
    from flask_migrate import upgrade

    target = databases.app(app)
    with target.app.app_context():
        upgrade()
    result = run(target.app, 'restore', str(source.path))
    assert result.exit_code == 0, result.output
    assert 'migrasi' not in result.output
    assert rows_of(target.url) == source.rows
    assert files_of(target.upload_dir) == source.files


def test_an_explicit_backup_key_replaces_the_secret_key(app, databases, tmp_path):
    path = tmp_path / 'kunci.tar'
    app.config['BACKUP_KEY'] = 'kunci-cadangan-khusus'
    try:
        result = run(app, 'backup', str(path))
    finally:
        del app.config['BACKUP_KEY']
    assert result.exit_code == 0, result.output
    other_secret = databases.app(app, SECRET_KEY='rahasia-lain', BACKUP_KEY='kunci-cadangan-khusus')
    assert run(other_secret.app, 'restore', str(path)).exit_code == 0
    without_key = databases.app(app)  # the same SECRET_KEY, but the archive was signed with the backup key
    before = state_of(without_key)
    refused = run(without_key.app, 'restore', str(path))
    assert refused.exit_code == 1
    assert 'kunci lain (SIKANDA_BACKUP_KEY)' in refused.output
    assert state_of(without_key) == before


def test_backup_does_not_overwrite(app, tmp_path):
    path = tmp_path / 'ada.tar'
    path.write_bytes(b'arsip lama')
    result = run(app, 'backup', str(path))
    assert result.exit_code == 1 and 'sudah ada' in result.output
    assert path.read_bytes() == b'arsip lama'
    assert run(app, 'backup', '--overwrite', str(path)).exit_code == 0
    assert tarfile.is_tarfile(path)


# --- refusals --------------------------------------------------------------------------------------------

def read_members(path):
    with tarfile.open(path) as tar:
        return [(member, tar.extractfile(member).read() if member.isreg() else None) for member in tar.getmembers()]


def write_members(path, members):
    with tarfile.open(path, 'w') as tar:
        for member, content in members:
            member.size = len(content) if content is not None else 0
            tar.addfile(member, io.BytesIO(content) if content is not None else None)
    return path


def flip(content, at=None):
    at = len(content) // 2 if at is None else at
    return content[:at] + bytes([content[at] ^ 0x01]) + content[at + 1:]


def replace(members, name, content):
    return [(m, content if m.name == name else c) for m, c in members]


def content_of(members, name):
    return next(c for m, c in members if m.name == name)


def edit_manifest(members, change, sign_with=None):
    """Change the manifest (dict) and, with a key, sign it again as the real key holder would."""
    manifest = json.loads(content_of(members, 'manifest.json'))
    change(manifest)
    body = json.dumps(manifest).encode()
    members = replace(members, 'manifest.json', body)
    if sign_with:
        members = replace(members, 'manifest.sig', f'hmac-sha256:{backup.backup_key(sign_with).sign(body)}\n'.encode())
    return members


def set_member(manifest, name, content):
    for entry in manifest['members']:
        if entry['name'] == name:
            entry.update(sha256=hashlib.sha256(content).hexdigest(), size=len(content))


def a_photo(members):
    return next(m.name for m, _ in members if m.name.endswith('.jpg'))


def flipped_table(members):
    return replace(members, 'db/audit_events.jsonl', flip(content_of(members, 'db/audit_events.jsonl')))


def flipped_photo(members):
    name = a_photo(members)
    return replace(members, name, flip(content_of(members, name)))


def edited_manifest_rehashed(members):
    table = flip(content_of(members, 'db/users.jsonl'))
    members = replace(members, 'db/users.jsonl', table)
    return edit_manifest(members, lambda manifest: set_member(manifest, 'db/users.jsonl', table))


def extra_member(members):
    return [*members, (tarfile.TarInfo('files/' + 'ab' * 16 + '.jpg'), helpers.image_bytes())]


def missing_member(members):
    name = a_photo(members)
    return [(m, c) for m, c in members if m.name != name]


def member_named(name):
    def change(members):
        return [*members, (tarfile.TarInfo(name), b'x')]
    return change


def link_member(kind, linkname='/etc/passwd'):
    def change(members):
        info = tarfile.TarInfo('files/' + 'cd' * 16 + '.jpg')
        info.type, info.linkname = kind, linkname
        return [*members, (info, None)]
    return change


def device_member(members):
    info = tarfile.TarInfo('files/' + 'ef' * 16 + '.jpg')
    info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
    return [*members, (info, None)]


def wrong_revision(members):
    return edit_manifest(members, lambda manifest: manifest.update(alembic_revision='0000'), sign_with=SECRET)


def duplicate_member(members):
    return [*members, next((m, c) for m, c in members if m.name == 'db/users.jsonl')]


REFUSALS = [
    ('flipped byte in a table', flipped_table, 'isi db/audit_events.jsonl tidak sesuai manifest'),
    ('flipped byte in a photo', flipped_photo, 'tidak sesuai manifest'),
    ('manifest edited with re-computed hashes', edited_manifest_rehashed, 'tanda tangan manifest tidak cocok'),
    ('member not in the manifest', extra_member, 'tidak tercantum di manifest'),
    ('member missing', missing_member, 'tercantum di manifest tetapi tidak ada'),
    ('member twice', duplicate_member, 'muncul dua kali'),
    ('parent path', member_named('../../sikanda-evil'), 'tidak aman'),
    ('parent path inside', member_named('files/../../evil.jpg'), 'tidak aman'),
    ('absolute path', member_named('/tmp/sikanda-evil.jpg'), 'tidak aman'),
    ('unknown member', member_named('catatan.txt'), 'tak dikenal'),
    ('symbolic link', link_member(tarfile.SYMTYPE), 'bukan berkas biasa'),
    ('hard link', link_member(tarfile.LNKTYPE, 'manifest.json'), 'bukan berkas biasa'),
    ('device file', device_member, 'bukan berkas biasa'),
    ('wrong revision (signed)', wrong_revision, 'Revisi arsip 0000 berbeda dengan revisi kode'),
]


@pytest.mark.parametrize(('case', 'change', 'message'), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_damaged_archives_are_refused_before_anything_is_written(source, empty_target, tmp_path, case, change,
                                                                 message):
    damaged = write_members(tmp_path / 'rusak.tar', change(read_members(source.path)))
    before = state_of(empty_target)
    result = run(empty_target.app, 'restore', str(damaged))
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert 'Pemulihan ditolak' in result.output
    assert state_of(empty_target) == before


def test_a_refused_archive_leaves_a_database_without_schema_as_it_was(app, source, databases, tmp_path):
    target = databases.app(app)
    damaged = write_members(tmp_path / 'rusak.tar', flipped_table(read_members(source.path)))
    result = run(target.app, 'restore', str(damaged))
    assert result.exit_code == 1 and 'tidak sesuai manifest' in result.output
    assert rows_of(target.url) == {} and files_of(target.upload_dir) == {}


def test_a_corrupt_compressed_archive_is_refused(source, empty_target, tmp_path):
    data = source.path.read_bytes()
    damaged = tmp_path / 'rusak.tar.gz'
    damaged.write_bytes(flip(data, len(data) // 3))
    before = state_of(empty_target)
    result = run(empty_target.app, 'restore', str(damaged))
    assert result.exit_code == 1 and 'Pemulihan ditolak' in result.output
    assert state_of(empty_target) == before


def test_another_secret_key_is_refused(app, source, databases):
    target = databases.app(app, SECRET_KEY='rahasia-instalasi-lain')
    result = run(target.app, 'restore', str(source.path))
    assert result.exit_code == 1 and 'kunci lain' in result.output
    assert rows_of(target.url) == {} and files_of(target.upload_dir) == {}


def test_restore_into_a_database_with_rows_is_refused(app, source):
    """The suite's own database holds users and the diagram: nothing of the archive goes in."""
    url = source.url
    before = rows_of(url), files_of(app.config['UPLOAD_DIR'])
    result = run(app, 'restore', str(source.path))
    assert result.exit_code == 1, result.output
    assert 'Basis data tujuan tidak kosong' in result.output and 'users' in result.output
    assert (rows_of(url), files_of(app.config['UPLOAD_DIR'])) == before


def test_a_file_of_another_content_in_the_upload_directory_is_refused(app, source, databases):
    target = databases.app(app)
    target.upload_dir.mkdir(exist_ok=True)
    name = next(iter(source.files))
    (target.upload_dir / name).write_bytes(b'lain')
    result = run(target.app, 'restore', str(source.path))
    assert result.exit_code == 1 and 'sudah ada dengan isi lain' in result.output
    assert rows_of(target.url) == {} and files_of(target.upload_dir) == {name: b'lain'}


def test_a_failing_insert_rolls_back_everything(app, source, empty_target, tmp_path):
    """Signed by the key holder, but a row twice: the database refuses it, and nothing stays."""
    members = read_members(source.path)
    users = content_of(members, 'db/users.jsonl')
    doubled = users + users.splitlines(keepends=True)[0]

    def change(manifest):
        set_member(manifest, 'db/users.jsonl', doubled)
        next(t for t in manifest['tables'] if t['name'] == 'users')['rows'] += 1

    members = edit_manifest(replace(members, 'db/users.jsonl', doubled), change, sign_with=SECRET)
    damaged = write_members(tmp_path / 'ganda.tar', members)
    before = state_of(empty_target)
    result = run(empty_target.app, 'restore', str(damaged))
    assert result.exit_code == 1 and 'Pemulihan gagal, tidak ada data yang diubah' in result.output
    assert state_of(empty_target) == before


def test_an_archive_changed_after_its_check_rolls_back_rows_and_files(app, source, empty_target, tmp_path):
    """The load hashes every member again: a photo changed between the check and the load undoes the rows
    and the photos already written."""
    from app.uow import unit_of_work

    path = tmp_path / 'berubah.tar'
    members = read_members(source.path)
    write_members(path, members)
    with empty_target.app.app_context():
        archive = backup.verify_archive(path, backup.backup_key(SECRET))
    last_file = sorted(m.name for m, _ in members if m.name.startswith('files/'))[-1]
    write_members(path, replace(members, last_file, flip(content_of(members, last_file))))
    before = state_of(empty_target)
    with empty_target.app.app_context(), pytest.raises(backup.BackupError, match='berubah sejak diperiksa'):
        with backup.FileWriter(empty_target.upload_dir) as writer, unit_of_work():
            backup.load_archive(archive, writer)
    assert state_of(empty_target) == before


# --- values ----------------------------------------------------------------------------------------------

def test_values_round_trip_exactly(app, databases):
    """Types the schema has and may get: bytes, JSON null beside SQL NULL, booleans, times, decimals, text."""
    url = databases.url()
    engine = sa.create_engine(url)

    def table(name, metadata):
        return sa.Table(name, metadata, sa.Column('id', sa.Integer, primary_key=True), sa.Column('raw', sa.LargeBinary),
                        sa.Column('doc', sa.JSON), sa.Column('flag', sa.Boolean), sa.Column('at', sa.DateTime),
                        sa.Column('day', sa.Date), sa.Column('amount', sa.Numeric(12, 4)),
                        sa.Column('ratio', sa.Float), sa.Column('note', sa.Text))

    metadata = sa.MetaData()
    source_table, copy_table = table('nilai', metadata), table('salinan', metadata)
    rows = [
        {'id': 1, 'raw': bytes(range(256)), 'doc': {'a': [1, 2.5, None], 'b': 'ü'}, 'flag': True,
         'at': datetime(2026, 11, 28, 4, 20, 39, 157612), 'day': date(2026, 2, 28), 'amount': Decimal('12.3400'),
         'ratio': -115.25 / 3, 'note': 'baris\nbaru \u2028 "kutip" \x7f'},
        {'id': 2, 'raw': b'', 'doc': None, 'flag': False, 'at': datetime(1999, 12, 31, 23, 59, 59),
         'day': None, 'amount': Decimal('0.0000'), 'ratio': 0.0, 'note': ''},
        {'id': 3, 'raw': None, 'doc': sa.null(), 'flag': None, 'at': None, 'day': None, 'amount': None,
         'ratio': None, 'note': None},
    ]
    try:
        with engine.begin() as conn:
            metadata.create_all(conn)
            conn.execute(source_table.insert(), rows[:2])
            conn.execute(source_table.insert().values(rows[2]))
        with engine.begin() as conn:
            reflected = sa.MetaData()
            reflected.reflect(conn)
            lines = [json.dumps([backup._encode(v) for v in row], allow_nan=False)
                     for row in conn.execute(backup._select_all(reflected.tables['nilai']))]
            copy = reflected.tables['salinan']
            statement = backup._insert_statement(copy, conn.dialect.name)
            conn.execute(statement, [{f'v_{c.name}': backup._decode(v)
                                      for c, v in zip(copy.columns, json.loads(line), strict=True)} for line in lines])
        original, restored = rows_of(url)['nilai'], rows_of(url)['salinan']
        assert original == restored
        assert original[1][2] == 'null' and original[2][2] is None  # JSON null and SQL NULL stay apart
        with engine.connect() as conn:
            typed = conn.execute(sa.select(source_table).order_by(source_table.c.id)).all()
            assert typed == conn.execute(sa.select(copy_table).order_by(copy_table.c.id)).all()
        assert datetime.fromisoformat(backup._encode(datetime(2026, 1, 1, tzinfo=UTC))['$datetime']).tzinfo
    finally:
        engine.dispose()
