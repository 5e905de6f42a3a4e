"""Process definitions: immutable versions, the deployed one starts new instances."""
import hashlib
from pathlib import Path

from sqlalchemy import select

from app.extensions import db, workflow_engine
from app.models import ProcessDefinition
from app.services import audit
from app.services.errors import NotFoundError

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


def install_shipped_diagrams(actor=None):
    """Store each diagram in bpmn/ as version 1 (deployed) unless its process already exists."""
    installed = []
    for path in sorted(BPMN_DIR.glob('*.bpmn')):
        process_id = path.stem
        exists = db.session.execute(
            select(ProcessDefinition.id).where(ProcessDefinition.process_id == process_id).limit(1)).scalar()
        if exists:
            continue
        xml = path.read_bytes()
        workflow_engine.load(xml, process_id)  # refuse to install a diagram that cannot run
        definition = ProcessDefinition(process_id=process_id, version=1, bpmn_xml=xml.decode('utf-8'),
                                       sha256=hashlib.sha256(xml).hexdigest(), deployed=True,
                                       author_id=getattr(actor, 'id', None))
        db.session.add(definition)
        db.session.flush()
        audit.record('diagram.deployed', actor, detail={'process_id': process_id, 'version': 1,
                                                        'sha256': definition.sha256})
        installed.append(definition)
    return installed
