"""Official documents: built from the data of the workflow, numbered without gaps, rendered to PDF,
stored with their hash as immutable versions, and opened only by people who may read the report."""
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, ImageOps
from sqlalchemy import and_, func, or_, select, update

from app.extensions import db, file_store, pdf_renderer
from app.models import (
    Attachment,
    AuditEvent,
    Document,
    DocumentCounter,
    HumanTask,
    ProcessInstance,
    Report,
    Setting,
    TaskSubmission,
)
from app.roles import ADMINISTRATOR, PIMPINAN, READ_ALL_ROLES
from app.services import audit, document_settings, notifications, queries, reports
from app.services.errors import NotFoundError, PermissionDenied, ValidationFailed
from app.timeutil import to_wita, utcnow

KINDS = document_settings.KINDS
# the letter that a YA decision calls for, by the form of handling chosen
LETTER_FOR = {'rakor': 'surat_undangan', 'penugasan': 'surat_perintah_tugas'}
LETTERS = tuple(LETTER_FOR.values())
# steps (by form key) that cannot be completed before their document exists
REQUIRES_LETTER = ('rakor',)
# the documents each step makes by itself, and the form of that step
AUTOMATIC = (('laporan_informasi', 'verifikasi'), ('rumusan_kebijakan', 'publikasi'), ('notulen', 'rakor'))
SOURCE_FORMS = tuple(form_key for _, form_key in AUTOMATIC)
LOOKBACK = timedelta(days=7)
SINCE_KEY = 'dokumen_sejak'
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=15)
PHOTO_MAX_SIDE = 1400
MAX_PHOTOS_IN_DOCUMENT = 6


@dataclass(frozen=True)
class Download:
    document: Document
    allowed: bool


def may_read(user, report):
    """Documents are for officials who may read the report (an agent reads the report page instead)."""
    return reports.can_view(user, report) and user.has_role(*READ_ALL_ROLES, PIMPINAN)


def may_regenerate(user, report):
    return reports.can_view(user, report) and user.has_role(ADMINISTRATOR)


def letter_kind(instance_id):
    """The letter the leadership's YA decision asked for, or None."""
    return letter_kind_of(queries.submissions(instance_id))


def letter_kind_of(submissions):
    decision = _latest(submissions, 'keputusan_pimpinan')
    if decision is None or decision.data.get('keputusan') != 'ya':
        return None
    return LETTER_FOR.get(decision.data.get('bentuk_penanganan'))


def check_required(task):
    """Refuse to complete a step whose document does not exist yet."""
    if task.form_key not in REQUIRES_LETTER:
        return
    kind = letter_kind(task.instance_id)
    if kind and latest(task.instance_id, kind) is None:
        raise ValidationFailed(f'{KINDS[kind]} belum dibuat',
                               {'_document': [f'Buat {KINDS[kind]} terlebih dahulu: tahap ini mensyaratkannya.']})


def latest(instance_id, kind):
    return db.session.execute(select(Document).where(Document.instance_id == instance_id, Document.kind == kind)
                              .order_by(Document.version.desc()).limit(1)).scalar()


def for_instance(instance_id):
    """Every version of every document of the instance, newest version first within each kind."""
    return db.session.execute(select(Document).where(Document.instance_id == instance_id)
                              .order_by(Document.kind, Document.version.desc())).scalars().all()


def open_for_download(document_id, user):
    """The document if `user` may read it. A refusal is recorded too, so the caller commits either way."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFoundError('Dokumen tidak ditemukan')
    allowed = may_read(user, queries.report_by_instance(document.instance_id))
    audit.record('document.downloaded' if allowed else 'document.download_refused', user,
                 instance_id=document.instance_id,
                 detail={'document_id': document.id, 'kind': document.kind, 'nomor': document.nomor,
                         'version': document.version})
    return Download(document, allowed)


def missing_kinds(instance_id):
    """The automatic documents whose step is done but which do not exist yet. Steps completed before
    documents were introduced (`documents_since`) are not backfilled: their data has another shape and
    their numbers would fall into this year's register."""
    submissions = queries.submissions(instance_id)
    existing = set(db.session.execute(select(Document.kind).where(Document.instance_id == instance_id)).scalars())
    since = documents_since()
    return [kind for kind, form_key in AUTOMATIC
            if kind not in existing and _is_ready(_latest(submissions, form_key), since)]


