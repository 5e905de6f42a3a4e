"""Photo evidence: recognised by content (Pillow), size- and pixel-limited, its EXIF capture time and place
read into the database, then decoded and re-encoded without any metadata (which drops whatever else a file
carried: scripts, a second format glued on, comments) and stored under a generated name."""
import hashlib
import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from app.extensions import db, file_store
from app.models import Attachment
from app.services.errors import ValidationFailed
from app.timeutil import from_wita

ALLOWED_FORMATS = {'JPEG': ('image/jpeg', '.jpg'), 'PNG': ('image/png', '.png'), 'WEBP': ('image/webp', '.webp')}
MAX_PIXELS = 60_000_000
MAX_NAME_LENGTH = 255
# how each format is written back: no EXIF, ICC or comments survive
_SAVE_OPTIONS = {'JPEG': {'quality': 90}, 'PNG': {'optimize': True}, 'WEBP': {'quality': 90}}


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedPhoto:
    """A photo ready to store: the re-encoded bytes and what was read from the original."""
    image_format: str
    data: bytes
    width: int
    height: int
    original_sha256: str
    taken_at: datetime | None
    gps_lat: float | None
    gps_lon: float | None


def _refuse(message, detail):
    raise ValidationFailed(message, {'foto': [detail]})


def _check_name(name):
    """A file name is only shown, never used as a path: one that tries to be a path is refused."""
    if len(name) > MAX_NAME_LENGTH:
        _refuse('Nama berkas tidak valid', f'Nama berkas terlalu panjang (maksimal {MAX_NAME_LENGTH} karakter)')
    control = any(unicodedata.category(c).startswith('C') for c in name)
    if name in ('.', '..') or '/' in name or '\\' in name or control:
        _refuse('Nama berkas tidak valid', 'Nama berkas tidak boleh memuat garis miring, ".." atau karakter kendali')


def _inspect(upload, max_bytes):
    name = upload.filename or 'foto'
    _check_name(name)
    if not upload.data:
        _refuse('Foto kosong', f'{name}: berkas kosong')
    if len(upload.data) > max_bytes:
        _refuse('Foto terlalu besar', f'{name}: melebihi batas {max_bytes // (1024 * 1024)} MB')
    try:
        with Image.open(io.BytesIO(upload.data)) as image:
            image_format = image.format
            if image_format not in ALLOWED_FORMATS:
                _refuse('Format foto', f'{name}: hanya JPEG, PNG atau WebP')
            if image.width * image.height > MAX_PIXELS:  # checked before a single pixel is decoded
                _refuse('Foto terlalu besar', f'{name}: resolusi terlalu besar')
            exif = image.getexif()
            data, (width, height) = _reencode(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        _refuse('Berkas bukan foto', f'{name}: bukan gambar JPEG, PNG atau WebP yang utuh')
    lat, lon = _gps(exif)
    return CheckedPhoto(image_format, data, width, height, hashlib.sha256(upload.data).hexdigest(),
                        _taken_at(exif), lat, lon)


def _reencode(image):
    """Decode every pixel (a truncated or corrupt file fails here) and write a clean file of the same format."""
    image_format = image.format
    image.seek(0)  # an animation keeps only its first frame
    upright = ImageOps.exif_transpose(image)  # the orientation tag goes, so turn the pixels instead
    if image_format == 'JPEG' and upright.mode not in ('RGB', 'L'):
        upright = upright.convert('RGB')
    upright.info = {}  # Pillow would carry a JPEG comment or PNG text over from the original
    buffer = io.BytesIO()
    upright.save(buffer, image_format, **_SAVE_OPTIONS[image_format])
    return buffer.getvalue(), upright.size


def _taken_at(exif):
    """The capture time as naive UTC; a camera time without its offset counts as WITA."""
    details = exif.get_ifd(ExifTags.IFD.Exif)
    text = details.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    try:
        taken = datetime.strptime(str(text).strip('\x00 '), '%Y:%m:%d %H:%M:%S')
    except (TypeError, ValueError):
        return None
    offset = str(details.get(ExifTags.Base.OffsetTimeOriginal) or '').strip('\x00 ')
    if offset:
        try:
            taken = datetime.fromisoformat(taken.isoformat() + offset)
        except ValueError:
            pass
    return from_wita(taken)


def _gps(exif):
    """Decimal degrees from the GPS block, or (None, None) when absent or out of range."""
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    try:
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef), 'S')
        lon = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef), 'W')
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return round(lat, 7), round(lon, 7)


def _degrees(parts, ref, negative_ref):
    degrees, minutes, seconds = (float(part) for part in parts)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(ref or '').strip('\x00 ').upper() == negative_ref else value


def check_photos(uploads, max_bytes, max_count):
    """Check and re-encode every upload before anything is written."""
    if len(uploads) > max_count:
        raise ValidationFailed('Terlalu banyak foto', {'foto': [f'Maksimal {max_count} foto']})
    return [_inspect(upload, max_bytes) for upload in uploads]


def store_photos(uploads, checked, instance_id, submission_id, user, caption):
    """Write the re-encoded photos to disk and their rows to the session; returns the rows (in the order given)."""
    rows = []
    for upload, photo in zip(uploads, checked, strict=True):
        content_type, suffix = ALLOWED_FORMATS[photo.image_format]
        storage_name = file_store.save(photo.data, suffix)
        # the unit of work deletes these again if the transaction rolls back
        db.session.info.setdefault('new_files', []).append(storage_name)
        rows.append(Attachment(
            instance_id=instance_id, submission_id=submission_id, uploaded_by_id=user.id,
            storage_name=storage_name, original_name=(upload.filename or 'foto')[:MAX_NAME_LENGTH],
            content_type=content_type, size=len(photo.data), sha256=hashlib.sha256(photo.data).hexdigest(),
            width=photo.width, height=photo.height, caption=caption, taken_at=photo.taken_at,
            gps_lat=photo.gps_lat, gps_lon=photo.gps_lon))
    db.session.add_all(rows)
    db.session.flush()
    return rows
