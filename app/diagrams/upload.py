"""Reading a BPMN upload from the request body, shared by the pages and the API."""
from flask import request

from app.services.errors import ValidationFailed
from app.services.processes import MAX_BPMN_BYTES


def bpmn_body():
    """The raw body, refused before it is read when it is over the diagram size limit."""
    if (request.content_length or 0) > MAX_BPMN_BYTES:
        raise ValidationFailed('Berkas terlalu besar', {'': [f'Berkas BPMN melebihi batas {MAX_BPMN_BYTES} byte']})
    return request.get_data(cache=False)
