"""Reading an uploaded national batch-import workbook (专利盘活行动批量建档模板, sheet 批量导入) into records.

``read_inventory(path_or_file)`` returns a :class:`ParsedInventory`: the patents of the file as
:class:`~institutions.inventory_format.InventoryRecord` (codes, bools, Decimals, canonical application numbers), and
every problem of the file as :class:`~institutions.inventory_format.CellError` with its sheet row and column letter.
Whole-file problems (not a workbook, a zip bomb, a DTD, too many sheets or rows, no sheet with the headers) raise
:class:`WorkbookRejected` instead.

How a file is read:

* **Safety first.** Before any spreadsheet library sees the upload, it is opened as a zip: the number of members,
  the declared and the *actual* uncompressed sizes (every member is inflated once, in bounded chunks, so a lying
  header cannot smuggle a bomb past the check), the compression ratio, the absence of a DTD in the prolog of every
  XML part (the only place XML allows one), and the sheet count of ``xl/workbook.xml`` (parsed, like
  ``[Content_Types].xml``, with defusedxml, which refuses DTDs and entities) are checked.
* **Speed.** Cells are read with python-calamine; the column mapping is resolved once from the headers, and each row
  is processed as a tuple, normalised only when a cheap test over the whole row says it needs it. Vocabulary cells
  (states, bands, stars, cities …) go through per-file caches; the cyclic garbage collector is paused while reading.
* **The sheet.** The sheet named 批量导入; failing that, the first visible sheet whose first rows carry the headers.
  Other sheets (the template's hidden option lists, notes) are ignored.
* **Headers.** Recognised by text, not position: spaces and line breaks dropped, full-width brackets made half-width,
  a leading ``*`` dropped; then an exact match, a prefix match (``所属学院（规则：…）`` is 所属学院) or containment
  against :data:`~institutions.inventory_format.COLUMNS`, plus a few common renamings (联系电话 for 联系方式 …).
  When every recognised header sits at its standard position, an unrecognised header at a standard position is
  taken by position. A missing required column is reported once and no row is read.
* **Rows.** Data start on the row after the headers. Fully blank rows, and rows where only 序号 is filled (templates
  often come pre-numbered), are skipped. Hidden rows are imported like any other: calamine cannot see row
  visibility, and a hidden row is still data the institution put in its file.
* **Grouping.** A row with an application number (B) starts a patent. A row without one but with anything in L–Q
  continues the previous patent: L–O add an implementation state, P–Q add an intent. Such a row must leave every
  other column blank.
* **Normalisation.** Text is stripped and runs of whitespace collapsed (line breaks kept in the long descriptions);
  zero-width characters are removed. In code-like columns (application numbers, states, bands, amounts, cities,
  phone …) full-width ASCII becomes half-width (``，`` → ``,``, ``１２`` → ``12``). In prose columns (title,
  inventors, names, descriptions, custom texts) only full-width letters, digits and spaces are folded: Chinese
  punctuation is part of the Chinese text (a title must still match CNIPA's record of it).
* **Errors.** Every problem is collected, not just the first, up to ``max_errors`` (then one final 'too many errors'
  entry). Column letters are those of the uploaded sheet, so the user can find the cell even if columns were moved.
  ``records`` holds only the patents none of whose rows has an error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import operator
import os
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, islice
from typing import IO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring
from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

from evaluations import validation as v
from evaluations.record import (
    COLUMNS,
    EXTRA_COLUMNS,
    INTENT_TERM_KEYS,
    SHEET_NAME,
    CellError,
    InventoryRecord,
    error_order,
)

__all__ = [
    "DEFAULT_MAX_BLANK_RUN",
    "DEFAULT_MAX_ERRORS",
    "DEFAULT_MAX_ROWS",
    "DEFAULT_MAX_SHEETS",
    "DEFAULT_MAX_UNCOMPRESSED_BYTES",
    "ParsedInventory",
    "WorkbookRejected",
    "check_workbook_archive",
    "column_letter",
    "parse_date",
    "read_inventory",
]

DEFAULT_MAX_ROWS = 200_000
DEFAULT_MAX_SHEETS = 20
DEFAULT_MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
DEFAULT_MAX_ERRORS = 10_000
DEFAULT_MAX_BLANK_RUN = 1_000

# A real .xlsx has a few dozen members; deflate peaks near 1:1030, Excel's sheet XML compresses about 1:10–1:30.
MAX_ZIP_MEMBERS = 2_000
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_FLOOR = 1024 * 1024  # small members may compress as well as they like
HEADER_SCAN_ROWS = 10
_CHUNK = 1024 * 1024
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ROOT_START = re.compile(rb"<[^?!]")
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))

_IMPL_KEYS = ("impl_level1", "impl_level2", "impl_value", "impl_remark")
_INTENT_KEYS = ("intent_level1", "intent_level2")


PROGRESS_EVERY = 5000


class WorkbookRejected(Exception):
    """The upload as a whole cannot be read: not an .xlsx, unsafe, too big, or without the national sheet."""

    def __init__(self, message: str, message_en: str, code: str = "rejected") -> None:
        super().__init__(message, message_en, code)
        self.message = message
        self.message_en = message_en
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} / {self.message_en}"


@dataclass
class ParsedInventory:
    """What a workbook holds: the patents without errors, every error, and how many data rows were read."""

    records: list[InventoryRecord]
    errors: list[CellError]
    total_rows: int  # non-blank data rows below the headers
    sheet_name: str
    truncated: bool = False  # the error limit was reached; rows after it were counted but not validated
    # (first row, length) of the run of max_blank_run blank rows at which reading stopped; None: read to the end
    blank_run: tuple[int, int] | None = None
    patents: int = 0  # patents the file holds (rows starting one, or meant to: a row without its number)

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------------------------------------------------
# Dates


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:[T\s]\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date(value: object) -> dt.date | None:
    """A date from a cell: an Excel serial (1900 system), a date/datetime, ``2019-03-05`` (ISO, also with a time),
    ``2019年3月5日``, ``2019/3/5``, ``2019.3.5`` or ``20190305``; None when blank. FieldError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _date_from_number(value)
    if v.is_blank_placeholder(value) or not isinstance(value, str):
        if isinstance(value, str) or value is None:
            return None
        raise _bad_date(value)
    text = " ".join(value.translate(_CODE_TABLE).split())
    match = _DATE_RE.fullmatch(text) or _COMPACT_DATE_RE.fullmatch(text)
    if not match:
        raise _bad_date(value)
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise _bad_date(value) from None


