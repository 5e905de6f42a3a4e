"""OpenAPI 3 description of the JSON API v1."""

ERROR = {'$ref': '#/components/schemas/Error'}


def _json(schema):
    return {'content': {'application/json': {'schema': schema}}}


def _responses(ok_status, ok_schema, *errors):
    responses = {str(ok_status): {'description': 'OK', **_json(ok_schema)}}
    for status in errors:
        responses[str(status)] = {'description': 'Galat', **_json(ERROR)}
    return responses


def _op(summary, ok_schema, *errors, ok_status=200, body=None, secured=True, params=()):
    operation = {'summary': summary, 'responses': _responses(ok_status, ok_schema, *errors)}
    if body:
        operation['requestBody'] = body
    if not secured:
        operation['security'] = []
    if params:
        operation['parameters'] = [{'name': p, 'in': 'path', 'required': True,
                                    'schema': {'type': 'string' if p == 'process_id' else 'integer'}}
                                   for p in params]
    return operation


def _ref(name):
    return {'$ref': f'#/components/schemas/{name}'}


SCHEMAS = {
    'Error': {'type': 'object', 'required': ['error', 'status'], 'properties': {
        'error': {'type': 'string'}, 'status': {'type': 'integer'},
        'errors': {'type': 'object', 'additionalProperties': {'type': 'array', 'items': {'type': 'string'}}}}},
    'Task': {'type': 'object', 'required': ['id', 'instance_id', 'name', 'lane', 'form_key', 'created_at',
                                            'due_at', 'overdue', 'claimed_by'], 'properties': {
        'id': {'type': 'integer'}, 'instance_id': {'type': 'integer'}, 'name': {'type': 'string'},
        'bpmn_id': {'type': 'string'}, 'lane': {'type': ['string', 'null']}, 'form_key': {'type': ['string', 'null']},
        'status': {'type': 'string'}, 'created_at': {'type': 'string', 'format': 'date-time'},
        'started_at': {'type': ['string', 'null'], 'format': 'date-time'},
        'due_at': {'type': ['string', 'null'], 'format': 'date-time'}, 'overdue': {'type': 'boolean'},
        'claimed_by': {'type': ['string', 'null']}}},
    'Field': {'type': 'object', 'required': ['name', 'type', 'required'], 'properties': {
        'name': {'type': 'string'}, 'label': {'type': 'string'}, 'type': {'type': 'string'},
        'required': {'type': 'boolean'}, 'choices': {'type': ['array', 'null'], 'items': {'type': 'object'}}}},
    'Report': {'type': 'object', 'properties': {
        'nomor': {'type': 'string'}, 'judul': {'type': ['string', 'null']}, 'status': {'type': 'string'},
        'tahap_sop': {'type': 'string'}, 'kecamatan_kode': {'type': ['string', 'null']},
        'desa_kode': {'type': ['string', 'null']}, 'aspek': {'type': ['string', 'null']},
        'jenis_athg': {'type': ['string', 'null']}, 'tahap_konflik': {'type': ['string', 'null']},
        'eskalasi': {'type': ['string', 'null']}, 'klasifikasi': {'type': ['string', 'null']},
        'waktu_kejadian': {'type': ['string', 'null']}, 'reporter': {'type': 'string'},
        'created_at': {'type': 'string'}}},
    'Instance': {'type': 'object', 'required': ['id', 'status', 'process_version', 'tasks'], 'properties': {
        'id': {'type': 'integer'}, 'status': {'type': 'string'}, 'process_id': {'type': 'string'},
        'process_version': {'type': 'integer'}, 'result': {'type': ['string', 'null']},
        'created_at': {'type': 'string'}, 'completed_at': {'type': ['string', 'null']},
        'tasks': {'type': 'array', 'items': _ref('Task')}, 'report': _ref('Report')}},
    'Event': {'type': 'object', 'required': ['id', 'at', 'action', 'hash', 'prev_hash'], 'properties': {
        'id': {'type': 'integer'}, 'at': {'type': 'string'}, 'actor': {'type': ['string', 'null']},
        'role': {'type': ['string', 'null']}, 'action': {'type': 'string'}, 'task_id': {'type': ['integer', 'null']},
        'detail': {'type': 'object'}, 'prev_hash': {'type': 'string'}, 'hash': {'type': 'string'}}},
    'AuditEvent': {'type': 'object', 'required': ['id', 'at', 'action', 'hash', 'prev_hash'], 'properties': {
        'id': {'type': 'integer'}, 'at': {'type': 'string'}, 'actor': {'type': ['string', 'null']},
        'role': {'type': ['string', 'null']}, 'action': {'type': 'string'},
        'instance_id': {'type': ['integer', 'null']}, 'task_id': {'type': ['integer', 'null']},
        'detail': {'type': 'object'}, 'prev_hash': {'type': 'string'}, 'hash': {'type': 'string'}}},
    'Document': {'type': 'object', 'required': ['id', 'kind', 'nomor', 'version', 'sha256', 'url'], 'properties': {
        'id': {'type': 'integer'}, 'instance_id': {'type': 'integer'},
        'kind': {'type': 'string', 'enum': ['laporan_informasi', 'rumusan_kebijakan', 'surat_undangan',
                                            'surat_perintah_tugas', 'notulen']},
        'nomor': {'type': 'string'}, 'version': {'type': 'integer'}, 'sha256': {'type': 'string'},
        'size': {'type': 'integer'}, 'pages': {'type': 'integer'}, 'created_at': {'type': 'string'},
        'created_by': {'type': ['string', 'null']}, 'url': {'type': 'string'}}},
    'Notification': {'type': 'object', 'required': ['id', 'kind', 'title', 'created_at', 'read'], 'properties': {
        'id': {'type': 'integer'}, 'title': {'type': 'string'}, 'body': {'type': ['string', 'null']},
        'kind': {'type': 'string', 'enum': ['tugas_baru', 'dikembalikan', 'tenggat_50', 'tenggat_100', 'eskalasi']},
        'link': {'type': ['string', 'null']}, 'instance_id': {'type': ['integer', 'null']},
        'task_id': {'type': ['integer', 'null']}, 'created_at': {'type': 'string', 'format': 'date-time'},
        'read': {'type': 'boolean'},
        'email': {'type': ['string', 'null'], 'enum': ['tertunda', 'terkirim', 'gagal', None]}}},
    'Version': {'type': 'object', 'required': ['version', 'sha256', 'deployed'], 'properties': {
        'version': {'type': 'integer'}, 'process_id': {'type': 'string'}, 'sha256': {'type': 'string'},
        'author': {'type': ['string', 'null']}, 'created_at': {'type': 'string'}, 'deployed': {'type': 'boolean'},
        'deployed_at': {'type': ['string', 'null']}, 'base_version': {'type': ['integer', 'null']},
        'note': {'type': ['string', 'null']}, 'running_instances': {'type': ['integer', 'null']}}},
    'DiagramErrors': {'type': 'object', 'required': ['error', 'errors'], 'properties': {
        'error': {'type': 'string'}, 'status': {'type': 'integer'},
        'errors': {'type': 'array', 'items': {'type': 'object', 'required': ['element_id', 'message'], 'properties': {
            'element_id': {'type': ['string', 'null']}, 'message': {'type': 'string'}}}}}},
    'Comparison': {'type': 'object', 'properties': {
        'from_version': {'type': 'integer'}, 'to_version': {'type': 'integer'},
        'added': {'type': 'array', 'items': {'type': 'object'}},
        'removed': {'type': 'array', 'items': {'type': 'object'}},
        'changed': {'type': 'array', 'items': {'type': 'object'}}}},
}

