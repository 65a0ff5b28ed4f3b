"""The django-import-export baseline of ``bench/import_bench.py``: a plain ``ModelResource`` over Patent.

What it is meant to be: what a Django developer would write first to load the national inventory workbook with
django-import-export 4.x, with the library's DEFAULT settings — no ``use_bulk``, ``use_transactions`` left to the
default (one transaction around the import plus a savepoint per row), ``skip_diff``/``skip_html_diff`` off (every
row is diffed and rendered as HTML), ``skip_unchanged`` off, the default ``ModelInstanceLoader`` (one SELECT per
row), the default ``ForeignKeyWidget`` (one SELECT per row for the college), ``instance.save()`` per row (so
django-simple-history writes one history row per patent through its post_save signal, as it would in the admin).

What it does NOT do, compared with our import (it writes less, so the comparison flatters it):
  * only the basic columns B–G and K of the first row of each patent: application number, title, legal status,
    years maintained, inventors, college, fiscally funded; plus the institution and the patent type (derived from
    the application number) set in ``before_import_row``;
  * no self-assessment (columns H–J, L–AD), no implementation-state / intent child rows, no history of those;
  * continuation rows (blank 申请号) are removed from the dataset before ``import_data`` (they would only be skipped);
  * no validation beyond what the widgets do (no vocabulary checks, no length checks, no full_clean — the library's
    default ``clean_model_instances = False``), no fingerprint, no error-marked copy of the file.

Loading: ``import_export.formats.base_formats.XLSX`` (openpyxl read-only, ``data_only``, the active sheet, row 1 as
headers). One deviation, needed for the library to read the file at all: the generated workbook is written by
openpyxl's write-only mode, which records no sheet dimension, so openpyxl's read-only reader returns ragged rows
(row 1 — the template's note — has 1 cell, data rows end at their last non-empty cell) and tablib raises
``InvalidDimensions`` on the second row. ``PaddedXLSX`` is the library's own ``create_dataset`` with every row
padded to the sheet width (what openpyxl itself does for a workbook saved by Excel, which records the dimension).
Its cost is the library's: same parser, same calls. ``max_rows`` stops reading after that many data rows (a quick
run on a prefix of the same file).

Re-heading: the template's note is row 1, its two header rows are 2–3 and data start on row 4; ``inventory_dataset``
takes each column's header text from row 3 (row 2 where row 3 is blank: K, X, Y), drops the leading ``*`` and the
``（规则：…）`` remarks, and keeps the data rows.
"""

from __future__ import annotations

import re
from io import BytesIO

import tablib
from import_export import fields, resources, widgets
from import_export.formats.base_formats import XLSX

from institutions.models import Institution, OrgUnit
from patentpool.models import Patent
from reference.appno import ApplicationNumber

SHEET_WIDTH = 30  # A … AD, the national template's columns
HEADER_ROWS = 3  # note, group headers, column headers

# Header texts after ``short_header`` (the national template's row 3 / row 2 texts).
H_NUMBER = "申请号"
H_TITLE = "专利名称"
H_LEGAL = "法律状态"
H_YEARS = "维持年限"
H_INVENTORS = "发明人"
H_COLLEGE = "所属学院"
H_FUNDED = "是否属于财政资助科研项目形成专利"