def _date_from_number(number: float) -> dt.date:
    if float(number).is_integer() and 19000101 <= number <= 99991231:
        text = str(int(number))
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise _bad_date(number) from None
    days = int(number)
    if not 1 <= days <= 2958465 or days == 60:  # 60 is Excel's phantom 1900-02-29
        raise _bad_date(number)
    if days < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=days)
    return _EXCEL_EPOCH + dt.timedelta(days=days)


def _bad_date(value: object) -> v.FieldError:
    shown = str(value)[:40]
    return v.FieldError(
        "invalid_date",
        f"“{shown}”不是有效日期：请写成 2019-03-05 或 2019年3月5日",
        f"“{shown}” is not a valid date: write it as 2019-03-05 or 2019年3月5日",
    )


# --------------------------------------------------------------------------------------------------------------------
# Text normalisation

_SPACES = {0x3000: " ", 0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " "}
# Code-like columns: every full-width ASCII character, and every dash, becomes ASCII.
_CODE_TABLE = dict(v.FULLWIDTH)
_CODE_TABLE.update(v.ZERO_WIDTH)
_CODE_TABLE.update(_SPACES)
_CODE_TABLE.update(dict.fromkeys((*range(0x2010, 0x2016), 0x2212), "-"))
# Prose columns: only full-width digits and letters (typed in full-width mode by accident) and odd spaces.
_PROSE_TABLE = {
    code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}
_PROSE_TABLE.update(v.ZERO_WIDTH)
_PROSE_TABLE.update(_SPACES)
# Whether a cell needs its normaliser, besides a space at an edge or two in a row: whitespace other than a plain space
# (every character str.isspace() knows), or characters to fold. One character class each, so that the test is cheap.
_ODD_SPACE = "\t\n\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_NEEDS_CODE = re.compile(f"[{_ODD_SPACE}\u200b-\u200d\u2010-\u2015\u2060\u2212\uff01-\uff5e\ufeff]")
_NEEDS_PROSE = re.compile(f"[{_ODD_SPACE}\u200b-\u200d\u2060\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\ufeff]")
# What the normalisers translate.
_FOLDS_CODE = re.compile("[\u00a0\u2002\u2003\u2009\u200b-\u200d\u2010-\u2015\u2060\u2212\u3000\uff01-\uff5e\ufeff]")
_FOLDS_PROSE = re.compile(
    "[\u00a0\u2002\u2003\u2009\u200b-\u200d\u2060\u3000\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\ufeff]"
)

# Columns whose text is prose (Chinese punctuation kept) and those whose line breaks are kept.
_PROSE_KEYS = frozenset(
    {
        "title",
        "inventors",
        "org_unit",
        "bundle_name",
        "bundle_description",
        "impl_level1",
        "impl_level2",
        "impl_value",
        "impl_remark",
        "intent_level1",
        "intent_level2",
        "intended_enterprises",
        "contact_name",
        "patentees",
        "products_advantages",
        "prospect",
    }
)
_MULTILINE_KEYS = frozenset({"bundle_description", "impl_remark", "products_advantages", "prospect"})


def _normaliser(key: str) -> Callable[[str], str]:
    table, folds = (_PROSE_TABLE, _FOLDS_PROSE) if key in _PROSE_KEYS else (_CODE_TABLE, _FOLDS_CODE)
    search = folds.search

    if key in _MULTILINE_KEYS:

        def normalise(text: str) -> str:
            if search(text):
                text = text.translate(table)
            if "\n" not in text and "\r" not in text:
                return " ".join(text.split())
            lines = (" ".join(line.split()) for line in text.splitlines())
            return "\n".join(line for line in lines if line)

    else:

        def normalise(text: str) -> str:
            if search(text):
                text = text.translate(table)
            return " ".join(text.split())

    return normalise


def _as_text(value: object) -> str:
    """A normalised cell as text for a text field (Excel numbers without '.0', dates in ISO form)."""
    if value.__class__ is str:
        return value
    return v._text(value)


def column_letter(index: int) -> str:
    """0 → 'A', 25 → 'Z', 26 → 'AA'. (openpyxl's get_column_letter would do, but importing openpyxl costs the
    import worker ~15 MB that it never needs when a file is clean: the reader is calamine's.)"""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --------------------------------------------------------------------------------------------------------------------
# The archive


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml(data: bytes, part: str):
    try:
        return safe_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise _unsafe_xml(part) from None
    except (ParseError, ValueError):
        raise WorkbookRejected(
            f"工作簿已损坏：{part} 不是有效的 XML",
            f"The workbook is damaged: {part} is not valid XML",
            "corrupt",
        ) from None


def _unsafe_xml(part: str) -> WorkbookRejected:
    return WorkbookRejected(
        f"工作簿中的 {part} 含有 DTD 或实体声明，出于安全原因拒绝读取",
        f"{part} in the workbook contains a DTD or entity declarations and is refused for safety",
        "unsafe_xml",
    )


def _not_xlsx() -> WorkbookRejected:
    return WorkbookRejected(
        "上传的文件不是 .xlsx 工作簿，请用 Excel 或 WPS 另存为 .xlsx 后重新上传",
        "The upload is not an .xlsx workbook; save it as .xlsx in Excel or WPS and upload it again",
        "not_xlsx",
    )


def _bomb(detail: str, detail_en: str) -> WorkbookRejected:
    return WorkbookRejected(
        f"工作簿解压后过大或压缩比异常（{detail}），拒绝读取",
        f"The workbook is too large when uncompressed or abnormally compressed ({detail_en}) and is refused",
        "too_large",
    )


