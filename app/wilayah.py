"""Kecamatan and desa of Kabupaten Balangan (Kemendagri codes), from data/balangan_wilayah.csv."""
import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CSV_PATH = Path(__file__).parent / 'data' / 'balangan_wilayah.csv'


@dataclass(frozen=True)
class Wilayah:
    kode: str
    nama: str
    tingkat: str
    kode_induk: str


@cache
def _rows():
    with open(CSV_PATH, newline='', encoding='utf-8') as handle:
        return tuple(Wilayah(**row) for row in csv.DictReader(handle))


@cache
def by_code():
    return {row.kode: row for row in _rows()}


def kecamatan():
    return [row for row in _rows() if row.tingkat == 'kecamatan']


def desa_of(kecamatan_kode):
    return [row for row in _rows() if row.kode_induk == kecamatan_kode and row.tingkat in ('desa', 'kelurahan')]


def name(kode):
    row = by_code().get(kode or '')
    return row.nama if row else '—'


def kecamatan_of(desa_kode):
    row = by_code().get(desa_kode or '')
    return row.kode_induk if row and row.tingkat in ('desa', 'kelurahan') else None