FORM_BODY = {'description': 'Isian formulir tugas: JSON, atau multipart/form-data bila ada foto (field `foto`).',
             'content': {'application/json': {'schema': {'type': 'object'}},
                         'multipart/form-data': {'schema': {'type': 'object'}}}}


BPMN_BODY = {'description': 'Diagram BPMN 2.0 (XML, maks. 2 MB). Parameter `base_version`: versi yang diedit; '
                           'bila sudah ada versi yang lebih baru, jawabannya 409.',
             'content': {'application/xml': {'schema': {'type': 'string'}}}}


def _diagram_op(summary, ok_schema, *errors, ok_status=200, body=None, params=()):
    operation = _op(summary, ok_schema, *errors, ok_status=ok_status, body=body, params=params)
    operation['responses']['422'] = {'description': 'Diagram ditolak; kesalahan per elemen',
                                     **_json(_ref('DiagramErrors'))}
    return operation


def _diagram_paths():
    version = _ref('Version')
    xml = {'content': {'application/xml': {'schema': {'type': 'string'}}}}
    create = _diagram_op('Simpan draf versi baru (hanya Pemilik Proses)', version, 401, 403, 404, 409,
                         ok_status=201, body=BPMN_BODY, params=('process_id',))
    create['parameters'] += [{'name': 'base_version', 'in': 'query', 'schema': {'type': 'integer'}},
                             {'name': 'note', 'in': 'query', 'schema': {'type': 'string'}}]
    create['responses']['200'] = {'description': 'Sama dengan versi terakhir; tidak ada versi baru',
                                  **_json(version)}
    return {
        '/processes/{process_id}/versions': {
            'get': _op('Daftar versi diagram', {'type': 'array', 'items': version}, 401, 403,
                       params=('process_id',)),
            'post': create},
        '/processes/{process_id}/versions/{version}/deploy': {'post': _diagram_op(
            'Deploy versi (versi lama = rollback)', version, 401, 403, 404, 409, params=('process_id', 'version'))},
        '/processes/{process_id}/versions/{version}/bpmn': {'get': {
            **_op('Unduh diagram versi ini', {'type': 'string'}, 401, 403, 404, params=('process_id', 'version')),
            'responses': {'200': {'description': 'BPMN XML', **xml},
                          **{str(s): {'description': 'Galat', **_json(ERROR)} for s in (401, 403, 404)}}}},
        '/processes/{process_id}/versions/{version}/compare/{other}': {'get': _op(
            'Bandingkan dua versi (elemen ditambah, dihapus, diubah)', _ref('Comparison'), 401, 403, 404,
            params=('process_id', 'version', 'other'))},
        '/instances/{instance_id}/migrate': {'post': _op(
            'Pindahkan laporan yang berjalan ke versi aktif (hanya Administrator)', {'type': 'object'},
            401, 403, 404, 409, 422, params=('instance_id',))},
    }