def _inflate_member(fp: IO[bytes], info: zipfile.ZipInfo, scan_dtd: bool) -> None:
    """Inflate one member from its raw bytes in bounded chunks: it must produce exactly its declared size."""
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise _not_xlsx()
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_length + extra_length)
    expected, remaining = info.file_size, info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        if remaining != expected:
            raise _not_xlsx()
        decompressor = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        decompressor = zlib.decompressobj(-15)
    else:
        raise _not_xlsx()
    produced, tail, utf16 = 0, b"", None
    while remaining > 0:
        chunk = fp.read(min(_CHUNK, remaining))
        if not chunk:
            raise _not_xlsx()
        remaining -= len(chunk)
        pending = chunk
        while pending:
            if decompressor is None:
                out, pending = pending, b""
            else:
                # Never ask for more than one byte beyond the declared size: a lying header stops right there.
                out = decompressor.decompress(pending, min(_CHUNK, expected - produced + 1))
                pending = decompressor.unconsumed_tail
            produced += len(out)
            if produced > expected:
                raise _bomb(f"{info.filename} 超出声明的大小", f"{info.filename} exceeds its declared size")
            if scan_dtd and out:
                window = tail + out
                if utf16 is None:
                    utf16 = window[:2] in (b"\xff\xfe", b"\xfe\xff")
                # A DTD can only come before the root element: scan the prolog, then stop (UTF-16: scan it all).
                root = None if utf16 else _ROOT_START.search(window)
                prolog = window[: root.start()] if root else window
                if any(marker in prolog for marker in _DTD_MARKERS):
                    raise _unsafe_xml(info.filename)
                if root:
                    scan_dtd = False
                tail = window[-24:]
            if decompressor is not None and decompressor.eof:
                break
    if produced != expected or (decompressor is not None and not decompressor.eof):
        raise _not_xlsx()


def check_workbook_archive(
    source: IO[bytes],
    *,
    max_sheets: int = DEFAULT_MAX_SHEETS,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> list[tuple[str, bool]]:
    """Check an uploaded .xlsx as a zip before any spreadsheet library reads it; return its (sheet name, visible).

    Raises WorkbookRejected for anything that is not a plain, safe, reasonably sized workbook.
    """
    source.seek(0)
    if source.read(8) == _OLE2_MAGIC:
        raise WorkbookRejected(
            "这是旧版 .xls 或加密的工作簿，请取消密码并另存为 .xlsx 后重新上传",
            "This is a legacy .xls or an encrypted workbook; remove the password, save it as .xlsx and upload again",
            "not_xlsx",
        )
    source.seek(0)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise _not_xlsx() from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise _bomb(f"{len(infos)} 个压缩成员", f"{len(infos)} archive members")
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise _not_xlsx()
        total = sum(info.file_size for info in infos)
        if total > max_uncompressed_bytes:
            raise _bomb(
                f"解压后 {total / 1048576:.0f} MB，上限 {max_uncompressed_bytes / 1048576:.0f} MB",
                f"{total / 1048576:.0f} MB uncompressed, limit {max_uncompressed_bytes / 1048576:.0f} MB",
            )
        for info in infos:
            if info.flag_bits & 0x1:
                raise _not_xlsx()
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_CHECK_FLOOR and ratio > MAX_COMPRESSION_RATIO:
                raise _bomb(f"{info.filename} 压缩比 {ratio:.0f}:1", f"{info.filename} compression ratio {ratio:.0f}:1")
        for info in infos:
            if not info.is_dir():
                _inflate_member(source, info, scan_dtd=info.filename.lower().endswith((".xml", ".rels", ".vml")))

        content_types = _parse_xml(archive.read("[Content_Types].xml"), "[Content_Types].xml")
        kinds = [el.get("ContentType", "") for el in content_types.iter()]
        if not any("spreadsheetml" in kind or "ms-excel" in kind for kind in kinds):
            raise _not_xlsx()
        workbook = _parse_xml(archive.read("xl/workbook.xml"), "xl/workbook.xml")
    sheets = [
        (el.get("name", ""), el.get("state", "visible") not in ("hidden", "veryHidden"))
        for el in workbook.iter()
        if _local_name(el.tag) == "sheet"
    ]
    if not sheets:
        raise _not_xlsx()
    if len(sheets) > max_sheets:
        raise WorkbookRejected(
            f"工作簿有 {len(sheets)} 个工作表，超过上限 {max_sheets} 个",
            f"The workbook has {len(sheets)} sheets, more than the limit of {max_sheets}",
            "too_many_sheets",
        )
    return sheets


# --------------------------------------------------------------------------------------------------------------------
# Headers


def _header_key(text: object) -> str:
    if not isinstance(text, str):
        return ""
    return "".join(unicodedata.normalize("NFKC", text).split()).lstrip("*").strip().lower()


# Renamings seen in the wild; matched exactly (after _header_key), never by containment.
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "application_number": ("专利申请号", "申请号/专利号", "专利号", "申请(专利)号"),
    "title": ("发明名称", "专利名"),
    "legal_status": ("专利状态", "当前法律状态"),
    "years_maintained": ("维持年数", "已维持年限"),
    "inventors": ("发明人姓名", "发明(设计)人", "发明人/设计人"),
    "org_unit": ("所属院系", "学院", "院系", "所属单位"),
    "fiscally_funded": ("是否财政资助", "财政资助", "是否财政资助项目"),
    "impl_level1": ("实施状态(一级)", "一级状态", "专利实施化状态", "实施状态", "一级实施状态"),
    "impl_level2": ("实施状态(二级)", "二级状态", "二级实施状态"),
    "impl_value": ("金额(万元)", "金额", "金额/评价结果/产品名称"),
    "intent_level1": ("一级转化意愿", "转化意愿一级", "转化意愿"),
    "intent_level2": ("二级转化意愿", "转化意愿二级"),
    "intended_cities": ("合作城市",),
    "intended_enterprises": ("合作企业",),
    "price_band": ("价格", "意向价格(万元)"),
    "contact_name": ("联系人姓名",),
    "contact_phone": ("联系电话", "电话", "手机", "联系人电话"),
    "maturity": ("成熟度",),
    "value_stars": ("价值分级自评", "专利价值分级", "价值分级", "星级", "专利价值自评"),
    "industry_section": ("行业分类", "国民经济行业", "国民经济行业门类"),
    "prospect": ("产业化前景",),
    "sei_class": ("战略性新兴产业分类", "战新产业分类", "战略性新兴产业"),
    "ipc_field": ("技术领域", "所属技术领域", "ipc", "IPC分类"),
    "grant_date": ("授权公告日", "授权日期", "公告日"),
    "application_date": ("申请日期",),
    "publication_number": ("公开(公告)号", "公开号", "公告号", "授权公告号"),
    "patentees": ("申请人", "专利权人/申请人", "[标]当前申请(专利权)人", "当前专利权人", "当前申请(专利权)人"),
    "ipc_main": ("主分类号", "IPC主分类"),
    "ipc_others": ("ipc分类号",),
}
_HEADER_NAMES: dict[str, str] = {c.key: _header_key(c.header) for c in (*COLUMNS, *EXTRA_COLUMNS)}
_ALIAS_KEYS: dict[str, tuple[str, ...]] = {
    key: tuple(_header_key(a) for a in aliases) for key, aliases in _HEADER_ALIASES.items()
}
_ANNOTATION_STARTS = ("(", "[", ":", "-", "/", "（", "【")


