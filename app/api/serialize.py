"""JSON shapes of the API (times are ISO-8601 in WITA)."""
from app.timeutil import to_wita


def iso(value):
    local = to_wita(value)
    return local.isoformat() if local else None


def task_json(task):
    return {
        'id': task.id, 'instance_id': task.instance_id, 'name': task.name, 'bpmn_id': task.bpmn_id,
        'lane': task.lane, 'form_key': task.form_key, 'status': task.status, 'created_at': iso(task.created_at),
        'started_at': iso(task.started_at), 'due_at': iso(task.due_at),
        'overdue': task.is_overdue,
        'claimed_by': task.claimed_by.username if task.claimed_by else None,
    }


def report_json(report):
    return {
        'nomor': report.nomor, 'judul': report.judul, 'status': report.status, 'tahap_sop': report.tahap_sop,
        'kecamatan_kode': report.kecamatan_kode, 'desa_kode': report.desa_kode, 'aspek': report.aspek,
        'jenis_athg': report.jenis_athg, 'tahap_konflik': report.tahap_konflik, 'eskalasi': report.eskalasi,
        'klasifikasi': report.klasifikasi, 'waktu_kejadian': iso(report.waktu_kejadian),
        'reporter': report.reporter.username, 'created_at': iso(report.created_at),
    }


def instance_json(instance, report, open_tasks):
    return {
        'id': instance.id, 'status': instance.status, 'process_id': instance.definition.process_id,
        'process_version': instance.definition.version, 'result': instance.end_event_name,
        'created_at': iso(instance.created_at), 'completed_at': iso(instance.completed_at),
        'tasks': [task_json(t) for t in open_tasks], 'report': report_json(report),
    }


def event_json(event):
    detail = {k: v for k, v in (event.detail or {}).items() if k != 'data'}
    return {'id': event.id, 'at': iso(event.created_at), 'actor': event.actor_username, 'role': event.role,
            'action': event.action, 'task_id': event.human_task_id, 'detail': detail,
            'prev_hash': event.prev_hash, 'hash': event.hash}


def audit_event_json(event):
    """The whole event, submitted data included (auditors only)."""
    return {'id': event.id, 'at': iso(event.created_at), 'actor': event.actor_username, 'role': event.role,
            'action': event.action, 'instance_id': event.instance_id, 'task_id': event.human_task_id,
            'detail': event.detail or {}, 'prev_hash': event.prev_hash, 'hash': event.hash}


def version_json(definition, running_instances):
    return {
        'version': definition.version, 'process_id': definition.process_id, 'sha256': definition.sha256,
        'author': definition.author.username if definition.author else None,
        'created_at': iso(definition.created_at), 'deployed': definition.deployed,
        'deployed_at': iso(definition.deployed_at), 'base_version': definition.base_version,
        'note': definition.note, 'running_instances': running_instances,
    }


def comparison_json(old_version, new_version, comparison):
    return {
        'from_version': old_version, 'to_version': new_version,
        'added': [{'element_id': i, 'name': n} for i, n in comparison.added],
        'removed': [{'element_id': i, 'name': n} for i, n in comparison.removed],
        'changed': [{'element_id': i, 'name': n, 'attributes': attrs} for i, n, attrs in comparison.changed],
    }


def notification_json(row):
    return {
        'id': row.id, 'kind': row.kind, 'title': row.title, 'body': row.body, 'link': row.link,
        'instance_id': row.instance_id, 'task_id': row.human_task_id, 'created_at': iso(row.created_at),
        'read': row.read_at is not None, 'email': row.email_status,
    }


def document_json(document):
    return {
        'id': document.id, 'instance_id': document.instance_id, 'kind': document.kind, 'nomor': document.nomor,
        'version': document.version, 'sha256': document.sha256, 'size': document.size, 'pages': document.pages,
        'created_at': iso(document.created_at),
        'created_by': document.created_by.username if document.created_by else None,
        'url': f'/api/v1/documents/{document.id}',
    }
