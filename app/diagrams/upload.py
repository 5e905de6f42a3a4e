"""Reading a BPMN upload from the request body, shared by the pages and the API."""
from flask import request

from app.services.errors import ValidationFailed
from app.services.processes import MAX_BPMN_BYTES


def bpmn_body():
    """The raw body; never more than the diagram size limit is read, whether or not a length was sent."""
    if (request.content_length or 0) > MAX_BPMN_BYTES:
        _too_large()
    body = request.stream.read(MAX_BPMN_BYTES + 1)
    if len(body) > MAX_BPMN_BYTES:
        _too_large()
    return body


def _too_large():
    raise ValidationFailed('Berkas terlalu besar', {'': [f'Berkas BPMN melebihi batas {MAX_BPMN_BYTES} byte']})
