"""OpenAPI 3 description of the JSON API v1."""
from app.dashboard.forms import EARLIEST, LATEST, MAX_DAYS
from app.request_guards import MAX_ID  # ids in paths are the database's integers; a larger one is 404
from app.services import compliance
from app.services.document_settings import KINDS as DOCUMENT_KINDS
from app.services.notifications import KIND_LABELS as NOTIFICATION_KINDS

ERROR = {'$ref': '#/components/schemas/Error'}

ERROR_DESCRIPTIONS = {
    400: 'Permintaan tidak dapat dibaca (mis. karakter NUL)',
    401: 'Token tidak ada, tidak valid atau kedaluwarsa',
    403: 'Tidak berhak (peran, lajur, atau laporan sendiri)',
    404: 'Tidak ditemukan',
    409: 'Konflik: sudah dikerjakan, diklaim orang lain, atau ada versi yang lebih baru',
    413: 'Badan permintaan terlalu besar',
    422: 'Data tidak valid; `errors` per field',
    429: 'Terlalu banyak percobaan; tunggu beberapa menit',
}


def _json(schema):
    return {'content': {'application/json': {'schema': schema}}}


def _error(status):
    return {'description': ERROR_DESCRIPTIONS.get(status, 'Galat'), **_json(ERROR)}


def _responses(ok_status, ok_schema, *errors):
    responses = {str(ok_status): {'description': 'OK', **_json(ok_schema)}}
    for status in errors:
        responses[str(status)] = _error(status)
    return responses


def _op(summary, ok_schema, *errors, ok_status=200, body=None, secured=True, params=()):
    operation = {'summary': summary, 'responses': _responses(ok_status, ok_schema, *errors)}
    if body:
        operation['requestBody'] = body
    if not secured:
        operation['security'] = []
    if params:
        operation['parameters'] = [{'name': p, 'in': 'path', 'required': True, 'schema': {'type': 'string'}
                                    if p == 'process_id' else {'type': 'integer', 'minimum': 1, 'maximum': MAX_ID}}
                                   for p in params]
    return operation


def _ref(name):
    return {'$ref': f'#/components/schemas/{name}'}


# what the pages' numbers mean; a number outside the range is brought into it, anything else is ignored
PAGING = {'limit': 'Banyaknya per halaman (di luar rentang: dibawa ke batas terdekat)',
          'offset': 'Lewati sebanyak ini (di luar rentang: dibawa ke batas terdekat)',
          'before': 'Hanya yang id-nya lebih kecil (`next_before` halaman sebelumnya)'}


def _query(parameters):
    return [{'name': name, 'in': 'query', 'schema': schema, **({'description': PAGING[name]} if name in PAGING else {})}
            for name, schema in parameters.items()]


