"""Backup and restore of the whole installation: every table, the Alembic revision and the stored files.

An archive is one tar file (gzip-compressed when its name ends in .gz or .tgz) with these members, and no
others:

    db/<table>.jsonl   one JSON array per row, the columns in the manifest's order; tables in foreign-key order
    files/<name>       every file a `storage_name` column names (photos, generated PDFs), byte for byte
    manifest.json      format, creation time, revision, tables (columns, row counts), files, and the SHA-256
                       and size of every other member
    manifest.sig       HMAC-SHA256 of manifest.json, keyed from SIKANDA_BACKUP_KEY or else the SECRET_KEY

Values that JSON has no type for are tagged objects ({"$datetime": iso}, {"$date": …}, {"$bytes": base64},
{"$decimal": …}, …); a JSON column is kept as its stored text ({"$json": text}), so JSON null and SQL NULL
stay apart. Plain JSON values (strings, numbers, booleans, null) stand for themselves.

A restore reads the whole archive and checks every member against the signed manifest before it writes
anything; while it loads, it hashes every member again, so an archive changed in between rolls back.
"""
import base64
import gzip
import hashlib
import hmac
import io
import json
import math
import os
import re
import stat
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.storage import sync_directory
from app.timeutil import utcnow

FORMAT = 'sikanda-backup'
FORMAT_VERSION = 1
MANIFEST = 'manifest.json'
SIGNATURE = 'manifest.sig'
TABLE_DIR = 'db/'
FILE_DIR = 'files/'
REVISION_TABLE = 'alembic_version'
#: a column of this name names a file in the upload directory
FILE_COLUMN = 'storage_name'
#: rows the migrations (and an idle scheduler) write into a new database: a database holding only these is
#: empty, and the restore replaces them with the archive's
MIGRATION_ROWS = {
    'audit_chain_head': 'last_event_id IS NULL',            # the chain's genesis (0001)
    'scheduler_leases': "name = 'tick'",                    # the scheduler's lease (0003)
    'settings': "key IN ('dokumen_sejak', 'berkas_disapu')",  # documents' start (0004); the last file sweep
}
KEY_CONTEXT = b'sikanda backup manifest v1'
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024
BATCH = 1000
TABLE_NAME = re.compile(r'[a-z_][a-z0-9_]{0,62}')
# a stored file's name as FileStore.save() makes it, or any other plain name without a path
FILE_NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*')


class BackupError(Exception):
    """Why a backup or a restore was refused; the message is for the operator (Bahasa Indonesia)."""


# --- the key ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BackupKey:
    key: bytes = field(repr=False)
    source: str  # the setting it came from: SIKANDA_BACKUP_KEY or SIKANDA_SECRET_KEY

    def sign(self, data):
        return hmac.new(self.key, data, hashlib.sha256).hexdigest()

    @property
    def key_id(self):
        """A short name for the key, to tell "another key" from "an edited manifest" (reveals nothing of it)."""
        return hmac.new(self.key, b'key id', hashlib.sha256).hexdigest()[:16]


def backup_key(secret_key, explicit_key=None):
    """The manifest's HMAC key: derived from SIKANDA_BACKUP_KEY when set, else from the SECRET_KEY."""
    material, source = (explicit_key, 'SIKANDA_BACKUP_KEY') if explicit_key else (secret_key, 'SIKANDA_SECRET_KEY')
    if not material:
        raise BackupError('Tidak ada kunci untuk menandatangani arsip: isi SIKANDA_BACKUP_KEY atau SIKANDA_SECRET_KEY.')
    raw = material if isinstance(material, bytes) else str(material).encode()
    return BackupKey(hmac.new(raw, KEY_CONTEXT, hashlib.sha256).digest(), source)


# --- values ----------------------------------------------------------------------------------------------