def expected_after(form_key, data):
    """The automatic documents a step with this form and data calls for (no database work)."""
    return [kind for kind, source in AUTOMATIC
            if source == form_key and (form_key != 'verifikasi' or data.get('keputusan') == 'ya')]


def make_missing(instance_id, kind, user):
    """Generate `kind` unless it exists by now; checked under the instance lock, so a step's request and
    the scheduler never both make version 1. One per transaction: the counter's lock is held briefly."""
    _lock_instance(instance_id)
    if latest(instance_id, kind) is not None:
        return None
    return _store_version(instance_id, kind, user)


def produce_outputs(instance_id, user):
    """Every missing automatic document in the caller's transaction (seeding, examples, tests)."""
    return [made for kind in missing_kinds(instance_id) if (made := make_missing(instance_id, kind, user))]


def record_failure(instance_id, kind, error):
    """A document that could not be made: audited; after its last attempt the administrators are told."""
    audit.record('document.failed', None, instance_id=instance_id, detail={'kind': kind, 'error': str(error)[:300]})
    failures, _last = failures_of(instance_id).get(kind, (0, None))
    if failures >= MAX_ATTEMPTS:
        report = queries.report_by_instance(instance_id)
        notice = notifications.Notice(
            'dokumen_gagal', f'{KINDS[kind]} laporan {report.nomor} gagal dibuat',
            f'Sudah dicoba {failures} kali; sistem berhenti mencoba. Periksa data laporan dan lampirannya, '
            'lalu hubungi pengelola sistem.', link=f'/laporan/{instance_id}', instance_id=instance_id)
        notifications.notify(notifications.users_with_role(ADMINISTRATOR), notice,
                             f'dokumen-gagal-{instance_id}-{kind}')


def failures_of(instance_id):
    """{kind: (failed attempts, when the last one failed)} of the instance's documents."""
    found = {}
    for detail, at in db.session.execute(select(AuditEvent.detail, AuditEvent.created_at).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action == 'document.failed')):
        count, last = found.get(detail.get('kind'), (0, at))
        found[detail.get('kind')] = (count + 1, max(last, at))
    return found


def due_kinds(instance_id, now=None):
    """The missing documents the scheduler should try now: never failed, or failed fewer than
    MAX_ATTEMPTS times and not within RETRY_AFTER."""
    now = now or utcnow()
    failures = failures_of(instance_id)
    return [kind for kind in missing_kinds(instance_id)
            if _may_try(*failures.get(kind, (0, None)), now)]


def outstanding(instance_id, now=None):
    """(being made, given up): the missing documents the scheduler will still make, and those it will
    not (failed too often, or the step is older than the scheduler looks back)."""
    now = now or utcnow()
    failures = failures_of(instance_id)
    recent = set(db.session.execute(select(HumanTask.form_key).where(
        HumanTask.instance_id == instance_id, HumanTask.completed_at >= now - LOOKBACK)).scalars())
    coming, given_up = [], []
    for kind in missing_kinds(instance_id):
        count, _last = failures.get(kind, (0, None))
        alive = count < MAX_ATTEMPTS and dict(AUTOMATIC)[kind] in recent
        (coming if alive else given_up).append(kind)
    return coming, given_up


def _may_try(count, last_failure, now):
    return count == 0 or (count < MAX_ATTEMPTS and last_failure < now - RETRY_AFTER)


def documents_since():
    """When documents began: steps completed earlier get none (None on a database created with them)."""
    row = db.session.get(Setting, SINCE_KEY)
    return datetime.fromisoformat(row.value['sejak']) if row else None


