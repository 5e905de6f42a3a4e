"""Process definitions: immutable versions, the deployed one starts new instances."""
import hashlib
from pathlib import Path

from sqlalchemy import select

from app.engine import DiagramError
from app.extensions import db, workflow_engine
from app.models import ProcessDefinition
from app.roles import role_for_lane
from app.services import audit
from app.services.errors import NotFoundError, ValidationFailed
from app.timeutil import parse_duration

BPMN_DIR = Path(__file__).resolve().parents[2] / 'bpmn'


def deployed_definition(process_id):
    definition = db.session.execute(
        select(ProcessDefinition).where(ProcessDefinition.process_id == process_id,
                                        ProcessDefinition.deployed.is_(True))
        .order_by(ProcessDefinition.version.desc()).limit(1)).scalar()
    if definition is None:
        raise NotFoundError(f'Proses "{process_id}" belum di-deploy')
    return definition


def model_for(definition):
    """The parsed, cached engine model of one stored version."""
    return workflow_engine.load(definition.bpmn_xml.encode('utf-8'), definition.process_id)


def check_runnable(model, form_keys):
    """Problems per element id that would leave a task nobody can see or fill in."""
    problems = {}
    for task in model.user_tasks.values():
        if role_for_lane(task.lane) is None:
            problems.setdefault(task.bpmn_id, []).append(f'Lajur "{task.lane}" bukan peran SIKANDA')
        if task.form_key not in form_keys:
            problems.setdefault(task.bpmn_id, []).append(f'Formulir "{task.form_key}" tidak terdaftar')
        if task.sla and parse_duration(task.sla) is None:
            problems.setdefault(task.bpmn_id, []).append(f'Standar waktu "{task.sla}" bukan durasi ISO-8601')
    return problems


def install_shipped_diagrams(form_keys, actor=None):
    """Store each diagram in bpmn/ as version 1 (deployed) unless its process already exists."""
    installed = []
    for path in sorted(BPMN_DIR.glob('*.bpmn')):
        process_id = path.stem
        exists = db.session.execute(
            select(ProcessDefinition.id).where(ProcessDefinition.process_id == process_id).limit(1)).scalar()
        if exists:
            continue
        xml = path.read_bytes()
        try:
            problems = check_runnable(workflow_engine.load(xml, process_id), form_keys)
        except DiagramError as exc:
            problems = exc.problems
        if problems:
            raise ValidationFailed(f'Diagram {path.name} tidak dapat dipasang', problems)
        definition = ProcessDefinition(process_id=process_id, version=1, bpmn_xml=xml.decode('utf-8'),
                                       sha256=hashlib.sha256(xml).hexdigest(), deployed=True,
                                       author_id=getattr(actor, 'id', None))
        db.session.add(definition)
        db.session.flush()
        audit.record('diagram.deployed', actor, detail={'process_id': process_id, 'version': 1,
                                                        'sha256': definition.sha256})
        installed.append(definition)
    return installed
