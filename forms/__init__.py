"""WTForms classes for user tasks, and the registry: form key -> form class."""
from .tasks import KeputusanPimpinanForm, LaporanInformasiForm, PublikasiForm, RakorForm, VerifikasiForm

FORM_REGISTRY = {
    'laporan_informasi': LaporanInformasiForm,
    'verifikasi': VerifikasiForm,
    'publikasi': PublikasiForm,
    'keputusan_pimpinan': KeputusanPimpinanForm,
    'rakor': RakorForm,
}


def form_class(form_key):
    return FORM_REGISTRY.get(form_key)
