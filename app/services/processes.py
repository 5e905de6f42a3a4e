"""Process definitions: immutable versions; one deployed version starts new instances.

A version is saved only after the whole candidate check: hardened XML, structural rules,
SIKANDA's lanes / forms / durations, and a dry run over every path. Deploying a version
(an older one = a rollback) never touches running instances; moving one is an explicit,
audited migration.
"""
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from app import engine
from app.engine import MigrationRefused
from app.extensions import db, workflow_engine
from app.models import HumanTask, ProcessDefinition, ProcessInstance, Report
from app.models.process import INSTANCE_RUNNING, TASK_OPEN
from app.roles import ADMINISTRATOR, PEMILIK_PROSES, role_for_lane
from app.services import audit
from app.services.errors import ConflictError, NotFoundError, PermissionDenied, ValidationFailed
from app.timeutil import format_wita, parse_duration, utcnow

BPMN_DIR = Path(__file__).resolve().parents[2] / 'bpmn'
# for the pages, which do not import the engine
MAX_BPMN_BYTES = engine.MAX_BPMN_BYTES
describe_changes = engine.describe_changes


class MigrationNotAllowed(ValidationFailed):
    """The instance cannot move to the target version; the message gives the reason."""


@dataclass
class CandidateCheck:
    """Outcome of checking a diagram: problems per element id, and the dry run when it got that far."""
    problems: dict
    dry_run: object = None
    sha256: str = ''

    @property
    def ok(self):
        return not self.problems


# --- reading -----------------------------------------------------------------------

def _deployed(process_id):
    return select(ProcessDefinition).where(ProcessDefinition.process_id == process_id,
                                           ProcessDefinition.deployed.is_(True))


def deployed_definition(process_id):
    definition = db.session.execute(_deployed(process_id)).scalar()
    if definition is None:
        raise NotFoundError(f'Proses "{process_id}" belum di-deploy')
    return definition


def definition(process_id, version):
    found = db.session.execute(select(ProcessDefinition).where(
        ProcessDefinition.process_id == process_id, ProcessDefinition.version == version)).scalar()
    if found is None:
        raise NotFoundError(f'Versi {version} dari proses "{process_id}" tidak ada')
    return found


def latest_definition(process_id):
    return db.session.execute(
        select(ProcessDefinition).where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc()).limit(1)).scalar()


def versions(process_id):
    """[(definition, running instance count)], newest first."""
    running = (select(ProcessInstance.definition_id, func.count().label('n'))
               .where(ProcessInstance.status == INSTANCE_RUNNING)
               .group_by(ProcessInstance.definition_id).subquery())
    rows = db.session.execute(
        select(ProcessDefinition, func.coalesce(running.c.n, 0))
        .outerjoin(running, running.c.definition_id == ProcessDefinition.id)
        .where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc())).all()
    return [(row[0], row[1]) for row in rows]


def running_count(definition_id):
    return db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.definition_id == definition_id, ProcessInstance.status == INSTANCE_RUNNING))


def running_reports(definition_id, limit=200):
    """Reports still running on one version, oldest first."""
    return db.session.execute(
        select(Report).join(ProcessInstance, ProcessInstance.id == Report.instance_id)
        .where(ProcessInstance.definition_id == definition_id, ProcessInstance.status == INSTANCE_RUNNING)
        .order_by(ProcessInstance.id).limit(limit)).scalars().all()


def model_for(definition):
    """The parsed, cached engine model of one stored version."""
    return (workflow_engine.cached(definition.sha256, definition.process_id)
            or workflow_engine.load(definition.bpmn_xml.encode('utf-8'), definition.process_id))


def compare(process_id, old_version, new_version):
    old, new = definition(process_id, old_version), definition(process_id, new_version)
    return workflow_engine.compare(model_for(old), model_for(new))


# --- checking ----------------------------------------------------------------------