def _header_score(cell: str, key: str) -> int:
    """How well a header cell names a column: 0 not at all … higher is better."""
    if not cell:
        return 0
    name = _HEADER_NAMES[key]
    if cell == name:
        return 300 + len(name)
    if cell in _ALIAS_KEYS.get(key, ()):
        return 250 + len(cell)
    if cell.startswith(name):
        bonus = 50 if cell[len(name) : len(name) + 1] in _ANNOTATION_STARTS else 0
        return 150 + bonus + len(name)
    if len(name) >= 3 and name in cell:
        return 20 + len(name)
    return 0


def _match_headers(cells: list[str]) -> dict[str, int]:
    """Assign columns to header cells, best matches first; each cell and each column at most once."""
    candidates = []
    for index, cell in enumerate(cells):
        if not cell:
            continue
        for key in _HEADER_NAMES:
            score = _header_score(cell, key)
            if score:
                candidates.append((score, -index, key, index))
    candidates.sort(reverse=True)
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for _score, _neg, key, index in candidates:
        if key not in mapping and index not in used:
            mapping[key] = index
            used.add(index)
    return mapping


def _strong_matches(cells: list[str]) -> int:
    return sum(1 for key in _HEADER_NAMES if any(_header_score(c, key) >= 150 for c in cells if c))


def _find_header(rows: list[list]) -> tuple[int, dict[str, int]] | None:
    """(0-based header row, column key → 0-based index) from the first rows of a sheet, or None if none is there."""
    keyed = [[_header_key(c) for c in row] for row in rows]
    best, best_count = None, 0
    for index, cells in enumerate(keyed):
        count = _strong_matches(cells)
        if count > best_count:
            best, best_count = index, count
    if best is None or best_count < 4:
        return None
    # Merged two-row headers (K2:K3, X2:X3, Y2:Y3) leave the lower cell empty: take the text from the row above.
    cells = list(keyed[best])
    if best > 0:
        above = keyed[best - 1]
        for i, cell in enumerate(above):
            if i < len(cells) and not cells[i]:
                cells[i] = cell
            elif i >= len(cells):
                cells.append(cell)
    mapping = _match_headers(cells)
    # Everything recognised sits where the template puts it: take the rest by position (the national columns only).
    if mapping and all(_INDEX[key] == index for key, index in mapping.items() if key in _NATIONAL_KEYS):
        last = max(mapping.values())
        taken = set(mapping.values())
        for key, index in _INDEX.items():
            if key in mapping or index in taken or key not in _NATIONAL_KEYS:
                continue
            if (index < len(cells) and cells[index]) or index < last:
                mapping[key] = index
    return best, mapping


# --------------------------------------------------------------------------------------------------------------------
# Reading

# Each data row becomes a list aligned with READ_COLUMNS (index 0 = A … 29 = AD, then the extra base-library columns
# a file may carry), "" for columns the file lacks.
READ_COLUMNS = (*COLUMNS, *EXTRA_COLUMNS)
_NATIONAL_KEYS = frozenset(c.key for c in COLUMNS)
_INDEX = {c.key: i for i, c in enumerate(READ_COLUMNS)}
_B = _INDEX["application_number"]
_IMPL = tuple(_INDEX[k] for k in _IMPL_KEYS)
_INTENT = tuple(_INDEX[k] for k in _INTENT_KEYS)
_TERMS = tuple(_INDEX[k] for k in INTENT_TERM_KEYS)
_IMPL_CELLS, _INTENT_CELLS = operator.itemgetter(*_IMPL), operator.itemgetter(*_INTENT)
_TERM_CELLS = operator.itemgetter(*_TERMS)
_REPEATING = tuple(sorted(_IMPL + _INTENT + _TERMS))
_BASIC = tuple(i for i, c in enumerate(READ_COLUMNS) if c.basic)
_FIRST_REPEATING, _LAST_REPEATING = min(_REPEATING), max(_REPEATING) + 1
assert tuple(range(_FIRST_REPEATING, _LAST_REPEATING)) == _REPEATING  # L–W are contiguous
_LAST_CONTINUING = max(_INTENT) + 1  # Q
_FIRST_ASSESSMENT, _LAST_ASSESSMENT = _FIRST_REPEATING, len(COLUMNS)  # L … AD: the self-assessment part
# Parsers of the basic columns; those of few distinct values are cached per file.
_CACHED_PARSERS = {
    "legal_status": v.parse_legal_status,
    "years_maintained": v.parse_years_maintained,
    "fiscally_funded": v.parse_bool,
    "price_band": v.parse_price_band,
    "maturity": v.parse_maturity,
    "value_stars": v.parse_value_stars,
    "industry_section": v.parse_industry_section,
    "sei_class": v.parse_sei_class,
    "fee_standard_wan": v.parse_decimal,
    "intended_cities": v.parse_cities,
    "intended_enterprises": v.parse_enterprises,
}
_PARSERS = {"bundle_numbers": v.parse_bundle_numbers}
_TEXT_KEYS = (
    "title",
    "inventors",
    "org_unit",
    "bundle_name",
    "bundle_description",
    "contact_name",
    "contact_phone",
    "products_advantages",
    "prospect",
    "ipc_field",
)
# What a field holds when its cell is blank or unreadable (a callable for a fresh list).
_DEFAULTS = {
    "years_maintained": None,
    "fiscally_funded": None,  # validate_record reports the required column K
    "value_stars": None,
    "fee_standard_wan": None,
    "bundle_numbers": list,
}
_CACHED_FIELDS = tuple((key, _INDEX[key], parse, _DEFAULTS.get(key, "")) for key, parse in _CACHED_PARSERS.items())
_PARSED_FIELDS = tuple((key, _INDEX[key], parse, _DEFAULTS.get(key, "")) for key, parse in _PARSERS.items())
_TEXT_FIELDS = tuple((key, _INDEX[key]) for key in _TEXT_KEYS)
_PLACEHOLDER_MAX = 4
# R–W of one intent row: (key, index, parser or None for text).
_TERM_FIELDS = tuple((key, _INDEX[key], _CACHED_PARSERS.get(key)) for key in INTENT_TERM_KEYS)
_EXTRA_INDEX = tuple((c.key, _INDEX[c.key], c.max_length) for c in EXTRA_COLUMNS)


