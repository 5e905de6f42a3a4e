"""Photo evidence: checked by content (Pillow), size-limited, stored under generated names."""
import hashlib
import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from app.extensions import db, file_store
from app.models import Attachment
from app.services.errors import ValidationFailed

ALLOWED_FORMATS = {'JPEG': ('image/jpeg', '.jpg'), 'PNG': ('image/png', '.png'), 'WEBP': ('image/webp', '.webp')}
MAX_PIXELS = 60_000_000


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _inspect(upload, max_bytes):
    name = upload.filename or 'foto'
    if not upload.data:
        raise ValidationFailed('Foto kosong', {'foto': [f'{name}: berkas kosong']})
    if len(upload.data) > max_bytes:
        limit = max_bytes // (1024 * 1024)
        raise ValidationFailed('Foto terlalu besar', {'foto': [f'{name}: melebihi batas {limit} MB']})
    try:
        with Image.open(io.BytesIO(upload.data)) as image:
            image_format = image.format
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationFailed('Foto terlalu besar', {'foto': [f'{name}: resolusi terlalu besar']})
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationFailed('Berkas bukan foto', {'foto': [f'{name}: bukan gambar JPEG, PNG atau WebP']}) from None
    if image_format not in ALLOWED_FORMATS:
        raise ValidationFailed('Format foto', {'foto': [f'{name}: hanya JPEG, PNG atau WebP']})
    return image_format, width, height


def check_photos(uploads, max_bytes, max_count):
    """Validate every upload before anything is written."""
    if len(uploads) > max_count:
        raise ValidationFailed('Terlalu banyak foto', {'foto': [f'Maksimal {max_count} foto']})
    return [_inspect(upload, max_bytes) for upload in uploads]


def store_photos(uploads, checked, instance_id, submission_id, user, caption):
    """Write checked photos to disk and their rows to the session; returns the rows."""
    rows = []
    for upload, (image_format, width, height) in zip(uploads, checked, strict=True):
        content_type, suffix = ALLOWED_FORMATS[image_format]
        storage_name = file_store.save(upload.data, suffix)
        # the unit of work deletes these again if the transaction rolls back
        db.session.info.setdefault('new_files', []).append(storage_name)
        rows.append(Attachment(
            instance_id=instance_id, submission_id=submission_id, uploaded_by_id=user.id,
            storage_name=storage_name, original_name=(upload.filename or 'foto')[:255],
            content_type=content_type, size=len(upload.data), sha256=hashlib.sha256(upload.data).hexdigest(),
            width=width, height=height, caption=caption))
    db.session.add_all(rows)
    db.session.flush()
    return rows
