"""PDF documents from HTML templates, rendered by WeasyPrint.

The renderer fetches nothing on its own: the only resources a document may use are the images the
caller hands over (`image:<key>`), so text entered by users can never make it read a file or a URL.
"""
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import ImageFile

TEMPLATES = Path(__file__).resolve().parent / 'templates' / 'documents'
# WeasyPrint reports a refused resource as a warning; keep its font-subsetting chatter out of the logs
logging.getLogger('fontTools').setLevel(logging.WARNING)


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


class RefusedResource(ValueError):
    pass


def css_text(value):
    """Text placed inside a CSS string (the page footer): only characters that cannot end the string,
    escape or start a new rule. HTML escaping does not help inside <style>."""
    return re.sub(r'[^A-Za-z0-9 ./_()-]', '', str(value))  # nothing left for autoescaping to change


class PdfRenderer:
    def __init__(self):
        # optional fields a step left out render empty (the API may omit them), never as an error
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True)
        self._local = threading.local()

    def init_app(self, app, filters=None, globals_=None):
        self.env.filters.update(filters or {}, css_text=css_text)
        self.env.globals.update(globals_ or {})

    def html(self, template, context):
        return self.env.get_template(template).render(**context)

    def render(self, template, context, images=None):
        """Render `template` with `context`; `images` maps keys to (mime type, bytes)."""
        from weasyprint import HTML  # imported when first needed: it loads Pango and fonts

        # importing WeasyPrint makes Pillow accept truncated images everywhere in the process; an uploaded
        # photo must decode whole (our documents only embed photos that did)
        ImageFile.LOAD_TRUNCATED_IMAGES = False

        fetcher = _images_only(images or {})
        document = HTML(string=self.html(template, context), url_fetcher=fetcher, base_url='image:').render(
            font_config=self._font_config())
        return RenderedPdf(document.write_pdf(), len(document.pages))

    def _font_config(self):
        """One font configuration per thread, kept: a new one per document (WeasyPrint's default) leaves
        about 0.2 MiB behind each time, so a long-running worker would grow without end."""
        from weasyprint.text.fonts import FontConfiguration

        if getattr(self._local, 'fonts', None) is None:
            self._local.fonts = FontConfiguration()
        return self._local.fonts


def _images_only(images):
    """A URL fetcher that answers `image:<key>` from `images` and refuses every other address."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ImagesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            key = url.removeprefix('image:')
            if not url.startswith('image:') or key not in images:
                raise RefusedResource(f'resource refused: {url[:80]}')
            mime_type, data = images[key]
            return URLFetcherResponse(url, data, {'Content-Type': mime_type})

    return ImagesOnly()