def check_runnable(model, form_keys):
    """Problems per element id that would leave a task nobody can see or fill in."""
    problems = {}
    for lane_id, name in model.lanes.items():
        if role_for_lane(name) is None:
            problems.setdefault(lane_id, []).append(f'Lajur "{name or "(tanpa nama)"}" bukan peran SIKANDA')
    for task in model.user_tasks.values():
        if role_for_lane(task.lane) is None:
            problems.setdefault(task.bpmn_id, []).append(
                f'Lajur "{task.lane or "(tanpa lajur)"}" bukan peran SIKANDA')
        if not task.form_key:
            problems.setdefault(task.bpmn_id, []).append('User task harus memiliki formulir (form key)')
        elif task.form_key not in form_keys:
            problems.setdefault(task.bpmn_id, []).append(f'Formulir "{task.form_key}" tidak terdaftar')
        if not task.sla:
            problems.setdefault(task.bpmn_id, []).append('Standar waktu (properti "sla") wajib diisi')
        elif parse_duration(task.sla) is None:
            problems.setdefault(task.bpmn_id, []).append(f'Standar waktu "{task.sla}" bukan durasi ISO-8601')
    return problems


def check_candidate(xml, process_id, catalog):
    """Every rule, then the dry run; nothing is stored and no diagram code runs."""
    sha = hashlib.sha256(xml).hexdigest()
    try:
        xml.decode('utf-8')
    except UnicodeDecodeError:
        return CandidateCheck({'': ['Berkas BPMN harus berenkode UTF-8']}, sha256=sha)
    problems = workflow_engine.validate(xml, process_id, catalog.domains())
    if problems:
        return CandidateCheck(problems, sha256=sha)
    model = workflow_engine.load(xml, process_id)
    problems = check_runnable(model, catalog.keys)
    if problems:
        return CandidateCheck(problems, sha256=sha)
    report = workflow_engine.dry_run(
        model, lambda info: catalog.variants(info.form_key, model.condition_names))
    for path in report.failures:
        route = ' → '.join(f'{model.user_tasks[step].name} ({label})' for step, label in path.steps)
        problems.setdefault(path.element_id or '', []).append(
            f'Uji jalur gagal setelah {route or "awal proses"}: {path.message}')
    return CandidateCheck(problems, report, sha)


# --- writing -----------------------------------------------------------------------

def _require_owner(actor):
    if not actor.has_role(PEMILIK_PROSES):
        raise PermissionDenied('Hanya Pemilik Proses yang dapat mengubah diagram SOP')


def save_draft(process_id, xml, catalog, actor, base_version=None, expected_latest=None, note=None):
    """Store a checked diagram as the next version (not deployed). Returns (definition, created).

    `expected_latest` is the newest version the editor knew of: if someone saved since, the
    save is refused (409) instead of quietly ignoring their version.
    """
    _require_owner(actor)
    latest = latest_definition(process_id)
    if latest is None:
        raise NotFoundError(f'Proses "{process_id}" belum dipasang')
    if expected_latest is not None and latest.version != expected_latest:
        raise ConflictError(
            f'Versi {latest.version} sudah disimpan oleh {_author(latest)} pada {format_wita(latest.created_at)} '
            f'setelah Anda membuka editor (saat itu versi terbaru {expected_latest}). Perubahan Anda belum '
            'disimpan: simpan salinannya dengan "Unduh .bpmn". Muat ulang editor, lalu terapkan lagi perubahan Anda.')
    check = check_candidate(xml, process_id, catalog)
    if not check.ok:
        raise ValidationFailed('Diagram belum dapat disimpan: perbaiki kesalahan yang ditandai', check.problems)
    if check.sha256 == latest.sha256:
        return latest, False
    draft = ProcessDefinition(process_id=process_id, version=latest.version + 1, bpmn_xml=xml.decode('utf-8'),
                              sha256=check.sha256, author_id=actor.id, deployed=False,
                              base_version=base_version, note=(note or '').strip()[:500] or None)
    db.session.add(draft)
    db.session.flush()  # a concurrent save of the same number fails here: unique (process_id, version)
    audit.record('diagram.saved', actor, role=PEMILIK_PROSES, detail=_diagram_detail(draft))
    return draft, True