class _ErrorLimit(Exception):
    pass


class _Group:
    """The rows of one patent while they are being read."""

    __slots__ = (
        "row",
        "cells",
        "impl_rows",
        "intent_rows",
        "entries",
        "intents",
        "impl_unreadable",
        "intent_unreadable",
        "errors",
        "intent_terms",
    )

    def __init__(self, row: int) -> None:
        self.row = row
        self.cells: dict[int, tuple | list] = {}  # sheet row → normalised values
        self.impl_rows: list[int] = []
        self.intent_rows: list[int] = []
        self.entries: list = []
        self.intents: list = []
        self.impl_unreadable = False
        self.intent_unreadable = False
        self.errors: dict[tuple[int, str], CellError] = {}
        self.intent_terms: list[dict | None] = []  # per intent: its row's R–W, None when the row left them blank


def _open_source(path_or_file) -> tuple[IO[bytes], str | None]:
    """(binary file object for the zip checks, to be closed by the caller; path for calamine or None)."""
    if isinstance(path_or_file, (str, os.PathLike)):
        return open(path_or_file, "rb"), os.fspath(path_or_file)  # noqa: SIM115 - closed by the caller
    temporary_path = getattr(path_or_file, "temporary_file_path", None)
    if callable(temporary_path):  # Django's TemporaryUploadedFile
        path = temporary_path()
        return open(path, "rb"), path  # noqa: SIM115 - closed by the caller
    if isinstance(path_or_file, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(path_or_file)), None
    if hasattr(path_or_file, "read"):
        if hasattr(path_or_file, "seek"):
            path_or_file.seek(0)
        data = path_or_file.read()
        if isinstance(data, str):
            raise _not_xlsx()
        return io.BytesIO(data), None
    raise TypeError(f"read_inventory() needs a path, bytes or a binary file, not {type(path_or_file).__name__}")


def read_inventory(
    path_or_file,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_sheets: int = DEFAULT_MAX_SHEETS,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    max_errors: int = DEFAULT_MAX_ERRORS,
    max_blank_run: int = DEFAULT_MAX_BLANK_RUN,
    on_progress: Callable[[int], None] | None = None,
) -> ParsedInventory:
    """Read a national-format workbook (a path, bytes, a binary file or a Django UploadedFile).

    Raises WorkbookRejected for whole-file problems; everything else is in ``ParsedInventory.errors``.
    ``on_progress(rows_read)`` is called every PROGRESS_EVERY data rows, for a live progress bar.
    Reading stops at the first run of ``max_blank_run`` consecutive blank rows (sheets formatted far below their data);
    a row with content after such a run is an error, so nothing is dropped unseen.
    """
    source, path = _open_source(path_or_file)
    trimmed = None
    try:
        check_workbook_archive(source, max_sheets=max_sheets, max_uncompressed_bytes=max_uncompressed_bytes)
        # calamine builds a sheet's whole range before the first row: cut long blank tails off first (sheetscan.py).
        trimmed = _trim_blank_runs(source, max_blank_run, path)
        if trimmed is not None:
            path = trimmed.path
        try:
            if path is not None:
                workbook = CalamineWorkbook.from_path(path)
            else:
                source.seek(0)
                workbook = CalamineWorkbook.from_filelike(source)
        except CalamineError:
            raise WorkbookRejected(
                "工作簿已损坏，无法读取", "The workbook is damaged and cannot be read", "corrupt"
            ) from None
    finally:
        source.close()
        if trimmed is not None:
            os.unlink(trimmed.path)  # calamine keeps its own open handle to the file (POSIX)
    # Reading creates a few million objects and no garbage cycles worth collecting: without the cyclic collector
    # running over the growing heap it is about 10% faster. It is switched back on however the reading ends.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with workbook:
            parsed = _Reader(
                workbook, max_rows=max_rows, max_errors=max_errors, on_progress=on_progress, max_blank_run=max_blank_run
            ).read()
    finally:
        if collecting:
            gc.enable()
    if trimmed is not None and parsed.blank_run is None:
        parsed.blank_run = trimmed.runs.get(parsed.sheet_name)
    return parsed


def _trim_blank_runs(source: IO[bytes], max_blank_run: int, path: str | None):
    from .sheetscan import BlankRunFound, trim_blank_runs

    # Next to a local file, named after it: the import job's copies are swept by that name if a worker dies.
    folder = os.path.dirname(os.path.abspath(path)) if path else ""
    where = {"temp_dir": folder, "prefix": os.path.basename(path) + "-trimmed-"} if os.access(folder, os.W_OK) else {}
    try:
        return trim_blank_runs(source, max_blank_run=max_blank_run, **where)
    except BlankRunFound as found:
        raise WorkbookRejected(
            f"工作表“{found.sheet}”第 {found.first_blank_row} 行起有连续 {found.blank_rows} 行空行，但第 "
            f"{found.later_row} 行还有内容。平台读到连续 {max_blank_run} 行空行即停止（以免读取大片带格式的空行），"
            "请删除中间的空行后重新上传",
            f"Sheet “{found.sheet}” has {found.blank_rows} consecutive blank rows from row {found.first_blank_row}, "
            f"but row {found.later_row} has content. The platform stops reading at {max_blank_run} consecutive blank "
            "rows (so as not to read large formatted but empty areas): delete the blank rows in between and upload "
            "again",
            "blank_run",
        ) from None
    except zipfile.BadZipFile:
        raise _not_xlsx() from None


