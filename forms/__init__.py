"""WTForms classes for user tasks, and the registry: form key -> form class."""
from .samples import FormCatalog
from .tasks import KeputusanPimpinanForm, LaporanInformasiForm, PublikasiForm, RakorForm, VerifikasiForm

FORM_REGISTRY = {
    'laporan_informasi': LaporanInformasiForm,
    'verifikasi': VerifikasiForm,
    'publikasi': PublikasiForm,
    'keputusan_pimpinan': KeputusanPimpinanForm,
    'rakor': RakorForm,
}

FORM_CATALOG = FormCatalog(FORM_REGISTRY)


def form_class(form_key):
    return FORM_REGISTRY.get(form_key)


class UnknownFormError(LookupError):
    """A diagram names a form that is not registered: a setup error, shown as such."""


def form_for_task(task):
    cls = FORM_REGISTRY.get(task.form_key)
    if cls is None:
        raise UnknownFormError(f'Formulir "{task.form_key}" untuk tugas "{task.name}" tidak terdaftar. '
                               'Hubungi pemilik proses.')
    return cls