def _document_paths():
    pdf = {'description': 'Berkas PDF (header X-Document-SHA256 = hash yang tersimpan)',
           'content': {'application/pdf': {'schema': {'type': 'string', 'format': 'binary'}}}}
    return {
        '/instances/{instance_id}/documents': {'get': _op(
            'Dokumen resmi laporan (semua versi, terbaru dahulu per jenis)',
            {'type': 'array', 'items': _ref('Document')}, 401, 403, 404, params=('instance_id',))},
        '/tasks/{task_id}/letter': {'post': _op(
            'Buat surat yang disyaratkan tahap ini (lagi = versi baru, nomor tetap); isian: `letter.fields` '
            'dari GET /tasks/{task_id}', _ref('Document'), 401, 403, 404, 409, 422, ok_status=201, body=FORM_BODY,
            params=('task_id',))},
        '/documents/{document_id}': {'get': {
            **_op('Unduh PDF dokumen (dicatat di jejak audit, juga bila ditolak)', {'type': 'string'}, 401, 403, 404,
                  params=('document_id',)),
            'responses': {'200': pdf, **{str(s): {'description': 'Galat', **_json(ERROR)} for s in (401, 403, 404)}}}},
    }


def _audit_events_op():
    operation = _op('Jejak audit global, terbaru di atas (auditor dan superadmin)', {
        'type': 'object', 'required': ['events', 'next_before'], 'properties': {
            'events': {'type': 'array', 'items': _ref('AuditEvent')},
            'next_before': {'type': ['integer', 'null']}}}, 401, 403, 422)
    date = {'type': 'string', 'format': 'date'}
    query = {'from': date, 'to': date, 'actor': {'type': 'string'}, 'role': {'type': 'string'},
             'action': {'type': 'string'}, 'instance_id': {'type': 'integer'}, 'kecamatan': {'type': 'string'},
             'before': {'type': 'integer'}, 'limit': {'type': 'integer', 'minimum': 1, 'maximum': 500}}
    operation['parameters'] = [{'name': name, 'in': 'query', 'schema': schema} for name, schema in query.items()]
    return operation


def _tasks_op(task):
    operation = _op('Kotak tugas pemanggil (hanya lajurnya), satu halaman; header Link rel="next" bila masih ada',
                    {'type': 'array', 'items': task}, 401)
    query = {'limit': {'type': 'integer', 'minimum': 1, 'maximum': 200}, 'offset': {'type': 'integer', 'minimum': 0}}
    operation['parameters'] = [{'name': name, 'in': 'query', 'schema': schema} for name, schema in query.items()]
    return operation


def _notifications_op():
    operation = _op('Notifikasi pemanggil, terbaru di atas', {
        'type': 'object', 'required': ['notifications', 'unread', 'next_before'], 'properties': {
            'notifications': {'type': 'array', 'items': _ref('Notification')},
            'unread': {'type': 'integer'}, 'next_before': {'type': ['integer', 'null']}}}, 401)
    query = {'before': {'type': 'integer'}, 'limit': {'type': 'integer', 'minimum': 1, 'maximum': 200}}
    operation['parameters'] = [{'name': name, 'in': 'query', 'schema': schema} for name, schema in query.items()]
    return operation


