"""Reading a patent-database export (专利数据库导出) into base-library records: the second import kind.

Commercial and public patent databases export one row per patent with headers such as 公开(公告)号, 申请号, 标题,
申请人 / [标]当前申请(专利权)人, 发明人, 申请日, 授权日, IPC分类号, 法律状态 / 简单法律状态, 专利类型 (and often 技术领域,
国民经济行业分类号, 战略新兴产业分类), as .xlsx or .csv. Such a file carries the facts of the base library, not a
self-assessment: every record it gives is ``assessment_blank`` (the importer writes the patent only and never touches a
self-assessment), and the job runs through the same plan, apply, error list and all-or-nothing rule as the national
workbook.

* Headers are found by text (the first rows of the first visible sheet, or of the CSV), with the same normalisation as
  the national reader; 申请号 and 标题 are required.
* Values: application numbers in any written form (``CN201910866666.8``), IPC lists ``|``- or ``;``-separated (the
  first, or the IPC主分类号 column, is the main class), dates as serials or text, 专利类型 as ``授权发明``, ``发明``,
  ``实用新型``, ``外观设计`` (checked against the number's type digit), legal status mapped onto LegalStatus.
* 技术领域, 国民经济行业分类号 and 战略新兴产业分类 are the database's own labels (not the institution's declaration, which
  is part of the self-assessment): they are accepted and not stored.
* The file gives no college (所属学院) and no fiscal-funding flag: a new patent gets the uploading college admin's college
  (else none) and ``fiscally_funded`` false; an existing patent keeps both.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Callable
from itertools import islice

from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

from evaluations import validation as v
from evaluations.record import CellError, InventoryRecord, error_order
from patentpool.choices import PatentType

from .reader import (
    DEFAULT_MAX_ERRORS,
    DEFAULT_MAX_ROWS,
    DEFAULT_MAX_SHEETS,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    HEADER_SCAN_ROWS,
    PROGRESS_EVERY,
    ParsedInventory,
    WorkbookRejected,
    _header_key,
    _open_source,
    check_workbook_archive,
    column_letter,
    normalise_ipc_list,
    parse_date,
)

# key → header texts (after _header_key), best first. A file carrying two of a key's headers uses the first listed.
HEADERS: dict[str, tuple[str, ...]] = {
    "publication_number": ("公开(公告)号", "公开公告号", "公开号", "公告号", "授权公告号"),
    "application_number": ("申请号", "专利申请号", "申请号/专利号", "专利号"),
    "title": ("标题", "专利名称", "发明名称", "名称"),
    "patentees": (
        "[标]当前申请(专利权)人",
        "当前申请(专利权)人",
        "当前专利权人",
        "专利权人",
        "申请(专利权)人",
        "申请人",
    ),
    "inventors": ("发明人", "发明(设计)人", "发明人/设计人"),
    "application_date": ("申请日", "申请日期"),
    "grant_date": ("授权日", "授权公告日", "授权日期"),
    "ipc_main": ("ipc主分类号", "主分类号", "ipc主分类"),
    "ipc_others": ("ipc分类号", "ipc", "ipc分类"),
    "legal_status": ("简单法律状态", "法律状态", "当前法律状态", "专利状态"),
    "patent_type": ("专利类型", "类型"),
}
REQUIRED = ("application_number", "title")
_KEYED = {key: tuple(_header_key(h) for h in headers) for key, headers in HEADERS.items()}
# Headers that only the national workbook has: a sheet carrying them is not a database export.
_NATIONAL_ONLY = tuple(
    _header_key(h) for h in ("一级实施状态", "技术成熟度", "专利价值分级自评", "是否属于财政资助科研项目形成专利")
)

_PATENT_TYPES = {
    **dict.fromkeys(("授权发明", "发明", "发明专利", "发明授权", "invention"), PatentType.INVENTION.value),
    **dict.fromkeys(("实用新型", "实用新型专利", "新型", "utility_model"), PatentType.UTILITY_MODEL.value),
    **dict.fromkeys(("外观设计", "外观设计专利", "外观", "design"), PatentType.DESIGN.value),
}
_TYPE_LABELS = {code: label for label, code in reversed(list(_PATENT_TYPES.items()))}


def match_headers(row: list) -> dict[str, int]:
    """Column key → 0-based index for a header row of a database export (empty when it is not one)."""
    cells = [_header_key(c) for c in row]
    mapping: dict[str, int] = {}
    for key, names in _KEYED.items():
        for name in names:
            if name in cells and cells.index(name) not in mapping.values():
                mapping[key] = cells.index(name)
                break
    return mapping


def _header_row(rows: list[list]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows):
        mapping = match_headers(row)
        if all(key in mapping for key in REQUIRED) and len(mapping) >= 3:
            return index, mapping
    return None


def looks_like_database_export(rows: list[list]) -> bool:
    """Whether the first rows of a sheet are a database export's header (and not the national workbook's)."""
    found = _header_row(rows)
    if found is None:
        return False
    keys = {_header_key(c) for c in rows[found[0]]} | (
        {_header_key(c) for c in rows[found[0] - 1]} if found[0] > 0 else set()
    )
    return not any(name in keys for name in _NATIONAL_ONLY)


def is_csv(path: str) -> bool:
    return path.lower().endswith(".csv")


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        dialect = csv.excel
        with contextlib.suppress(csv.Error):
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        return list(csv.reader(io.StringIO(text), dialect))
    raise WorkbookRejected(
        "无法读取该 CSV 文件：请以 UTF-8 或 GB18030 编码保存为逗号分隔的文本",
        "The CSV file cannot be read: save it as comma-separated text in UTF-8 or GB18030",
        "not_csv",
    )


def csv_workbook(path: str):
    """A CSV upload as an openpyxl workbook (one sheet, every cell as text), to mark its errors in."""
    from openpyxl import Workbook  # the failure path only: the worker stays lean

    with open(path, "rb") as handle:
        rows = _csv_rows(handle.read())
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "CSV"
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row, start=1):
            cell = sheet.cell(r, c)
            cell.value = text
            cell.data_type = "s"  # as text, never a formula
    return workbook


def sheet_head(path_or_file, *, csv_file: bool) -> list[list]:
    """The first rows of a file (its first visible sheet, or the CSV), to detect its kind."""
    if csv_file:
        source, _path = _open_source(path_or_file)
        with source:
            return _csv_rows(source.read())[:HEADER_SCAN_ROWS]
    source, path = _open_source(path_or_file)
    try:
        check_workbook_archive(source)
        source.seek(0)
        workbook = CalamineWorkbook.from_path(path) if path else CalamineWorkbook.from_filelike(source)
    except CalamineError:
        raise WorkbookRejected(
            "工作簿已损坏，无法读取", "The workbook is damaged and cannot be read", "corrupt"
        ) from None
    finally:
        source.close()
    with workbook:
        for meta in workbook.sheets_metadata:
            if meta.visible == SheetVisibleEnum.Visible:
                return list(islice(workbook.get_sheet_by_name(meta.name).iter_rows(), HEADER_SCAN_ROWS))
    return []


def read_patent_database(
    path_or_file,
    *,
    csv_file: bool = False,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_sheets: int = DEFAULT_MAX_SHEETS,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    max_errors: int = DEFAULT_MAX_ERRORS,
    on_progress: Callable[[int], None] | None = None,
) -> ParsedInventory:
    """Read a patent-database export (.xlsx or, with ``csv_file``, .csv) into base-library records.

    Raises WorkbookRejected for whole-file problems; every cell problem is in ``ParsedInventory.errors``.
    """
    source, path = _open_source(path_or_file)
    try:
        if csv_file:
            rows = _csv_rows(source.read())
            sheet_name = os.path.basename(path) if path else "csv"
        else:
            check_workbook_archive(source, max_sheets=max_sheets, max_uncompressed_bytes=max_uncompressed_bytes)
            source.seek(0)
            try:
                workbook = CalamineWorkbook.from_path(path) if path else CalamineWorkbook.from_filelike(source)
                with workbook:
                    sheet_name, rows = _first_export_sheet(workbook)
            except CalamineError:
                raise WorkbookRejected(
                    "工作簿已损坏，无法读取", "The workbook is damaged and cannot be read", "corrupt"
                ) from None
    finally:
        source.close()
    found = _header_row(rows[:HEADER_SCAN_ROWS])
    if found is None:
        return ParsedInventory(
            [],
            [
                CellError(
                    1,
                    "",
                    "",
                    "找不到专利数据库导出的表头：至少需要“申请号”和“标题”两列（以及公开(公告)号、申请人、法律状态等）",
                    "No patent-database export header found: the columns 申请号 (application number) and 标题 (title) "
                    "are required (with 公开(公告)号, 申请人, 法律状态 …)",
                    "missing_columns",
                )
            ],
            0,
            sheet_name,
        )
    header_row, mapping = found
    return _Reader(mapping, max_rows=max_rows, max_errors=max_errors, on_progress=on_progress).read(
        rows, header_row, sheet_name
    )


def _first_export_sheet(workbook: CalamineWorkbook) -> tuple[str, list[list]]:
    first = None
    for meta in workbook.sheets_metadata:
        if meta.visible != SheetVisibleEnum.Visible:
            continue
        rows = workbook.get_sheet_by_name(meta.name).to_python()
        if first is None:
            first = (meta.name, rows)
        if _header_row(rows[:HEADER_SCAN_ROWS]) is not None:
            return meta.name, rows
    return first or ("", [])


class _Reader:
    def __init__(self, mapping: dict[str, int], *, max_rows: int, max_errors: int, on_progress) -> None:
        self.mapping = mapping
        self.max_rows = max_rows
        self.max_errors = max_errors
        self.on_progress = on_progress
        self.records: list[InventoryRecord] = []
        self.errors: list[CellError] = []
        self.seen: dict[str, int] = {}
        self.truncated = False

    def read(self, rows: list[list], header_row: int, sheet_name: str) -> ParsedInventory:
        total = patents = 0
        last = header_row + 1
        width = max(self.mapping.values()) + 1
        for index in range(header_row + 1, len(rows)):
            row = list(rows[index]) + [""] * (width - len(rows[index]))
            if all(_blank(row[i]) for i in self.mapping.values()):
                continue
            total += 1
            patents += 1
            last = index + 1
            if total > self.max_rows:
                raise WorkbookRejected(
                    f"数据超过 {self.max_rows} 行，请拆分成多个文件上传",
                    f"The file has more than {self.max_rows} data rows; split it into several files",
                    "too_many_rows",
                )
            if self.on_progress is not None and total % PROGRESS_EVERY == 0:
                self.on_progress(total)
            if not self.truncated:
                self._row(index + 1, row)
        self.errors.sort(key=error_order)
        if self.truncated:
            self.errors.append(
                CellError(
                    last,
                    "",
                    "",
                    f"错误过多：只列出了前 {self.max_errors} 条，请改正后重新上传",
                    f"Too many errors: only the first {self.max_errors} are listed; correct them and upload again",
                    "too_many_errors",
                )
            )
        return ParsedInventory(self.records, self.errors, total, sheet_name, self.truncated, patents=patents)

    def _cell(self, row: list, key: str):
        index = self.mapping.get(key)
        if index is None:
            return ""
        value = row[index]
        return " ".join(value.split()) if isinstance(value, str) else value

    def _row(self, number: int, row: list) -> None:
        errors: list[CellError] = []

        def error(key: str, value, exc: v.FieldError) -> None:
            shown = v._text(value)[:200]
            errors.append(
                CellError(number, column_letter(self.mapping[key]), shown, exc.message, exc.message_en, exc.code)
            )

        raw = self._cell(row, "application_number")
        canonical, type_from_number = "", ""
        try:
            parsed = v.parse_application_number(raw)
            canonical, type_from_number = str(parsed), parsed.patent_type
        except v.FieldError as exc:
            error("application_number", raw, exc)
        if canonical:
            first = self.seen.setdefault(canonical, number)
            if first != number:
                error(
                    "application_number",
                    raw,
                    v.FieldError(
                        "duplicate",
                        f"申请号 {canonical} 与第 {first} 行重复",
                        f"The application number {canonical} repeats row {first}",
                    ),
                )
        title = v._text(self._cell(row, "title"))
        if not title or v.is_blank_placeholder(title):
            error("title", title, v.FieldError("required", "“标题”必须填写", "The title (标题) is required"))
        elif len(title) > 255:
            error("title", title, v.FieldError("too_long", f"标题最多 255 个字符，这里有 {len(title)} 个", f"The title takes at most 255 characters, found {len(title)}"))  # fmt: skip
        fields: dict = {}
        for key in ("grant_date", "application_date"):
            value = self._cell(row, key)
            try:
                fields[key] = parse_date(value)
            except v.FieldError as exc:
                error(key, value, exc)
        status = self._cell(row, "legal_status")
        try:
            fields["legal_status"] = v.parse_legal_status(status)
        except v.FieldError as exc:
            error("legal_status", status, exc)
        kind = v._text(self._cell(row, "patent_type"))
        if kind and not v.is_blank_placeholder(kind):
            code = _PATENT_TYPES.get(_header_key(kind))
            if code is None:
                error("patent_type", kind, v.FieldError("invalid_choice", f"专利类型“{kind}”应为发明、实用新型或外观设计", f"Patent type “{kind}” must be 发明 (invention), 实用新型 (utility model) or 外观设计 (design)"))  # fmt: skip
            elif type_from_number and code != type_from_number:
                error("patent_type", kind, v.FieldError("mismatch", f"专利类型“{kind}”与申请号的类型（{_TYPE_LABELS[type_from_number]}）不符", f"Patent type “{kind}” does not match the application number's type ({type_from_number})"))  # fmt: skip
        texts = {}
        for key, limit in (("patentees", 500), ("inventors", 500), ("publication_number", 32)):
            text = v._text(self._cell(row, key))
            text = "" if v.is_blank_placeholder(text) else text
            if key == "publication_number":
                text = "".join(text.split()).upper()
            if len(text) > limit:
                error(key, text, v.FieldError("too_long", f"最多 {limit} 个字符，这里有 {len(text)} 个", f"At most {limit} characters, found {len(text)}"))  # fmt: skip
            texts[key] = text
        ipc_list = normalise_ipc_list(v._text(self._cell(row, "ipc_others")))
        ipc_main = normalise_ipc_list(v._text(self._cell(row, "ipc_main"))).split("; ")[0]
        codes = [c for c in ipc_list.split("; ") if c]
        ipc_main = ipc_main or (codes[0] if codes else "")
        ipc_others = "; ".join(c for c in codes if c != ipc_main)
        for key, text, limit in (("ipc_main", ipc_main, 32), ("ipc_others", ipc_others, 500)):
            if len(text) > limit:
                error(key if key in self.mapping else "ipc_others", text, v.FieldError("too_long", f"IPC 分类号过长（{len(text)} 个字符，上限 {limit}）", f"The IPC codes are too long ({len(text)} characters, limit {limit})"))  # fmt: skip
        for item in errors:
            if len(self.errors) >= self.max_errors:
                self.truncated = True
                return
            self.errors.append(item)
        if errors:
            return
        self.records.append(
            InventoryRecord(
                row=number,
                application_number=canonical,
                title=title,
                inventors=texts["inventors"],
                patentees=texts["patentees"],
                publication_number=texts["publication_number"],
                ipc_main=ipc_main,
                ipc_others=ipc_others,
                patent_type=type_from_number,
                fiscally_funded=None,
                assessment_blank=True,
                rows=[number],
                **fields,
            )
        )


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
