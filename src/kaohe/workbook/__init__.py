"""Readers: find tables in real workbooks, normalise cells, and collect issues with their A1 cells."""

from kaohe.workbook.sheets import SPREADSHEET_SUFFIXES, SUBMISSION_SUFFIXES, Sheet, read_sheets
from kaohe.workbook.tables import read_submission

__all__ = ["SPREADSHEET_SUFFIXES", "SUBMISSION_SUFFIXES", "Sheet", "read_sheets", "read_submission"]