class _Reader:
    """One reading of one workbook."""

    def __init__(
        self,
        workbook: CalamineWorkbook,
        *,
        max_rows: int,
        max_errors: int,
        on_progress: Callable[[int], None] | None,
        max_blank_run: int = DEFAULT_MAX_BLANK_RUN,
    ) -> None:
        self.workbook = workbook
        self.max_blank_run = max_blank_run
        self.blank_run: tuple[int, int] | None = None
        self.on_progress = on_progress
        self.max_rows = max_rows
        self.max_errors = max_errors
        self.errors: list[CellError] = []
        self.records: list[InventoryRecord] = []
        self.seen_numbers: dict[str, int] = {}
        self.patents = 0
        self.truncated = False
        self.caches: dict[str, dict] = {key: {} for key in _CACHED_PARSERS}

    # -- sheet and headers ------------------------------------------------------------------------------------------

    def _load(self, name: str):
        try:
            sheet = self.workbook.get_sheet_by_name(name)
        except CalamineError:
            raise WorkbookRejected(
                f"工作表“{name}”已损坏，无法读取", f"The sheet “{name}” is damaged and cannot be read", "corrupt"
            ) from None
        start = sheet.start
        offset = start[1] if start else 0
        # calamine yields rows from row 1 but columns from the first one holding data: pad back to column A.
        rows = sheet.iter_rows()
        if offset:
            padding = [""] * offset
            rows = (padding + row for row in rows)
        head = list(islice(rows, HEADER_SCAN_ROWS))
        return chain(head, rows), head

    def _choose_sheet(self):
        names = self.workbook.sheet_names
        visible = {m.name: m.visible == SheetVisibleEnum.Visible for m in self.workbook.sheets_metadata}
        for name in names:
            if name.strip() == SHEET_NAME:
                rows, head = self._load(name)
                return name, rows, _find_header(head)
        for name in names:
            if not visible.get(name, True):
                continue
            rows, head = self._load(name)
            found = _find_header(head)
            if found is not None:
                return name, rows, found
        raise WorkbookRejected(
            f"找不到“{SHEET_NAME}”工作表，也没有哪个工作表的表头是国家批量导入模板的表头",
            f"No sheet named “{SHEET_NAME}” and no sheet with the headers of the national batch-import template",
            "no_sheet",
        )

    # -- the file ---------------------------------------------------------------------------------------------------

    def read(self) -> ParsedInventory:
        name, rows, found = self._choose_sheet()
        header_row, mapping = found if found is not None else (2, {})
        missing = [c for c in COLUMNS if c.required and c.key not in mapping]
        if missing:
            headers = "、".join(f"{c.letter} {c.header}" for c in missing)
            headers_en = ", ".join(f"{c.letter} {c.header}" for c in missing)
            error = CellError(
                header_row + 1,
                "",
                "",
                f"缺少必填列：{headers}。请使用国家批量导入模板（表头在第 2—3 行）",
                f"Required columns are missing: {headers_en}. Use the national batch-import template "
                "(headers on rows 2–3)",
                "missing_columns",
            )
            return ParsedInventory([], [error], 0, name)

        # Error cells are named by the uploaded sheet's own letters; "" for a column the file lacks.
        self.letters = [column_letter(mapping[c.key]) if c.key in mapping else "" for c in READ_COLUMNS]
        total, last_row = self._read_rows(rows, header_row, mapping)
        self.errors.sort(key=error_order)
        if self.truncated:
            self.errors.append(
                CellError(
                    last_row,
                    "",
                    "",
                    f"错误过多：只列出了前 {self.max_errors} 条，请改正后重新上传",
                    f"Too many errors: only the first {self.max_errors} are listed; correct them and upload again",
                    "too_many_errors",
                )
            )
        return ParsedInventory(self.records, self.errors, total, name, self.truncated, self.blank_run, self.patents)

    def _read_rows(self, rows, header_row: int, mapping: dict[str, int]) -> tuple[int, int]:
        # One trailing "" is appended to every row; absent columns read it (index -1).
        getter = operator.itemgetter(*(mapping.get(c.key, -1) for c in READ_COLUMNS))
        normalisers = [_normaliser(c.key) for c in READ_COLUMNS]
        gates = [(_NEEDS_PROSE if c.key in _PROSE_KEYS else _NEEDS_CODE).search for c in READ_COLUMNS]
        max_rows = self.max_rows
        first_data_row = header_row + 2  # 1-based
        total = 0
        row_number = 0
        group: _Group | None = None
        blank_since = 0  # first row of the current run of blank rows (0: none)
        for row_number, row in enumerate(rows, start=1):
            if row_number < first_data_row:
                continue
            if blank_since and row_number - blank_since >= self.max_blank_run:
                self._stop_at_blank_run(chain([row], rows), row_number, blank_since, getter)
                break
            row.append("")
            values = getter(row)
            changed = None
            for i, value in enumerate(values):
                # Most cells need nothing; three cheap tests decide before the normaliser is called. (CPython's
                # strip() returns the very same string when there is nothing to strip.)
                if (
                    value.__class__ is str
                    and value
                    and (gates[i](value) or value.strip() is not value or "  " in value)
                ):
                    if changed is None:
                        changed = list(values)
                    changed[i] = normalisers[i](value)
            if changed is not None:
                values = changed
            # Blank, or only 序号 (templates often come pre-numbered): not a data row.
            if not any(values[1:]) and all(value == "" for value in values[1:]):
                blank_since = blank_since or row_number
                continue
            blank_since = 0
            total += 1
            if self.on_progress is not None and total % PROGRESS_EVERY == 0:
                self.on_progress(total)
            if total > max_rows:
                raise WorkbookRejected(
                    f"工作表的数据超过 {max_rows} 行，请拆分成多个文件上传",
                    f"The sheet has more than {max_rows} data rows; split it into several files",
                    "too_many_rows",
                )
            if self.truncated:
                continue
            try:
                group = self._row(group, row_number, values)
            except _ErrorLimit:
                group = None
                self.truncated = True
        if group is not None and not self.truncated:
            try:
                self._finish(group)
            except _ErrorLimit:
                self.truncated = True
        return total, row_number

    def _stop_at_blank_run(self, rows, row_number: int, blank_since: int, getter) -> None:
        """Stop reading at a long run of blank rows; a row with data further down (anything but 序号) is an error."""
        self.blank_run = (blank_since, self.max_blank_run)
        for later, row in enumerate(rows, start=row_number):
            row.append("")
            if any(value != "" and not (value.__class__ is str and not value.strip()) for value in getter(row)[1:]):
                message = (
                    f"第 {blank_since} 行起有连续 {self.max_blank_run} 行空行，读取在那里停止；但第 {later} 行还有内容。"
                    "为防止读取大片带格式的空行，平台在这么多空行处停止：请删除中间的空行后重新上传"
                )
                message_en = (
                    f"From row {blank_since} there are {self.max_blank_run} consecutive blank rows, where reading "
                    f"stopped, but row {later} has content. The platform stops at that many blank rows so as not to "
                    "read large formatted but empty areas: delete the blank rows in between and upload again"
                )
                with contextlib.suppress(_ErrorLimit):
                    self._add(CellError(later, "", "", message, message_en, "blank_run"))
                return

    def _row(self, group: _Group | None, row_number: int, values: list) -> _Group | None:
        """Take one non-blank data row; return the patent now being read."""
        if values[_B] != "":
            if group is not None:
                self._finish(group)
            self.patents += 1
            group = _Group(row_number)
            group.cells[row_number] = values
            self._add_entries(group, row_number, values)
            return group
        # An implementation state or an intent (L–Q) makes a continuation row; R–W alone do not (they need an intent).
        if any(value != "" for value in values[_FIRST_REPEATING:_LAST_CONTINUING]):
            if group is None:
                self._add(
                    CellError(
                        row_number,
                        self.letters[_B],
                        "",
                        "续行之前没有专利行：请在第一行填写申请号，多个实施状态或转化意愿才写在其后的行",
                        "A continuation row comes before any patent row: the first row of a patent needs its "
                        "application number, and only further states or intents go on the following rows",
                        "orphan_continuation",
                    )
                )
                return None
            group.cells[row_number] = values
            basic_filled = False
            for i in _BASIC:
                if values[i] != "":
                    basic_filled = True
                    self._group_error(
                        group,
                        row_number,
                        i,
                        "续行不得填写基本信息列：同一专利的第二行起只填写实施状态（L—O）和转化意愿（P—W）",
                        "A continuation row must not fill the basic columns: the following rows of a patent hold "
                        "only implementation states (L–O) and conversion intents with their terms (P–W)",
                        "continuation_basic",
                    )
            self._add_entries(group, row_number, values, terms_checked=not basic_filled)
            return group
        if group is not None:
            self._finish(group)
        self.patents += 1  # a patent row without its number
        self._add(
            CellError(
                row_number,
                self.letters[_B],
                "",
                "缺少申请号：该行既没有申请号，也不是实施状态或转化意愿的续行",
                "The application number is missing: this row has none and is not a continuation row of "
                "implementation states or conversion intents",
                "required",
            )
        )
        return None

    # -- errors -----------------------------------------------------------------------------------------------------

    def _add(self, error: CellError) -> None:
        if len(self.errors) >= self.max_errors:
            self.truncated = True
            raise _ErrorLimit
        self.errors.append(error)

    def _group_error(self, group: _Group, row: int, index: int, message: str, message_en: str, code: str) -> None:
        """Note an error of one cell of a patent; the first one said about a cell wins."""
        slot = (row, self.letters[index] or READ_COLUMNS[index].letter)
        if slot not in group.errors:
            value = group.cells[row][index] if row in group.cells else ""
            group.errors[slot] = CellError(row, self.letters[index], _shown(value), message, message_en, code)

    def _problem(self, group: _Group, row: int, problem: v.Problem) -> None:
        self._group_error(group, row, _INDEX[problem.key], problem.message, problem.message_en, problem.code)

    # -- one patent -------------------------------------------------------------------------------------------------

    def _add_entries(self, group: _Group, row: int, values: list, *, terms_checked: bool = True) -> None:
        l1, l2, n, remark = _IMPL_CELLS(values)
        if l1 != "" or l2 != "" or n != "" or remark != "":
            entry, problems = v.implementation_from_cells(l1, l2, n, remark)
            for problem in problems:
                self._problem(group, row, problem)
            if entry is not None:
                group.entries.append(entry)
                group.impl_rows.append(row)
            elif problems:
                group.impl_unreadable = True
        p, q = _INTENT_CELLS(values)
        has_terms = any(cell != "" for cell in _TERM_CELLS(values))
        if p != "" or q != "":
            intent, problems = v.intent_from_cells(p, q)
            for problem in problems:
                self._problem(group, row, problem)
            if intent is not None:
                group.intents.append(intent)
                group.intent_rows.append(row)
                # The first row's R–W are read with the patent's fields in _finish.
                group.intent_terms.append(self._terms(group, row, values) if has_terms and row != group.row else None)
            elif problems:
                group.intent_unreadable = True
        elif has_terms and row != group.row and terms_checked:
            index = next(i for i in _TERMS if values[i] != "")
            self._group_error(
                group,
                row,
                index,
                "费用标准、意向合作城市、意向合作企业、意向价格和联系人属于同一行的转化意愿：请在本行填写转化意愿（P）",
                "The fee, cities, enterprises, price band and contact belong to the conversion intent of the same row: "
                "fill the intent (column P) on this row",
                "terms_without_intent",
            )

    def _terms(self, group: _Group, row: int, values: list) -> dict:
        """Columns R–W of one continuation row, read by the same (cached) readers as the first row's."""
        terms: dict = {}
        caches = self.caches
        for key, index, parse in _TERM_FIELDS:
            raw = values[index]
            if parse is None:
                value = raw if raw.__class__ is str else _as_text(raw)
                terms[key] = "" if len(value) <= _PLACEHOLDER_MAX and v.is_blank_placeholder(value) else value
                continue
            cache = caches[key]
            slot = raw if raw.__class__ is str else (raw.__class__, raw)
            result = cache.get(slot, _MISSING)
            if result is _MISSING:
                try:
                    result = parse(raw)
                except v.FieldError as exc:
                    result = exc
                cache[slot] = result
            if result.__class__ is v.FieldError:
                self._group_error(group, row, index, result.message, result.message_en, result.code)
                result = _DEFAULTS.get(key, "")
            terms[key] = result
        return terms

    def _finish(self, group: _Group) -> None:
        """Build, check and keep (if clean) the record of one patent."""
        row = group.row
        values = group.cells[row]
        fields: dict = {}

        raw = values[_B]
        try:
            number = v.parse_application_number(raw)
        except v.FieldError as exc:
            number = None
            self._group_error(group, row, _B, exc.message, exc.message_en, exc.code)
        canonical = str(number) if number is not None else ""
        if canonical:
            first = self.seen_numbers.setdefault(canonical, row)
            if first != row:
                self._group_error(
                    group,
                    row,
                    _B,
                    f"申请号 {canonical} 与第 {first} 行重复",
                    f"The application number {canonical} repeats row {first}",
                    "duplicate",
                )

        caches = self.caches
        for key, index, parse, default in _CACHED_FIELDS:
            raw = values[index]
            cache = caches[key]
            result = cache.get(raw if raw.__class__ is str else (raw.__class__, raw), _MISSING)
            if result is _MISSING:
                try:
                    result = parse(raw)
                except v.FieldError as exc:
                    result = exc
                cache[raw if raw.__class__ is str else (raw.__class__, raw)] = result
            if result.__class__ is v.FieldError:
                self._group_error(group, row, index, result.message, result.message_en, result.code)
                result = default
            fields[key] = result
        for key, index, parse, default in _PARSED_FIELDS:
            raw = values[index]
            if raw == "":
                fields[key] = default() if callable(default) else default
                continue
            try:
                fields[key] = parse(raw)
            except v.FieldError as exc:
                self._group_error(group, row, index, exc.message, exc.message_en, exc.code)
                fields[key] = default() if callable(default) else default
        for key, index in _TEXT_FIELDS:
            value = values[index]
            if value.__class__ is not str:
                value = _as_text(value)
            elif len(value) <= _PLACEHOLDER_MAX and v.is_blank_placeholder(value):
                value = ""
            fields[key] = value
        for key, index, limit in _EXTRA_INDEX:
            raw = values[index]
            if raw == "":
                continue
            try:
                fields[key] = _extra_value(key, raw, limit)
            except v.FieldError as exc:
                self._group_error(group, row, index, exc.message, exc.message_en, exc.code)

        # Each intent's R–W: its own row's, or the first row's when its row left them blank.
        first_terms = {key: fields[key] for key in INTENT_TERM_KEYS}
        for intent, terms in zip(group.intents, group.intent_terms, strict=True):
            if terms is None:
                terms = first_terms
            for key, value in terms.items():
                setattr(intent, key, value)
        if group.intents:
            fields.update(zip(INTENT_TERM_KEYS, group.intents[0].terms(), strict=True))
        record = InventoryRecord(
            row=row,
            application_number=canonical,
            implementation_states=group.entries,
            intents=group.intents,
            rows=sorted(group.cells),
            # Nothing from L onward on the patent's only row: inventoried, the self-assessment left to fill.
            assessment_blank=len(group.cells) == 1
            and all(value == "" for value in values[_FIRST_ASSESSMENT:_LAST_ASSESSMENT]),
            **fields,
        )
        problems = v.validate_record(record, patent_type=number.patent_type if number is not None else "")
        for problem in problems:
            if problem.entry is not None and problem.key in v.IMPLEMENTATION_KEYS:
                problem_row = group.impl_rows[problem.entry]
            elif problem.entry is not None and problem.key in v.INTENT_KEYS:
                problem_row = group.intent_rows[problem.entry]
            elif problem.entry is not None and problem.key in v.INTENT_TERMS:
                # Terms an intent took from the first row are reported there, once.
                inherited = group.intent_terms[problem.entry] is None
                problem_row = row if inherited else group.intent_rows[problem.entry]
            else:
                problem_row = row
                # "L / P required" after an unreadable L / P on some row would point at the wrong cell.
                if problem.code == "required" and (
                    (problem.key == "impl_level1" and group.impl_unreadable)
                    or (problem.key == "intent_level1" and group.intent_unreadable)
                ):
                    continue
            self._problem(group, problem_row, problem)

        for error in group.errors.values():
            self._add(error)
        if not group.errors and number is not None:
            self.records.append(record)