def instances_missing_outputs(limit=50):
    """Instances with a document the scheduler should try now (see due_kinds): a step done, its document
    not there, and that document neither given up nor failed within RETRY_AFTER. Only steps completed
    within LOOKBACK are looked at: an index range, so an idle tick stays cheap however many reports
    there are."""
    now, since = utcnow(), documents_since()
    recent = select(HumanTask.instance_id).where(HumanTask.completed_at >= now - LOOKBACK,
                                                 HumanTask.form_key.in_(SOURCE_FORMS))

    def without(kind):
        return ~select(Document.id).where(Document.instance_id == Report.instance_id, Document.kind == kind).exists()

    def done(form_key):
        query = select(TaskSubmission.id).where(TaskSubmission.instance_id == Report.instance_id,
                                                TaskSubmission.form_key == form_key)
        return (query.where(TaskSubmission.created_at >= since) if since else query).exists()

    def may_try(kind):
        failed = (AuditEvent.instance_id == Report.instance_id, AuditEvent.action == 'document.failed',
                  AuditEvent.detail['kind'].as_string() == kind)
        count = select(func.count()).where(*failed).scalar_subquery()
        last = select(func.max(AuditEvent.created_at)).where(*failed).scalar_subquery()
        return or_(count == 0, and_(count < MAX_ATTEMPTS, last < now - RETRY_AFTER))

    def wanted(kind, ready):
        return and_(ready, without(kind), may_try(kind))

    missing = or_(wanted('laporan_informasi', and_(Report.verified_at.is_not(None), done('verifikasi'))),
                  wanted('rumusan_kebijakan', and_(Report.published_at.is_not(None), done('publikasi'))),
                  wanted('notulen', done('rakor')))
    query = (select(Report.instance_id).where(Report.instance_id.in_(recent), missing)
             .order_by(Report.instance_id).limit(limit))
    return db.session.execute(query).scalars().all()


def _is_ready(source, since):
    if source is None or (since and source.created_at < since):
        return False
    return bool(expected_after(source.form_key, source.data))