class PaddedXLSX(XLSX):
    """``XLSX.create_dataset`` of django-import-export 4.x, with rows padded to ``width`` (see the module doc)."""

    def __init__(self, width: int = SHEET_WIDTH, max_rows: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.width = width
        self.max_rows = max_rows  # data rows (after the template's header rows); None: all

    def create_dataset(self, in_stream):
        import openpyxl
        from django.conf import settings

        xlsx_book = openpyxl.load_workbook(BytesIO(in_stream), read_only=True, data_only=True)
        dataset = tablib.Dataset()
        sheet = xlsx_book.active
        width = self.width
        limit = None if self.max_rows is None else self.max_rows + HEADER_ROWS - 1
        rows = sheet.rows
        headers = [cell.value for cell in next(rows)][:width]
        dataset.headers = headers + [None] * (width - len(headers))
        ignore_blanks = getattr(settings, "IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES", False)
        for count, row in enumerate(rows):
            if limit is not None and count >= limit:
                break
            row_values = [cell.value for cell in row][:width]
            row_values += [None] * (width - len(row_values))
            if ignore_blanks:
                if not all(value is None for value in row_values):
                    dataset.append(row_values)
            else:
                dataset.append(row_values)
        xlsx_book.close()
        return dataset


def short_header(text) -> str:
    """'*是否属于…专利' → '是否属于…专利'; '所属学院（规则：…）' → '所属学院'; line breaks and spaces dropped."""
    text = re.sub(r"\s+", "", str(text or "")).lstrip("*")
    return re.split(r"[（(]", text, maxsplit=1)[0]


def inventory_dataset(raw: tablib.Dataset) -> tuple[tablib.Dataset, int]:
    """The data rows of ``raw`` (as loaded by ``PaddedXLSX``) under the template's column headers.

    Returns (dataset of the first rows of patents, number of data rows in the file part that was read). Fully blank
    rows and continuation rows (blank 申请号) are dropped: the baseline imports the basic columns only.
    """
    group_row, column_row = raw[0], raw[1]
    headers = []
    for index in range(len(column_row)):
        text = short_header(column_row[index]) or short_header(group_row[index]) or f"col{index}"
        headers.append(text if text not in headers else f"{text}_{index}")
    number_at = headers.index(H_NUMBER)
    data_rows = 0
    kept = []
    for row in raw[2:]:
        if all(value is None or value == "" for value in row[1:]):
            continue  # blank (or only 序号)
        data_rows += 1
        value = row[number_at]
        if value is None or str(value).strip() == "":
            continue  # a continuation row: more implementation states / intents of the patent above
        kept.append(row)
    return tablib.Dataset(*kept, headers=headers), data_rows


class LegalStatusWidget(widgets.CharWidget):
    MAP = {"有效": "valid", "专利权维持": "valid", "授权": "valid", "未缴年费": "fee_grace", "失效": "lapsed"}

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        return self.MAP.get(text, text or "valid")


class YesNoWidget(widgets.BooleanWidget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if text in ("是", "否"):
            return text == "是"
        return super().clean(value, row=row, **kwargs)


class CollegeWidget(widgets.ForeignKeyWidget):
    """The default ForeignKeyWidget (one query per row), limited to the importing institution's colleges."""

    def __init__(self, institution_id: int):
        super().__init__(OrgUnit, field="name")
        self.institution_id = institution_id

    def get_queryset(self, value, row, *args, **kwargs):
        return OrgUnit.objects.filter(institution_id=self.institution_id)

    def clean(self, value, row=None, **kwargs):
        return super().clean(str(value).strip() if value is not None else value, row=row, **kwargs)


class PatentInventoryResource(resources.ModelResource):
    """Basic columns of the national inventory workbook → Patent, with django-import-export's defaults."""

    application_number = fields.Field(attribute="application_number", column_name=H_NUMBER)
    title = fields.Field(attribute="title", column_name=H_TITLE)
    inventors = fields.Field(attribute="inventors", column_name=H_INVENTORS)
    legal_status = fields.Field(attribute="legal_status", column_name=H_LEGAL, widget=LegalStatusWidget())
    years_maintained = fields.Field(attribute="years_maintained", column_name=H_YEARS, widget=widgets.IntegerWidget())
    fiscally_funded = fields.Field(attribute="fiscally_funded", column_name=H_FUNDED, widget=YesNoWidget())
    patent_type = fields.Field(attribute="patent_type", column_name="patent_type")
    institution = fields.Field(attribute="institution_id", column_name="institution_id", widget=widgets.IntegerWidget())
    org_unit = fields.Field(attribute="org_unit", column_name=H_COLLEGE)

    class Meta:
        model = Patent
        import_id_fields = ["application_number"]
        fields = (
            "application_number", "title", "inventors", "legal_status", "years_maintained", "fiscally_funded",
            "patent_type", "institution", "org_unit",
        )  # fmt: skip

    def __init__(self, institution: Institution, **kwargs):
        super().__init__(**kwargs)
        self.institution = institution
        self.fields["org_unit"].widget = CollegeWidget(institution.pk)

    def before_import_row(self, row, **kwargs):
        number = ApplicationNumber.parse(row[H_NUMBER])
        row[H_NUMBER] = str(number)
        row["patent_type"] = number.patent_type
        row["institution_id"] = self.institution.pk


def run_baseline(path: str, institution: Institution, *, max_rows: int | None = None) -> dict:
    """Load ``path`` with PaddedXLSX and import it with ``import_data(dry_run=False, raise_errors=False)``.

    Returns counts; the caller times it.
    """
    with open(path, "rb") as handle:
        raw = PaddedXLSX(max_rows=max_rows).create_dataset(handle.read())
    dataset, data_rows = inventory_dataset(raw)
    resource = PatentInventoryResource(institution)
    result = resource.import_data(dataset, dry_run=False, raise_errors=False)
    totals = dict(result.totals)
    return {
        "data_rows": data_rows,
        "patent_rows": len(dataset),
        "new": totals.get("new", 0),
        "update": totals.get("update", 0),
        "skip": totals.get("skip", 0),
        "error": totals.get("error", 0),
        "invalid": totals.get("invalid", 0),
        "has_errors": result.has_errors() or result.has_validation_errors(),
        "first_error": _first_error(result),
    }


def _first_error(result) -> str:
    for _, errors in result.row_errors()[:1]:
        return repr(errors[0].error)[:300]
    for invalid in result.invalid_rows[:1]:
        return repr(invalid.error)[:300]
    return ""