def _encode(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {'$float': repr(value)}
    if isinstance(value, datetime):
        return {'$datetime': value.isoformat()}
    if isinstance(value, date):
        return {'$date': value.isoformat()}
    if isinstance(value, time):
        return {'$time': value.isoformat()}
    if isinstance(value, timedelta):
        return {'$timedelta': [value.days, value.seconds, value.microseconds]}
    if isinstance(value, Decimal):
        return {'$decimal': str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {'$bytes': base64.b64encode(bytes(value)).decode()}
    raise TypeError(type(value).__name__)


DECODERS = {
    '$float': float, '$datetime': datetime.fromisoformat, '$date': date.fromisoformat,
    '$time': time.fromisoformat, '$timedelta': lambda parts: timedelta(*parts), '$decimal': Decimal,
    '$bytes': base64.b64decode, '$json': lambda text: text,
}


def _decode(value):
    if not isinstance(value, dict):
        return value
    (tag, inner), = value.items()
    return DECODERS[tag](inner)


def _is_json(column):
    return isinstance(column.type, sa.JSON)


# --- reading the database --------------------------------------------------------------------------------

def _reflect(conn):
    """The schema's tables in foreign-key order (parents first), without Alembic's own table."""
    metadata = sa.MetaData()
    metadata.reflect(bind=conn)
    return [table for table in metadata.sorted_tables if table.name != REVISION_TABLE]


def _revision(conn):
    if not sa.inspect(conn).has_table(REVISION_TABLE):
        return None
    revisions = list(conn.execute(sa.text(f'SELECT version_num FROM {REVISION_TABLE}')).scalars())  # noqa: S608
    if len(revisions) != 1:
        raise BackupError(f'Basis data mempunyai {len(revisions)} revisi Alembic; harus tepat satu.')
    return revisions[0]


def code_revision(migrations_dir):
    """The newest migration the code ships (the single Alembic head)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(str(migrations_dir)).get_heads()
    if len(heads) != 1:
        raise BackupError(f'Migrasi kode mempunyai {len(heads)} kepala revisi; harus tepat satu.')
    return heads[0]


def _select_all(table):
    """Every row, in primary-key order; JSON columns as their stored text."""
    columns = [sa.cast(c, sa.Text).label(c.name) if _is_json(c) else c for c in table.columns]
    order = list(table.primary_key.columns) or list(table.columns)
    return sa.select(*columns).order_by(*order)


def _snapshot(engine):
    """A connection that sees one consistent state of the whole database until it is closed."""
    conn = engine.connect()
    if engine.dialect.name == 'postgresql':
        conn = conn.execution_options(isolation_level='REPEATABLE READ', postgresql_readonly=True)
    elif engine.dialect.name == 'sqlite':
        # pysqlite begins no transaction for a SELECT: each would see the newest commit
        conn.exec_driver_sql('BEGIN')
    return conn


# --- writing an archive ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class BackupSummary:
    path: str
    sha256: str
    size: int
    revision: str
    created_at: str
    tables: list          # [(name, rows)] in the archive's order
    files: int
    file_bytes: int
    missing_files: list   # named by a row, not in the upload directory
    unreferenced_files: int  # in the upload directory, named by no row (left out)

    @property
    def rows(self):
        return sum(rows for _, rows in self.tables)


class _HashingWriter:
    def __init__(self, raw):
        self.raw, self.digest, self.size = raw, hashlib.sha256(), 0

    def write(self, data):
        self.digest.update(data)
        self.size += len(data)
        self.raw.write(data)


def _member(name, size, mtime):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.type = size, mtime, 0o600, tarfile.REGTYPE
    return info


def create_backup(path, upload_dir, key, overwrite=False, progress=None):
    """Write an archive of the database of the current app and the files its rows name; returns a summary.

    The archive is written next to `path` under a temporary name and renamed when complete."""
    progress = progress or (lambda message: None)
    path, upload_dir = Path(path), Path(upload_dir)
    if path.exists() and not overwrite:
        raise BackupError(f'{path} sudah ada; pilih nama lain (atau --overwrite).')
    created = utcnow().replace(microsecond=0)
    mtime = int((created - datetime(1970, 1, 1)).total_seconds())
    tmp = path.with_name(f'.{path.name}.{os.getpid()}.part')
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # the archive holds personal data
    except OSError as exc:
        raise BackupError(f'Arsip tidak dapat ditulis di {path}: {exc}') from None
    try:
        with os.fdopen(fd, 'wb') as raw:
            compress = path.name.endswith(('.gz', '.tgz'))
            stream = gzip.GzipFile(filename='', fileobj=raw, mode='wb', compresslevel=6,
                                                 mtime=mtime) if compress else raw
            with tarfile.open(fileobj=stream, mode='w', format=tarfile.PAX_FORMAT) as tar:
                manifest = _write_members(tar, upload_dir, mtime, progress)
                manifest['created_at'] = created.isoformat() + 'Z'
                manifest['key'] = {'source': key.source, 'id': key.key_id}
                body = json.dumps(manifest, indent=1, sort_keys=True).encode() + b'\n'
                signature = f'hmac-sha256:{key.sign(body)}\n'.encode()
                tar.addfile(_member(MANIFEST, len(body), mtime), io.BytesIO(body))
                tar.addfile(_member(SIGNATURE, len(signature), mtime), io.BytesIO(signature))
            if compress:
                stream.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    digest, size = _file_digest(path)
    return BackupSummary(
        path=str(path), sha256=digest, size=size, revision=manifest['alembic_revision'],
        created_at=manifest['created_at'], tables=[(t['name'], t['rows']) for t in manifest['tables']],
        files=len(manifest['files']), file_bytes=manifest['file_bytes'], missing_files=manifest['missing_files'],
        unreferenced_files=manifest['unreferenced_files'])


def _write_members(tar, upload_dir, mtime, progress):
    members, tables, referenced = [], [], set()
    with _snapshot(db.engine) as conn:
        revision = _revision(conn)
        if revision is None:
            raise BackupError('Basis data belum dimigrasi (tidak ada tabel alembic_version).')
        for table in _reflect(conn):
            name = f'{TABLE_DIR}{table.name}.jsonl'
            columns = [c.name for c in table.columns]
            file_columns = [i for i, c in enumerate(columns) if c == FILE_COLUMN]
            rows = 0
            with tempfile.TemporaryFile() as spool:
                writer = _HashingWriter(spool)
                result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(_select_all(table))
                for row in result:
                    try:
                        values = [_encode(value) for value in row]
                    except TypeError as exc:
                        raise BackupError(f'Tabel {table.name}: jenis nilai {exc} tidak dapat dicadangkan.') from None
                    writer.write(json.dumps(values, separators=(',', ':'), allow_nan=False).encode() + b'\n')
                    referenced.update(row[i] for i in file_columns if row[i])
                    rows += 1
                spool.seek(0)
                tar.addfile(_member(name, writer.size, mtime), spool)
            members.append({'name': name, 'sha256': writer.digest.hexdigest(), 'size': writer.size})
            tables.append({'name': table.name, 'member': name, 'columns': columns, 'rows': rows})
            progress(f'tabel {table.name}: {rows} baris')
        dialect = conn.dialect.name
    files, missing, file_bytes = [], [], 0
    names = sorted(referenced)
    for number, storage_name in enumerate(names, 1):
        if not FILE_NAME.fullmatch(storage_name):
            raise BackupError(f'Nama berkas tidak valid di basis data: {storage_name!r}')
        try:
            fd = os.open(upload_dir / storage_name, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0))
        except FileNotFoundError:
            missing.append(storage_name)
            continue
        except OSError as exc:  # a link (O_NOFOLLOW) or unreadable
            raise BackupError(f'{storage_name} di direktori unggahan tidak dapat dibaca: {exc}') from None
        with os.fdopen(fd, 'rb') as handle:
            size = os.fstat(handle.fileno()).st_size
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise BackupError(f'{storage_name} di direktori unggahan bukan berkas biasa.')
            reader = _HashingReader(handle)
            tar.addfile(_member(FILE_DIR + storage_name, size, mtime), reader)
        members.append({'name': FILE_DIR + storage_name, 'sha256': reader.digest.hexdigest(), 'size': size})
        files.append(storage_name)
        file_bytes += size
        if number % 100 == 0 or number == len(names):
            progress(f'berkas {number}/{len(names)}')
    on_disk = {entry.name for entry in os.scandir(upload_dir) if entry.is_file(follow_symlinks=False)}
    return {
        'format': FORMAT, 'format_version': FORMAT_VERSION, 'alembic_revision': revision, 'source_dialect': dialect,
        'tables': tables, 'files': files, 'file_bytes': file_bytes, 'missing_files': missing,
        'unreferenced_files': len(on_disk - referenced), 'members': members,
        'totals': {'tables': len(tables), 'rows': sum(t['rows'] for t in tables), 'files': len(files)},
    }


class _HashingReader:
    """A file object for tarfile.addfile that hashes what it hands out."""

    def __init__(self, raw):
        self.raw, self.digest = raw, hashlib.sha256()

    def read(self, size=-1):
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def _digest_of(handle):
    """(SHA-256 hex, size) of what an open file gives, read in chunks."""
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _file_digest(path):
    with open(path, 'rb') as handle:
        return _digest_of(handle)


# --- checking an archive ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Archive:
    """An archive whose every member matched its signed manifest when it was read."""
    path: str
    sha256: str
    size: int
    manifest: dict

    @property
    def revision(self):
        return self.manifest['alembic_revision']

    @property
    def tables(self):
        return {t['name']: t for t in self.manifest['tables']}

    @property
    def members(self):
        return {m['name']: m for m in self.manifest['members']}


def _check_member_name(member):
    name = member.name
    parts = name.split('/')
    if name.startswith('/') or '\\' in name or any(p in ('', '.', '..') for p in parts) or ':' in parts[0]:
        raise BackupError(f'Arsip ditolak: jalur anggota tidak aman: {name!r}')
    if not member.isreg() or member.issparse():
        raise BackupError(f'Arsip ditolak: anggota {name!r} bukan berkas biasa (tautan, direktori atau perangkat).')
    top = name in (MANIFEST, SIGNATURE)
    table = len(parts) == 2 and parts[0] + '/' == TABLE_DIR and parts[1].endswith('.jsonl')
    stored = len(parts) == 2 and parts[0] + '/' == FILE_DIR and FILE_NAME.fullmatch(parts[1])
    if not (top or table or stored):
        raise BackupError(f'Arsip ditolak: anggota tak dikenal {name!r}.')


def verify_archive(path, key):
    """Read the whole archive and check it against its signed manifest; nothing is written.

    Refused (BackupError): unreadable archives, unsafe or unknown member names, links and devices,
    duplicates, a missing or wrong signature, members missing from the archive or from the manifest, and
    any member whose SHA-256 or size differs."""
    path = Path(path)
    seen, manifest_body, signature = {}, None, None
    try:
        with tarfile.open(path, mode='r:*') as tar:
            for member in tar:
                _check_member_name(member)
                if member.name in seen:
                    raise BackupError(f'Arsip ditolak: anggota {member.name!r} muncul dua kali.')
                if member.name in (MANIFEST, SIGNATURE):
                    if member.size > MAX_MANIFEST_BYTES:
                        raise BackupError('Arsip ditolak: manifest terlalu besar.')
                    content = tar.extractfile(member).read()
                    if member.name == MANIFEST:
                        manifest_body = content
                    else:
                        signature = content
                    seen[member.name] = None
                    continue
                seen[member.name] = _digest_of(tar.extractfile(member))
    except (tarfile.TarError, OSError, EOFError, gzip.BadGzipFile, ValueError) as exc:
        raise BackupError(f'Arsip rusak atau bukan arsip cadangan SIKANDA: {exc}') from None
    if manifest_body is None or signature is None:
        raise BackupError('Arsip ditolak: manifest.json atau manifest.sig tidak ada.')
    _check_signature(manifest_body, signature, key)
    try:
        manifest = json.loads(manifest_body)
        _check_manifest(manifest, seen)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f'Arsip ditolak: manifest tidak terbaca ({exc!r}).') from None
    digest, size = _file_digest(path)
    return Archive(str(path), digest, size, manifest)


def _check_signature(body, signature, key):
    expected = f'hmac-sha256:{key.sign(body)}\n'.encode()
    if hmac.compare_digest(signature, expected):
        return
    try:
        claimed = json.loads(body).get('key') or {}
    except (ValueError, AttributeError):
        claimed = {}
    if isinstance(claimed, dict) and claimed.get('id') not in (None, key.key_id):
        raise BackupError(f'Arsip ditolak: tanda tangan manifest tidak cocok. Arsip ditandatangani dengan kunci '
                          f'lain ({claimed.get("source")}); kunci ini berasal dari {key.source}.')
    raise BackupError('Arsip ditolak: tanda tangan manifest tidak cocok (manifest diubah atau arsip rusak).')


def _check_manifest(manifest, seen):
    if manifest.get('format') != FORMAT or manifest.get('format_version') != FORMAT_VERSION:
        raise BackupError('Arsip ditolak: format arsip tidak dikenal.')
    listed = {m['name']: m for m in manifest['members']}
    present = set(seen) - {MANIFEST, SIGNATURE}
    if extra := sorted(present - set(listed)):
        raise BackupError(f'Arsip ditolak: anggota tidak tercantum di manifest: {", ".join(extra[:5])}')
    if absent := sorted(set(listed) - present):
        raise BackupError(f'Arsip ditolak: anggota tercantum di manifest tetapi tidak ada: {", ".join(absent[:5])}')
    for name, entry in listed.items():
        if seen[name] != (entry['sha256'], entry['size']):
            raise BackupError(f'Arsip ditolak: isi {name} tidak sesuai manifest (SHA-256 atau ukuran berbeda).')
    described = {t['member'] for t in manifest['tables']} | {FILE_DIR + f for f in manifest['files']}
    for table in manifest['tables']:
        if not TABLE_NAME.fullmatch(table['name']) or table['member'] != f'{TABLE_DIR}{table["name"]}.jsonl':
            raise BackupError(f'Arsip ditolak: nama tabel tidak valid: {table["name"]!r}')
    if described != set(listed):
        raise BackupError('Arsip ditolak: daftar tabel dan berkas manifest tidak sesuai dengan anggotanya.')


# --- restoring -------------------------------------------------------------------------------------------

SCHEMA_MISSING = 'schema-missing'
READY = 'ready'


def check_target(archive, code_rev, upload_dir):
    """Whether the current database and `upload_dir` may receive `archive`: SCHEMA_MISSING (no table at all:
    migrate to the archive's revision first) or READY. Refuses (BackupError) a revision other than the code's
    or the database's, a schema other than the archive's, any row beyond the migrations' own, and a file in
    `upload_dir` with the name but not the content of one in the archive. Reads only."""
    if archive.revision != code_rev:
        raise BackupError(f'Revisi arsip {archive.revision} berbeda dengan revisi kode {code_rev}; pulihkan '
                          f'dengan versi aplikasi yang membuat arsip ini.')
    with db.engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        if not names:
            _check_files(archive, upload_dir)
            return SCHEMA_MISSING
        revision = _revision(conn)
        if revision is None:
            raise BackupError('Basis data tujuan berisi tabel tetapi tanpa revisi Alembic; pakai basis data kosong.')
        if revision != archive.revision:
            raise BackupError(f'Basis data tujuan berada di revisi {revision}, arsip di revisi {archive.revision}.')
        tables = _reflect(conn)
        _check_schema(archive, tables)
        _check_empty(conn, tables)
    _check_files(archive, upload_dir)
    return READY


def _check_schema(archive, tables):
    wanted = archive.tables
    have = {t.name: t for t in tables}
    if set(wanted) != set(have):
        differ = sorted(set(wanted) ^ set(have))
        raise BackupError(f'Skema basis data tujuan berbeda dengan arsip (tabel: {", ".join(differ)}).')
    for name, table in have.items():
        if set(wanted[name]['columns']) != {c.name for c in table.columns}:
            raise BackupError(f'Skema basis data tujuan berbeda dengan arsip (kolom tabel {name}).')


def _check_empty(conn, tables):
    filled = []
    for table in tables:
        query = sa.select(sa.func.count()).select_from(table)
        if table.name in MIGRATION_ROWS:
            query = query.where(sa.text(f'NOT ({MIGRATION_ROWS[table.name]})'))
        if count := conn.execute(query).scalar_one():
            filled.append(f'{table.name} ({count} baris)')
    if filled:
        raise BackupError(f'Basis data tujuan tidak kosong: {", ".join(filled)}. Pemulihan hanya ke basis data '
                          'kosong (yang baru dibuat, atau hanya berisi hasil db upgrade).')


def _check_files(archive, upload_dir):
    entries = archive.members
    for storage_name in archive.manifest['files']:
        target = Path(upload_dir) / storage_name
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise BackupError(f'{target} sudah ada dan bukan berkas biasa.')
        if target.exists() and _file_digest(target) != (entries[FILE_DIR + storage_name]['sha256'],
                                                        entries[FILE_DIR + storage_name]['size']):
            raise BackupError(f'{target} sudah ada dengan isi lain; pakai direktori unggahan kosong.')


@dataclass(frozen=True)
class RestoreSummary:
    sha256: str
    size: int
    revision: str
    created_at: str
    tables: list   # [(name, rows)]
    files: int
    file_bytes: int

    @property
    def rows(self):
        return sum(rows for _, rows in self.tables)


class FileWriter:
    """Writes files into the upload directory (temporary name, then rename) and, when the block it guards
    fails, removes every file it wrote. Use it around the unit of work:
    ``with FileWriter(dir) as files, unit_of_work(): load_archive(archive, files)``."""

    def __init__(self, upload_dir):
        self.root = Path(upload_dir)
        self.written = []

    def __enter__(self):
        self.root.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for path in reversed(self.written):
                path.unlink(missing_ok=True)
            self.written = []
        return False

    def write(self, storage_name, source, sha256, size):
        """Copy `source` to `storage_name`; refused unless its bytes have the expected hash and size."""
        target = self.root / storage_name
        if target.exists() and _file_digest(target) == (sha256, size):
            return 0  # the same bytes are there already
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix='.restore-', suffix='.part')
        try:
            digest, written = hashlib.sha256(), 0
            with os.fdopen(fd, 'wb') as handle:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    written += len(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            if (digest.hexdigest(), written) != (sha256, size):
                raise BackupError(f'Arsip berubah sejak diperiksa: isi {FILE_DIR}{storage_name} berbeda.')
            if target.exists():
                raise BackupError(f'{target} muncul selama pemulihan; dibatalkan.')
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.written.append(target)
        return written

    def sync(self):
        sync_directory(self.root)


def load_archive(archive, files, progress=None):
    """Insert the archive's rows into the current (empty) database in the caller's transaction, write its
    files through `files` (a FileWriter) and set PostgreSQL's sequences; flushes, never commits.

    The emptiness is checked again inside the transaction (on PostgreSQL with every table locked), and every
    member is hashed again while it is read: an archive changed since verify_archive() raises BackupError."""
    progress = progress or (lambda message: None)
    conn = db.session.connection()
    tables = _reflect(conn)
    _check_schema(archive, tables)
    if conn.dialect.name == 'postgresql':
        conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
        names = ', '.join(conn.dialect.identifier_preparer.format_table(t) for t in tables)
        conn.execute(sa.text(f'LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE'))
    for table in tables:
        if table.name in MIGRATION_ROWS:
            conn.execute(sa.delete(table).where(sa.text(MIGRATION_ROWS[table.name])))
    _check_empty(conn, tables)
    entries, described = archive.members, archive.tables
    restored = []
    with tarfile.open(archive.path, mode='r:*') as tar:
        members = {m.name: m for m in tar.getmembers()}
        for table in tables:
            info = described[table.name]
            rows = _load_table(conn, table, info, tar.extractfile(members[info['member']]), entries[info['member']])
            restored.append((table.name, rows))
            progress(f'tabel {table.name}: {rows} baris')
        names = archive.manifest['files']
        file_bytes = 0
        for number, storage_name in enumerate(names, 1):
            entry = entries[FILE_DIR + storage_name]
            files.write(storage_name, tar.extractfile(members[entry['name']]), entry['sha256'], entry['size'])
            file_bytes += entry['size']
            if number % 100 == 0 or number == len(names):
                progress(f'berkas {number}/{len(names)}')
        files.sync()
    if conn.dialect.name == 'postgresql':
        _reset_sequences(conn, tables)
    return RestoreSummary(sha256=archive.sha256, size=archive.size, revision=archive.revision,
                          created_at=archive.manifest['created_at'], tables=restored, files=len(names),
                          file_bytes=file_bytes)


def _insert_statement(table, dialect):
    values = {}
    for column in table.columns:
        param = sa.bindparam(f'v_{column.name}', type_=sa.Text if _is_json(column) else column.type)
        # the JSON text goes in as it was stored; PostgreSQL casts it, SQLite keeps text
        values[column.name] = sa.cast(param, column.type) if _is_json(column) and dialect == 'postgresql' else param
    return sa.insert(table).values(values)


def _load_table(conn, table, info, source, entry):
    statement = _insert_statement(table, conn.dialect.name)
    keys = [f'v_{name}' for name in info['columns']]
    digest, size, batch, rows = hashlib.sha256(), 0, [], 0
    for line in source:
        digest.update(line)
        size += len(line)
        try:
            values = [_decode(value) for value in json.loads(line)]
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f'Baris tidak terbaca di {info["member"]}: {exc}') from None
        batch.append(dict(zip(keys, values, strict=True)))
        if len(batch) >= BATCH:
            conn.execute(statement, batch)
            rows, batch = rows + len(batch), []
    if (digest.hexdigest(), size) != (entry['sha256'], entry['size']):
        raise BackupError(f'Arsip berubah sejak diperiksa: isi {info["member"]} berbeda.')
    if batch:
        conn.execute(statement, batch)
        rows += len(batch)
    if rows != info['rows']:
        raise BackupError(f'Tabel {table.name}: {rows} baris di arsip, manifest menyebut {info["rows"]}.')
    return rows


def _reset_sequences(conn, tables):
    """Each serial column's sequence continues after the largest restored id."""
    quote = conn.dialect.identifier_preparer
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = conn.execute(sa.text('SELECT pg_get_serial_sequence(:table, :column)'),
                                    {'table': quote.format_table(table), 'column': column.name}).scalar()
            if sequence:
                conn.execute(sa.text(
                    f'SELECT setval(:sequence, COALESCE((SELECT MAX({quote.quote(column.name)}) '  # noqa: S608
                    f'FROM {quote.format_table(table)}), 0) + 1, false)'), {'sequence': sequence})