def _compliance_op():
    number = {'type': ['number', 'null']}
    group = {'type': 'object', 'required': ['key', 'label', 'handled', 'median_hours', 'p90_hours',
                                            'share_within_standard', 'overdue_open'], 'properties': {
        'key': {'type': ['string', 'null']}, 'label': {'type': 'string'}, 'handled': {'type': 'integer'},
        'median_hours': number, 'p90_hours': number, 'within_standard': {'type': 'integer'},
        'with_deadline': {'type': 'integer'}, 'share_within_standard': number,
        'overdue_open': {'type': 'integer'}, 'standard_hours': number}}
    groups = {'type': 'array', 'items': group}
    operation = _op('Kepatuhan SOP per langkah, peran dan pengguna (Administrator, Pimpinan, Auditor)', {
        'type': 'object', 'required': ['from', 'to', 'steps', 'roles', 'users', 'months'], 'properties': {
            'from': {'type': 'string', 'format': 'date'}, 'to': {'type': 'string', 'format': 'date'},
            'steps': groups, 'roles': groups, 'users': groups, 'months': groups}}, 401, 403, 422)
    operation['parameters'] = [{'name': name, 'in': 'query', 'schema': {'type': 'string', 'format': 'date'}}
                               for name in ('from', 'to')]
    return operation


def openapi_document():
    task = _ref('Task')
    return {
        'openapi': '3.1.0',
        'info': {'title': 'SIKANDA API', 'version': '1.0.0',
                 'description': 'Sistem Informasi Kewaspadaan Dini di Daerah, Kabupaten Balangan. '
                                'Waktu dalam ISO-8601 WITA (+08:00).'},
        'servers': [{'url': '/api/v1'}],
        'security': [{'bearerAuth': []}],
        'components': {'schemas': SCHEMAS,
                       'securitySchemes': {'bearerAuth': {'type': 'http', 'scheme': 'bearer'}}},
        'paths': {
            '/auth/token': {'post': _op(
                'Tukar nama pengguna dan kata sandi dengan token', {'type': 'object', 'required': ['token'],
                                                                   'properties': {'token': {'type': 'string'}}},
                401, secured=False, body={'content': {'application/json': {'schema': {
                    'type': 'object', 'required': ['username', 'password'],
                    'properties': {'username': {'type': 'string'}, 'password': {'type': 'string'}}}}}}),
                'delete': {'summary': 'Cabut token yang dipakai (keluar)', 'responses': {
                    '204': {'description': 'Token dicabut'}, '401': {'description': 'Galat', **_json(ERROR)}}}},
            '/me': {'get': _op('Pengguna dan perannya', {'type': 'object', 'properties': {
                'username': {'type': 'string'}, 'roles': {'type': 'array', 'items': {'type': 'string'}}}}, 401)},
            '/processes/{process_id}/instances': {'post': _op(
                'Mulai laporan baru (tugas pertama untuk pelapor)', _ref('Instance'), 401, 403, 404,
                ok_status=201, params=('process_id',))},
            '/tasks': {'get': _tasks_op(task)},
            '/tasks/{task_id}': {'get': _op('Tugas beserta deskripsi formulirnya', {'allOf': [task, {
                'type': 'object', 'properties': {'fields': {'type': 'array', 'items': _ref('Field')}}}]},
                401, 403, 404, 409, params=('task_id',))},
            '/tasks/{task_id}/claim': {'post': _op('Klaim tugas', task, 401, 403, 404, 409, params=('task_id',))},
            '/tasks/{task_id}/release': {'post': _op('Lepas tugas', task, 401, 403, 404, 409,
                                                     params=('task_id',))},
            '/tasks/{task_id}/complete': {'post': _op(
                'Selesaikan tugas. Dokumen resmi tahap ini dibuat segera (documents) atau oleh penjadwal '
                'dalam satu-dua menit (documents_pending: jenisnya)', {'type': 'object', 'properties': {
                    'instance': _ref('Instance'), 'documents': {'type': 'array', 'items': _ref('Document')},
                    'documents_pending': {'type': 'array', 'items': {'type': 'string'}}}},
                401, 403, 404, 409, 422, body=FORM_BODY, params=('task_id',))},
            '/instances/{instance_id}': {'get': _op('Status instans dan ringkasan laporan', _ref('Instance'),
                                                    401, 403, 404, params=('instance_id',))},
            '/instances/{instance_id}/history': {'get': _op(
                'Riwayat kejadian berurutan', {'type': 'array', 'items': _ref('Event')}, 401, 403, 404,
                params=('instance_id',))},
            **_diagram_paths(),
            '/audit/events': {'get': _audit_events_op()},
            '/notifications': {'get': _notifications_op()},
            '/reports/compliance': {'get': _compliance_op()},
            **_document_paths(),
        },
    }
