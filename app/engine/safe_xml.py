"""Hardened loading of BPMN XML: no DTD, no entities, no network, bounded size."""
from lxml import etree

MAX_BPMN_BYTES = 2_000_000


class UnsafeXmlError(ValueError):
    """The document is too large, malformed or declares a DTD / entities."""


def _parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_pis=True)


def parse_bpmn_bytes(data):
    """Parse untrusted BPMN bytes into an lxml element, refusing anything with a DOCTYPE."""
    if isinstance(data, str):
        data = data.encode('utf-8')
    if len(data) > MAX_BPMN_BYTES:
        raise UnsafeXmlError(f'Berkas BPMN melebihi batas {MAX_BPMN_BYTES} byte')
    # Refuse before parsing: bpmn-js never writes a DOCTYPE, and no entity is ever legitimate here.
    if b'<!DOCTYPE' in data.upper() or b'<!ENTITY' in data.upper():
        raise UnsafeXmlError('DOCTYPE dan deklarasi entitas tidak diizinkan dalam BPMN')
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXmlError(f'XML tidak valid: {exc}') from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise UnsafeXmlError('DOCTYPE dan deklarasi entitas tidak diizinkan dalam BPMN')
    return root