_MISSING = object()


def _extra_value(key: str, raw: object, limit: int | None):
    """A base-library fact from an extra column (授权日, 申请日, 公开（公告）号, 专利权人, IPC)."""
    if key in ("grant_date", "application_date"):
        return parse_date(raw)
    text = _as_text(raw)
    if v.is_blank_placeholder(text):
        return ""
    if key == "publication_number":
        text = "".join(text.split()).upper()
    elif key in ("ipc_main", "ipc_others"):
        text = normalise_ipc_list(text)
        if key == "ipc_main":
            text = text.split("; ")[0]
    if limit is not None and len(text) > limit:
        raise v.FieldError(
            "too_long", f"最多 {limit} 个字符，这里有 {len(text)} 个", f"At most {limit} characters, found {len(text)}"
        )
    return text


_IPC_SEPARATORS = re.compile(r"\s*[|｜;；,，、\n]\s*")


def normalise_ipc_list(text: str) -> str:
    """IPC codes as patent databases list them (``C08L83/07 | C08K9/06``, ``;``-separated …) → ``C08L83/07; C08K9/06``."""
    codes = [" ".join(code.split()).upper() for code in _IPC_SEPARATORS.split(text) if code.strip()]
    return "; ".join(dict.fromkeys(codes))


def _shown(value: object) -> str:
    text = _as_text(value) if value is not None else ""
    return text if len(text) <= 200 else text[:199] + "…"