def deploy(process_id, version, catalog, actor):
    """Make `version` the one new instances start on; an older version than the current is a rollback."""
    _require_owner(actor)
    target = definition(process_id, version)
    if not target.deployed:
        # forms may have changed since the version was saved: check again, before any lock is taken
        check = check_candidate(target.bpmn_xml.encode('utf-8'), process_id, catalog)
        if not check.ok:
            raise ValidationFailed(f'Versi {version} tidak lagi lolos pemeriksaan', check.problems)
    # a concurrent deploy waits here; if it lost the race, the partial unique index turns it into a 409
    current = db.session.execute(_deployed(process_id).with_for_update(of=ProcessDefinition)).scalar()
    if current is target:
        return target, False
    if current is not None:
        current.deployed = False
        db.session.flush()  # at most one deployed row per process (partial unique index)
    target.deployed, target.deployed_at, target.deployed_by_id = True, utcnow(), actor.id
    db.session.flush()
    rollback = current is not None and target.version < current.version
    audit.record('diagram.rolled_back' if rollback else 'diagram.deployed', actor, role=PEMILIK_PROSES,
                 detail=_diagram_detail(target) | {'previous_version': getattr(current, 'version', None)})
    return target, True


def migrate_instance(instance_id, actor):
    """Move one running instance to the deployed version, if its current step is unchanged there."""
    if not actor.has_role(ADMINISTRATOR):
        raise PermissionDenied('Hanya Administrator yang dapat memindahkan laporan ke versi SOP lain')
    instance = db.session.execute(
        select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update(of=ProcessInstance)
        .execution_options(populate_existing=True)).scalar()
    if instance is None:
        raise NotFoundError('Laporan tidak ditemukan')
    if instance.status != INSTANCE_RUNNING:
        raise MigrationNotAllowed('Laporan yang sudah selesai tidak dipindahkan')
    source, target = instance.definition, deployed_definition(instance.definition.process_id)
    if source.id == target.id:
        raise MigrationNotAllowed(f'Laporan sudah berjalan pada versi {target.version} yang aktif')
    try:
        result = workflow_engine.migrate(model_for(source), model_for(target), instance.state)
    except MigrationRefused as exc:
        raise MigrationNotAllowed(f'Tidak dapat dipindahkan ke versi {target.version}: {exc}') from None
    instance.state, instance.definition, instance.updated_at = result.state, target, utcnow()
    _repoint_open_tasks(instance.id, result.ready_tasks)
    db.session.flush()
    audit.record('instance.migrated', actor, role=ADMINISTRATOR, instance_id=instance.id,
                 detail={'process_id': target.process_id, 'from_version': source.version,
                         'to_version': target.version, 'sha256': target.sha256})
    return instance


def _repoint_open_tasks(instance_id, ready_tasks):
    """Keep the inbox rows in step with the migrated state (same step, possibly a new task id)."""
    open_rows = db.session.execute(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                           HumanTask.status == TASK_OPEN)).scalars().all()
    by_bpmn_id = {row.bpmn_id: row for row in open_rows}
    for ready in ready_tasks:
        row = by_bpmn_id.get(ready.info.bpmn_id)
        if row is not None:
            row.task_uuid = ready.task_id


def install_shipped_diagrams(catalog, actor=None):
    """Store each diagram in bpmn/ as version 1 (deployed) unless its process already exists."""
    installed = []
    for path in sorted(BPMN_DIR.glob('*.bpmn')):
        process_id = path.stem
        if latest_definition(process_id) is not None:
            continue
        xml = path.read_bytes()
        check = check_candidate(xml, process_id, catalog)
        if not check.ok:
            raise ValidationFailed(f'Diagram {path.name} tidak dapat dipasang', check.problems)
        definition_ = ProcessDefinition(process_id=process_id, version=1, bpmn_xml=xml.decode('utf-8'),
                                        sha256=check.sha256, deployed=True, deployed_at=utcnow(),
                                        author_id=getattr(actor, 'id', None), note='Diagram bawaan')
        db.session.add(definition_)
        db.session.flush()
        audit.record('diagram.deployed', actor, detail=_diagram_detail(definition_))
        installed.append(definition_)
    return installed


def _diagram_detail(definition_):
    return {'process_id': definition_.process_id, 'version': definition_.version, 'sha256': definition_.sha256}


def _author(definition_):
    return definition_.author.full_name if definition_.author else 'sistem'