def regenerate(document_id, user):
    """A new version of a document from today's data and settings; the old version stays."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFoundError('Dokumen tidak ditemukan')
    if not may_regenerate(user, queries.report_by_instance(document.instance_id)):
        raise PermissionDenied('Hanya Administrator yang dapat membuat ulang dokumen')
    _lock_instance(document.instance_id)
    # the newest version's input, whichever version was asked for
    newest = latest(document.instance_id, document.kind)
    return _store_version(document.instance_id, document.kind, user, data=newest.data)


def generate(instance_id, kind, user, data=None):
    """Render `kind` for the instance and store it: version 1 takes the next number of its type and
    year, a later version keeps the number."""
    _lock_instance(instance_id)
    return _store_version(instance_id, kind, user, data)


def _store_version(instance_id, kind, user, data=None):
    """The next version of `kind`, rendered and stored; the caller holds the instance lock."""
    report = queries.report_by_instance(instance_id)
    context, images = _build(kind, report, data)
    settings = document_settings.current()
    previous = latest(instance_id, kind)
    now = utcnow()
    if previous:
        first = _first_version(instance_id, kind)
        year, sequence, nomor, issued_at = previous.year, previous.sequence, previous.nomor, first.created_at
    else:
        issued_at = now
        year = to_wita(now).year
        sequence = _next_sequence(kind, year)
        numbering = settings['penomoran'][kind]
        nomor = document_settings.format_number(numbering['pola'], numbering['kode'], sequence, to_wita(now))
    context |= {'nomor': nomor, 'kop': settings['kop'], 'penandatangan': settings['penandatangan'].get(kind),
                'report': report, 'judul_dokumen': KINDS[kind], 'tanggal': to_wita(issued_at),
                'klasifikasi': (report.klasifikasi or 'terbatas').upper(),
                'versi': previous.version + 1 if previous else 1}
    rendered = pdf_renderer.render(f'{kind}.html', context, images)
    storage_name = file_store.save(rendered.data, '.pdf')
    db.session.info.setdefault('new_files', []).append(storage_name)  # removed again on rollback
    document = Document(instance_id=instance_id, kind=kind, year=year, sequence=sequence, nomor=nomor,
                        version=context['versi'], storage_name=storage_name,
                        sha256=hashlib.sha256(rendered.data).hexdigest(), size=len(rendered.data),
                        pages=rendered.pages, data=data, created_by_id=user.id if user else None, created_at=now)
    db.session.add(document)
    db.session.flush()
    audit.record('document.generated', user, instance_id=instance_id,
                 detail={'document_id': document.id, 'kind': kind, 'nomor': nomor, 'version': document.version,
                         'sha256': document.sha256})
    return document


def _lock_instance(instance_id):
    """One generation per instance at a time, so two versions never race for the same number. An
    UPDATE that changes nothing takes the row lock on PostgreSQL and the write lock on SQLite alike."""
    locked = db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                                .values(id=ProcessInstance.id)).rowcount
    if not locked:
        raise NotFoundError('Laporan tidak ditemukan')


def _first_version(instance_id, kind):
    return db.session.execute(select(Document).where(Document.instance_id == instance_id, Document.kind == kind,
                                                     Document.version == 1)).scalar_one()


def _next_sequence(kind, year):
    """The next number of `kind` in `year`. The counter row stays locked until the commit, so concurrent
    generations queue here, and a rollback returns the number: no gaps, no duplicates."""
    insert = _insert_ignore(DocumentCounter).values(kind=kind, year=year, last=0)
    db.session.execute(insert)
    return db.session.execute(
        update(DocumentCounter).where(DocumentCounter.kind == kind, DocumentCounter.year == year)
        .values(last=DocumentCounter.last + 1).returning(DocumentCounter.last)).scalar_one()


def _insert_ignore(model):
    if db.session.get_bind().dialect.name == 'postgresql':
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model).on_conflict_do_nothing()


def _latest(submissions, form_key):
    matching = [s for s in submissions if s.form_key == form_key]
    return matching[-1] if matching else None


def _submission_context(submission):
    if submission is None:
        return None
    return {'data': submission.data, 'oleh': submission.user.full_name, 'waktu': to_wita(submission.created_at)}


def _build(kind, report, data):
    """What the template of `kind` needs, and the images it may show."""
    submissions = queries.submissions(report.instance_id)
    laporan = _latest(submissions, 'laporan_informasi')
    context = {'laporan': _submission_context(laporan)}
    images = {}
    if kind == 'laporan_informasi':
        verification = _latest(submissions, 'verifikasi')
        if verification is None or verification.data.get('keputusan') != 'ya':
            raise ValidationFailed('Laporan belum diverifikasi', {'_document': ['Laporan belum diverifikasi YA.']})
        context['verifikasi'] = _submission_context(verification)
        context['foto'], images = _photos(report.instance_id)
    elif kind == 'rumusan_kebijakan':
        context['publikasi'] = _required(submissions, 'publikasi', 'Laporan belum dipublikasikan.')
        context['laporan_informasi'] = latest(report.instance_id, 'laporan_informasi')
    elif kind in LETTERS:
        if letter_kind_of(submissions) != kind:
            raise ValidationFailed('Jenis surat tidak sesuai keputusan',
                                   {'_document': [f'Keputusan pimpinan tidak meminta {KINDS[kind]}.']})
        context['keputusan'] = _required(submissions, 'keputusan_pimpinan', 'Belum ada keputusan pimpinan.')
        context['surat'] = data or {}
        context['rumusan'] = latest(report.instance_id, 'rumusan_kebijakan')
    elif kind == 'notulen':
        context['notulen'] = _required(submissions, 'rakor', 'Notulen belum diisi.')
        letter = next((d for d in (latest(report.instance_id, k) for k in LETTERS) if d), None)
        context |= {'surat_dasar': letter, 'judul_surat': KINDS[letter.kind] if letter else None}
    return context, images


def _required(submissions, form_key, message):
    found = _submission_context(_latest(submissions, form_key))
    if found is None:
        raise ValidationFailed(message, {'_document': [message]})
    return found


def _photos(instance_id):
    """The report's photos, scaled down for print (which also drops their metadata)."""
    rows = db.session.execute(select(Attachment).where(Attachment.instance_id == instance_id)
                              .order_by(Attachment.id).limit(MAX_PHOTOS_IN_DOCUMENT)).scalars().all()
    photos, images = [], {}
    for index, row in enumerate(rows, start=1):
        key = f'foto-{index}'
        with Image.open(file_store.path(row.storage_name)) as image:
            # a phone's portrait photo is stored sideways with an orientation tag, which re-encoding drops
            image = ImageOps.exif_transpose(image).convert('RGB')
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            buffer = io.BytesIO()
            image.save(buffer, 'JPEG', quality=80)
        images[key] = ('image/jpeg', buffer.getvalue())
        photos.append({'src': f'image:{key}', 'keterangan': row.caption or '', 'nomor': index})
    return photos, images
