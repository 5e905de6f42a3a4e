"""CSV for spreadsheets: a cell that a spreadsheet would read as a formula (=, +, -, @ …) is written as text,
so a name or a note typed into SIKANDA cannot run in the office's spreadsheet when an export is opened."""
import csv

FORMULA_START = ('=', '+', '-', '@', '\t', '\r')


def cell(value):
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


class SafeWriter:
    def __init__(self, buffer):
        self._writer = csv.writer(buffer)

    def writerow(self, row):
        self._writer.writerow([cell(value) for value in row])
