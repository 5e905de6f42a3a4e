"""Photo uploads: recognised by content, re-encoded without metadata (EXIF time and place kept in the
database first), bombs, sizes and path-like names refused, served only after the access check."""
import hashlib
import io
from datetime import datetime
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db, file_store
from app.models import Attachment, AuditEvent, Report
from app.services.attachments import Upload, check_photos
from app.services.errors import ValidationFailed
from tests import helpers
from tests.helpers import Api, image_bytes, web_login


def exif_photo(size=(80, 60), orientation=None):
    """A JPEG as a phone writes it: capture time with its offset, GPS position, maybe a rotation tag."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = 'Ponsel Uji'
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = '2026:11:27 14:05:30'
    details[ExifTags.Base.OffsetTimeOriginal] = '+08:00'
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = 'S'
    gps[ExifTags.GPS.GPSLatitude] = (2.0, 19.0, 30.0)       # 2°19'30" S: Paringin
    gps[ExifTags.GPS.GPSLongitudeRef] = 'E'
    gps[ExifTags.GPS.GPSLongitude] = (115.0, 28.0, 12.0)
    buffer = io.BytesIO()
    Image.new('RGB', size, (200, 40, 40)).save(buffer, 'JPEG', exif=exif, comment=b'<?php system($_GET[1]); ?>')
    return buffer.getvalue()


def file_with_photos(client, photos, username='agen1'):
    """Start a report and submit it with `photos` [(name, bytes)]; returns the response."""
    api = Api(client, username)
    task_id = api.start()['tasks'][0]['id']
    data = dict(helpers.REPORT, foto=[(io.BytesIO(content), name) for name, content in photos])
    return api.post(f'/tasks/{task_id}/complete', data=data)


def stored(app):
    with app.app_context():
        return db.session.execute(select(Attachment).order_by(Attachment.id)).scalars().all()


def stored_bytes(row):
    return file_store.path(row.storage_name).read_bytes()


def files_on_disk(app):
    return sorted(path.name for path in Path(app.config['UPLOAD_DIR']).iterdir())


def test_exif_time_and_place_are_kept_in_the_database_and_stripped_from_the_file(app, client):
    original = exif_photo()
    assert file_with_photos(client, [('IMG_0001.jpg', original)]).status_code == 200
    [row] = stored(app)
    assert row.taken_at == datetime(2026, 11, 27, 6, 5, 30)           # 14:05:30 WITA in UTC
    assert (row.gps_lat, row.gps_lon) == (pytest.approx(-2.325), pytest.approx(115.47))
    with app.app_context():
        kept = stored_bytes(row)
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == 'attachment.uploaded')).scalar()
    assert kept != original and hashlib.sha256(kept).hexdigest() == row.sha256 and row.size == len(kept)
    assert event.detail['original_sha256'] == hashlib.sha256(original).hexdigest()
    assert event.detail['gps'] == [pytest.approx(-2.325), pytest.approx(115.47)]
    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == 'JPEG' and not image.getexif() and 'comment' not in image.info
    assert b'php' not in kept and b'Ponsel Uji' not in kept


def test_a_rotated_phone_photo_is_stored_upright(app, client):
    assert file_with_photos(client, [('potret.jpg', exif_photo((80, 60), orientation=6))]).status_code == 200
    [row] = stored(app)
    assert (row.width, row.height) == (60, 80)


@pytest.mark.parametrize('tail', [b'<script>alert(document.cookie)</script>',
                                  b'PK\x03\x04' + b'\x00' * 26 + b'evil.html<html><script>x()</script>'])
def test_a_polyglot_loses_what_was_glued_on(app, client, tail):
    assert file_with_photos(client, [('bukti.jpg', image_bytes() + tail)]).status_code == 200
    [row] = stored(app)
    with app.app_context():
        kept = stored_bytes(row)
    assert b'script' not in kept and b'PK\x03\x04' not in kept and kept.endswith(b'\xff\xd9')


def test_the_content_decides_the_type_not_the_name(app, client):
    assert file_with_photos(client, [('foto.jpg', image_bytes('PNG'))]).status_code == 200
    [row] = stored(app)
    assert (row.content_type, row.storage_name[-4:]) == ('image/png', '.png')
    assert row.original_name == 'foto.jpg' and len(row.storage_name) == 32 + 4   # a generated name


@pytest.mark.parametrize('name, content, message', [
    ('catatan.jpg', b'bukan gambar sama sekali', 'bukan gambar'),
    ('gambar.png', b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'bukan gambar'),
    ('animasi.gif', image_bytes('GIF'), 'hanya JPEG, PNG atau WebP'),
    ('terpotong.jpg', image_bytes(size=(400, 300))[:1500], 'bukan gambar'),
    ('besar.jpg', image_bytes(size=(1200, 1000)) + b'\x00' * 300_000, 'melebihi batas'),
])
def test_what_is_not_a_photo_is_refused_and_nothing_is_kept(app, client, name, content, message):
    before = files_on_disk(app)
    response = file_with_photos(client, [(name, content)])
    assert response.status_code == 422 and message in ' '.join(response.get_json()['errors']['foto'])
    assert stored(app) == [] and files_on_disk(app) == before
    with app.app_context():
        assert db.session.execute(select(Report.status)).scalar() == 'draf'   # the step did not happen


def test_a_decompression_bomb_is_refused_before_it_is_decoded(app, client):
    buffer = io.BytesIO()
    Image.new('1', (9000, 9000)).save(buffer, 'PNG')                  # 81 megapixels in a few kB
    assert len(buffer.getvalue()) < 300_000
    response = file_with_photos(client, [('bom.png', buffer.getvalue())])
    assert response.status_code == 422 and 'resolusi terlalu besar' in response.get_json()['errors']['foto'][0]


@pytest.mark.parametrize('name', ['../../etc/passwd.jpg', 'a/b.jpg', 'foto\x07.jpg', '..'])
def test_path_like_names_are_refused(app, client, name):
    response = file_with_photos(client, [(name, image_bytes())])
    assert response.status_code == 422, name
    assert 'Nama berkas tidak boleh' in response.get_json()['errors']['foto'][0]
    assert stored(app) == []


@pytest.mark.parametrize('name', ['..\\..\\boot.ini.jpg', 'C:\\Users\\foto.jpg', 'foto\x00.jpg', 'x' * 256])
def test_names_that_do_not_survive_a_multipart_header_are_refused_too(name):
    # (a header's quoting turns a backslash into an escape, so these are checked on the service)
    with pytest.raises(ValidationFailed) as refused:
        check_photos([Upload(name, image_bytes())], max_bytes=300_000, max_count=6)
    assert 'Nama berkas t' in refused.value.errors['foto'][0]


def test_a_request_over_the_size_limit_is_413_with_a_clear_message(app, client, monkeypatch):
    monkeypatch.setitem(app.config, 'MAX_CONTENT_LENGTH', 200_000)
    response = file_with_photos(client, [(f'foto{n}.jpg', image_bytes(size=(900, 700)) + b'\x00' * 60_000)
                                         for n in range(4)])
    assert response.status_code == 413 and 'Berkas terlalu besar' in response.get_json()['error']
    assert stored(app) == []


def test_too_many_photos_are_refused(app, client):
    response = file_with_photos(client, [(f'foto{n}.jpg', image_bytes()) for n in range(7)])
    assert response.status_code == 422 and 'Maksimal 6 foto' in response.get_json()['errors']['foto']


def test_a_photo_is_served_only_after_the_access_check(app, client):
    assert file_with_photos(client, [('bukti.jpg', image_bytes())]).status_code == 200
    [row] = stored(app)
    owner = app.test_client()
    web_login(owner, 'agen1')
    response = owner.get(f'/lampiran/{row.id}')
    assert response.status_code == 200 and response.mimetype == 'image/jpeg'
    assert response.headers['Content-Disposition'] == f'inline; filename=lampiran-{row.id}.jpg'
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    assert response.headers['Cache-Control'] == 'private, no-store'
    other = app.test_client()
    web_login(other, 'agen2')
    refused = other.get(f'/lampiran/{row.id}')
    assert refused.status_code == 403 and response.get_data() not in refused.get_data()
    anonymous = app.test_client().get(f'/lampiran/{row.id}')
    assert anonymous.status_code == 302 and '/login' in anonymous.headers['Location']


def test_a_refused_write_removes_the_new_file_but_a_failed_commit_keeps_it(app):
    """A flush that fails certainly wrote nothing; a commit that fails may have committed, so its file stays
    (the file sweep removes it later if no row names it)."""
    from sqlalchemy import event

    from app.models import User
    from app.uow import unit_of_work

    def new_file(session):
        name = file_store.save(b'bukti', '.jpg')
        session.info.setdefault('new_files', []).append(name)
        return name

    with app.app_context():
        with pytest.raises(IntegrityError), unit_of_work() as session:
            refused = new_file(session)
            session.add(User(username='agen1', full_name='Kembar', password_hash='x'))   # a duplicate
        assert not file_store.path(refused).exists()

        def broken_connection(_connection):
            raise ConnectionError('koneksi putus saat commit')

        event.listen(db.engine, 'commit', broken_connection)
        try:
            with pytest.raises(ConnectionError), unit_of_work() as session:
                kept = new_file(session)
                session.execute(select(User.id).limit(1))   # the transaction has begun
        finally:
            event.remove(db.engine, 'commit', broken_connection)
        assert file_store.path(kept).exists()
        file_store.delete(kept)


def test_the_report_page_shows_when_and_where_a_photo_was_taken(app, client):
    response = file_with_photos(client, [('IMG_0001.jpg', exif_photo())])
    owner = app.test_client()
    web_login(owner, 'agen1')
    page = owner.get(f'/laporan/{response.get_json()["instance"]["id"]}').get_data(as_text=True)
    assert 'Diambil 27-11-2026 14:05 WITA · GPS foto -2.32500, 115.47000' in page


def test_a_truncated_photo_is_refused_after_a_document_was_rendered_too(app, client):
    """WeasyPrint, once imported, tells Pillow to accept truncated images; uploads must still decode whole."""
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True               # as importing WeasyPrint leaves it
    instance_id = Api(client, 'agen1').file_report()['id']
    assert Api(client, 'verifikator1').complete_only_task(instance_id, helpers.VERIFY_YES).status_code == 200
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False       # the Laporan Informasi was rendered in the request
    response = file_with_photos(client, [('terpotong.jpg', image_bytes(size=(400, 300))[:1500])])
    assert response.status_code == 422 and 'bukan gambar' in response.get_json()['errors']['foto'][0]