SCHEMAS = {
    'Error': {'type': 'object', 'required': ['error', 'status'], 'properties': {
        'error': {'type': 'string'}, 'status': {'type': 'integer'},
        'errors': {'type': 'object', 'description': 'Pesan per field; field daftar: satu objek per baris',
                   'additionalProperties': {'type': 'array', 'items': {'type': ['string', 'object']}}}}},
    'Task': {'type': 'object', 'required': ['id', 'instance_id', 'name', 'lane', 'form_key', 'created_at',
                                            'due_at', 'overdue', 'claimed_by'], 'properties': {
        'id': {'type': 'integer'}, 'instance_id': {'type': 'integer'}, 'name': {'type': 'string'},
        'bpmn_id': {'type': 'string'}, 'lane': {'type': ['string', 'null']}, 'form_key': {'type': ['string', 'null']},
        'status': {'type': 'string'}, 'created_at': {'type': 'string', 'format': 'date-time'},
        'started_at': {'type': ['string', 'null'], 'format': 'date-time'},
        'due_at': {'type': ['string', 'null'], 'format': 'date-time'}, 'overdue': {'type': 'boolean'},
        'claimed_by': {'type': ['string', 'null']}}},
    'Field': {'type': 'object', 'required': ['name', 'label', 'type', 'required', 'choices'], 'properties': {
        'name': {'type': 'string'}, 'label': {'type': 'string'}, 'type': {'type': 'string'},
        'required': {'type': 'boolean'},
        'choices': {'type': ['array', 'null'], 'items': {
            'type': 'object', 'required': ['value', 'label'], 'properties': {
                'value': {'type': 'string'}, 'label': {'type': 'string'}, 'group': {'type': 'string'}}}},
        'max_rows': {'type': ['integer', 'null'], 'description': 'field `list`: baris paling banyak'},
        'fields': {'type': 'array', 'description': 'field `list`: isian tiap baris', 'items': {
            'type': 'object', 'required': ['name', 'label', 'type'], 'properties': {
                'name': {'type': 'string'}, 'label': {'type': 'string'}, 'type': {'type': 'string'}}}}}},
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
        'kind': {'type': 'string', 'enum': list(DOCUMENT_KINDS)},
        'nomor': {'type': 'string'}, 'version': {'type': 'integer'}, 'sha256': {'type': 'string'},
        'size': {'type': 'integer'}, 'pages': {'type': 'integer'}, 'created_at': {'type': 'string'},
        'created_by': {'type': ['string', 'null']}, 'url': {'type': 'string'}}},
    'Notification': {'type': 'object', 'required': ['id', 'kind', 'title', 'created_at', 'read'], 'properties': {
        'id': {'type': 'integer'}, 'title': {'type': 'string'}, 'body': {'type': ['string', 'null']},
        'kind': {'type': 'string', 'enum': list(NOTIFICATION_KINDS)},
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
        'added': {'type': 'array', 'items': _ref('Element')},
        'removed': {'type': 'array', 'items': _ref('Element')},
        'changed': {'type': 'array', 'items': {'type': 'object', 'required': ['element_id', 'name', 'attributes'],
                                               'properties': {'element_id': {'type': 'string'},
                                                              'name': {'type': 'string'},
                                                              'attributes': {'type': 'array',
                                                                             'items': {'type': 'string'}}}}}}},
    'Element': {'type': 'object', 'required': ['element_id', 'name'], 'properties': {
        'element_id': {'type': 'string'}, 'name': {'type': 'string'}}},
    'Letter': {'type': ['object', 'null'], 'description': 'Surat yang harus dibuat dahulu (POST /tasks/{id}/letter)',
               'required': ['kind', 'document', 'fields'], 'properties': {
                   'kind': {'type': 'string', 'enum': ['surat_undangan', 'surat_perintah_tugas']},
                   'document': {'oneOf': [_ref('Document'), {'type': 'null'}]},
                   'fields': {'type': 'array', 'items': _ref('Field')}}},
}
# every field of these shapes is always sent (null where its type allows)
for _shape in ('Task', 'Report', 'Instance', 'Event', 'AuditEvent', 'Document', 'Notification', 'Version',
               'Comparison'):
    SCHEMAS[_shape]['required'] = list(SCHEMAS[_shape]['properties'])

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
    create = _diagram_op('Simpan draf versi baru (hanya Pemilik Proses)', version, 401, 403, 404, 409, 413,
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
            'responses': {'200': {'description': 'BPMN XML', **xml}, **{str(s): _error(s) for s in (401, 403, 404)}}}},
        '/processes/{process_id}/versions/{version}/compare/{other}': {'get': _op(
            'Bandingkan dua versi (elemen ditambah, dihapus, diubah)', _ref('Comparison'), 401, 403, 404,
            params=('process_id', 'version', 'other'))},
        '/instances/{instance_id}/migrate': {'post': _op(
            'Pindahkan laporan yang berjalan ke versi aktif (hanya Administrator)', {
                'type': 'object', 'required': ['id', 'process_version'], 'properties': {
                    'id': {'type': 'integer'}, 'process_version': {'type': 'integer'}}},
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
            'dari GET /tasks/{task_id}', _ref('Document'), 401, 403, 404, 409, 413, 422, ok_status=201, body=FORM_BODY,
            params=('task_id',))},
        '/documents/{document_id}': {'get': {
            **_op('Unduh PDF dokumen (dicatat di jejak audit, juga bila ditolak)', {'type': 'string'}, 401, 403, 404,
                  params=('document_id',)),
            'responses': {'200': pdf, **{str(s): _error(s) for s in (401, 403, 404)}}}},
    }


def _audit_events_op():
    operation = _op('Jejak audit global, terbaru di atas (auditor dan superadmin)', {
        'type': 'object', 'required': ['events', 'next_before'], 'properties': {
            'events': {'type': 'array', 'items': _ref('AuditEvent')},
            'next_before': {'type': ['integer', 'null']}}}, 401, 403, 422)
    date = {'type': 'string', 'format': 'date'}
    query = {'from': date, 'to': date, 'actor': {'type': 'string'}, 'role': {'type': 'string'},
             'action': {'type': 'string'}, 'instance_id': {'type': 'integer', 'minimum': 1, 'maximum': MAX_ID},
             'kecamatan': {'type': 'string'},
             'before': {'type': 'integer'}, 'limit': {'type': 'integer', 'minimum': 1, 'maximum': 500}}
    operation['parameters'] = _query(query)
    return operation


def _tasks_op(task):
    operation = _op('Kotak tugas pemanggil (hanya lajurnya), satu halaman; header Link rel="next" bila masih ada',
                    {'type': 'array', 'items': task}, 401)
    query = {'limit': {'type': 'integer', 'minimum': 1, 'maximum': 200}, 'offset': {'type': 'integer', 'minimum': 0}}
    operation['parameters'] = _query(query)
    operation['responses']['200']['headers'] = {'Link': {
        'description': 'Halaman berikutnya, `<…>; rel="next"`, bila masih ada', 'schema': {'type': 'string'}}}
    return operation


def _notifications_op():
    operation = _op('Notifikasi pemanggil, terbaru di atas', {
        'type': 'object', 'required': ['notifications', 'unread', 'next_before'], 'properties': {
            'notifications': {'type': 'array', 'items': _ref('Notification')},
            'unread': {'type': 'integer'}, 'next_before': {'type': ['integer', 'null']}}}, 401)
    query = {'before': {'type': 'integer'}, 'limit': {'type': 'integer', 'minimum': 1, 'maximum': 200}}
    operation['parameters'] = _query(query)
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
    period = (f'Hari WITA, {EARLIEST.isoformat()} s.d. {LATEST.isoformat()}; periode paling panjang {MAX_DAYS} '
              f'hari (lain dari itu: 422); tanpa from/to: {compliance.DEFAULT_DAYS} hari terakhir')
    operation['parameters'] = [{'name': name, 'in': 'query', 'description': period,
                                'schema': {'type': 'string', 'format': 'date'}} for name in ('from', 'to')]
    return operation


def _task_detail():
    task = SCHEMAS['Task']
    extra = {'fields': {'type': 'array', 'items': _ref('Field')}, 'report_nomor': {'type': 'string'},
             'letter': _ref('Letter')}
    return {'type': 'object', 'required': [*task['required'], *extra],
            'properties': {**task['properties'], **extra}}


def openapi_document():
    task = _ref('Task')
    document = {
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
                'Tukar nama pengguna dan kata sandi dengan token. Percobaan yang gagal dibatasi per akun dan per '
                'alamat: bila habis, 429 sampai batasnya pulih', {
                    'type': 'object', 'required': ['token', 'token_type', 'expires_in'], 'properties': {
                        'token': {'type': 'string'}, 'token_type': {'type': 'string', 'enum': ['Bearer']},
                        'expires_in': {'type': 'integer', 'description': 'detik'}}},
                401, 429, secured=False, body={'required': True, 'content': {'application/json': {'schema': {
                    'type': 'object', 'required': ['username', 'password'],
                    'properties': {'username': {'type': 'string'}, 'password': {'type': 'string'}}}}}}),
                'delete': {'summary': 'Cabut token yang dipakai (keluar)', 'responses': {
                    '204': {'description': 'Token dicabut'}, '401': _error(401)}}},
            '/me': {'get': _op('Pengguna dan perannya', {
                'type': 'object', 'required': ['username', 'full_name', 'roles'], 'properties': {
                    'username': {'type': 'string'}, 'full_name': {'type': 'string'},
                    'roles': {'type': 'array', 'items': {'type': 'string'}}}}, 401)},
            '/processes/{process_id}/instances': {'post': _op(
                'Mulai laporan baru (tugas pertama untuk pelapor)', _ref('Instance'), 401, 403, 404,
                ok_status=201, params=('process_id',))},
            '/tasks': {'get': _tasks_op(task)},
            '/tasks/{task_id}': {'get': _op('Tugas beserta deskripsi formulirnya', _task_detail(),
                                            401, 403, 404, 409, params=('task_id',))},
            '/tasks/{task_id}/claim': {'post': _op('Klaim tugas', task, 401, 403, 404, 409, params=('task_id',))},
            '/tasks/{task_id}/release': {'post': _op('Lepas tugas', task, 401, 403, 404, 409,
                                                     params=('task_id',))},
            '/tasks/{task_id}/complete': {'post': _op(
                'Selesaikan tugas. Dokumen resmi tahap ini dibuat segera (documents) atau oleh penjadwal '
                'dalam satu-dua menit (documents_pending: jenisnya)', {
                    'type': 'object', 'required': ['instance', 'documents', 'documents_pending'], 'properties': {
                        'instance': _ref('Instance'), 'documents': {'type': 'array', 'items': _ref('Document')},
                        'documents_pending': {'type': 'array', 'items': {'type': 'string',
                                                                         'enum': list(DOCUMENT_KINDS)}}}},
                401, 403, 404, 409, 413, 422, body=FORM_BODY, params=('task_id',))},
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
    # any request may be refused before its operation reads it (a NUL character in a field, the path or the query)
    for operations in document['paths'].values():
        for operation in operations.values():
            operation['responses'].setdefault('400', _error(400))
    return document
