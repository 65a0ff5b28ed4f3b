"""Reading uploaded national batch-import workbooks (inventory.reader).

Workbooks are built with openpyxl from the real national template (its header rows 1–3, data from row 4) and read back
with the calamine-based reader. Pure tests: no database.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import NATIONAL_TEMPLATE, make_number, with_member, zip_bytes
from django.core.files.uploadedfile import SimpleUploadedFile

from evaluations.record import SHEET_NAME, ImplementationEntry, IntentEntry, InventoryRecord
from inventory.reader import (
    ParsedInventory,
    WorkbookRejected,
    check_workbook_archive,
    column_letter,
    parse_date,
    read_inventory,
)

TEMPLATE_BYTES = NATIONAL_TEMPLATE.read_bytes()


def patent(serial: int, type_digit: str = "1", **cells) -> dict[str, object]:
    """The cells of a valid one-row patent; ``cells`` override by column letter (None blanks a cell)."""
    row = {
        "A": serial,
        "B": make_number(serial, type_digit=type_digit),
        "C": "一种锂电池隔膜的制备方法，及其应用",
        "D": "有效",
        "E": 5,
        "F": "张三，李四",
        "G": "材料学院",
        "K": "是",
        "L": "尚未实施",
        "P": "拟许可",
        "Q": "拟普通许可",
        "U": "10-20万",
        "V": "王老师",
        "W": "13800000000",
        "X": "小批量生产、工程应用阶段",
        "Y": "四星",
        "Z": "动力电池隔膜，耐热 200℃",
        "AA": "制造业",
        "AB": "新能源汽车市场持续增长",
        "AC": "新材料产业",
        "AD": "H01M 50/40",
    }
    row.update(cells)
    return {letter: value for letter, value in row.items() if value is not None}


def template_book() -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(TEMPLATE_BYTES))


def fill(sheet, rows: list[dict | None], first_row: int = 4) -> None:
    for offset, cells in enumerate(rows):
        for letter, value in (cells or {}).items():
            sheet[f"{letter}{first_row + offset}"] = value


def write(tmp_path: Path, rows: list[dict | None], name: str = "inventory.xlsx", book=None) -> Path:
    """A copy of the national template with ``rows`` from row 4 (None leaves a blank row)."""
    book = book or template_book()
    fill(book[SHEET_NAME], rows)
    path = tmp_path / name
    book.save(path)
    return path


def cells_of(parsed: ParsedInventory) -> set[tuple[int, str]]:
    return {(error.row, error.column) for error in parsed.errors}


def only_error(parsed: ParsedInventory):
    assert len(parsed.errors) == 1, parsed.errors
    return parsed.errors[0]


# ---------------------------------------------------------------------------------------------------------------------
# Clean files


def test_template_itself_reads_as_empty():
    parsed = read_inventory(NATIONAL_TEMPLATE)
    assert parsed == ParsedInventory([], [], 0, SHEET_NAME)


FIRST_ROW_TERMS = {
    "fee_standard_wan": Decimal("10"),
    "intended_cities": "浙江省-杭州市,江苏省-南京市",
    "intended_enterprises": "某某科技有限公司,某某（北京）新材料有限公司",
    "price_band": "10-20",
    "contact_name": "王老师",
    "contact_phone": "13800000000",
}


def test_multi_row_patent_becomes_one_record(tmp_path):
    rows = [
        patent(
            1,
            L="已许可",
            M="已签订普通许可合同",
            N=12.5,
            O="合同已备案",
            P="拟许可",
            Q="拟普通许可",
            R=10,
            S="浙江省-杭州市，江苏省-南京市",
            T="某某科技有限公司，某某（北京）新材料有限公司",
            H="隔膜组合",
            I=f"{make_number(2)}，{make_number(3)}",
            J="同一技术路线",
        ),
        {"L": "已转让", "M": "已签订转让合同", "N": "20万元", "P": "拟转让", "Q": "拟作价入股"},
        {"P": "拟自行应用或产业化", "Q": "自定义（请勿勾选，请直接填写）：与企业共建中试线"},
    ]
    parsed = read_inventory(write(tmp_path, rows))
    assert parsed.errors == []
    assert parsed.total_rows == 3
    assert parsed.sheet_name == SHEET_NAME
    assert parsed.records == [
        InventoryRecord(
            row=4,
            application_number=make_number(1),
            title="一种锂电池隔膜的制备方法，及其应用",
            legal_status="valid",
            years_maintained=5,
            inventors="张三，李四",
            org_unit="材料学院",
            bundle_name="隔膜组合",
            bundle_numbers=[make_number(2), make_number(3)],
            bundle_description="同一技术路线",
            fiscally_funded=True,
            implementation_states=[
                ImplementationEntry(
                    level1="licensed", level2="ordinary_licence_signed", amount_wan=Decimal("12.5"), remark="合同已备案"
                ),
                ImplementationEntry(level1="transferred", level2="transfer_signed", amount_wan=Decimal("20")),
            ],
            # Rows 5 and 6 leave R–W blank: their intents take the first row's terms (issue #9: terms per intent).
            intents=[
                IntentEntry(level1="license", level2="ordinary_licence", **FIRST_ROW_TERMS),
                IntentEntry(level1="transfer", level2="equity", **FIRST_ROW_TERMS),
                IntentEntry(level1="self_apply", level2="custom", custom_text="与企业共建中试线", **FIRST_ROW_TERMS),
            ],
            fee_standard_wan=Decimal("10"),
            intended_cities="浙江省-杭州市,江苏省-南京市",
            intended_enterprises="某某科技有限公司,某某（北京）新材料有限公司",
            price_band="10-20",
            contact_name="王老师",
            contact_phone="13800000000",
            maturity="small_batch",
            value_stars=4,
            products_advantages="动力电池隔膜，耐热 200℃",
            industry_section="C",
            prospect="新能源汽车市场持续增长",
            sei_class="3",
            ipc_field="H01M 50/40",
            rows=[4, 5, 6],
        )
    ]


def test_several_patents_and_blank_rows(tmp_path):
    rows = [
        patent(1),
        None,
        {"A": 2},  # a pre-numbered empty template row
        patent(2),
        {"P": "拟转让", "Q": "拟转让"},
        None,
        patent(3, L="即将放弃专利权", P=None, Q=None, U=None, V=None, W=None, X=None, Y=None, Z=None, AB=None),
    ]
    parsed = read_inventory(write(tmp_path, rows))
    assert parsed.errors == []
    assert parsed.total_rows == 4
    assert [(r.application_number, r.rows, len(r.intents)) for r in parsed.records] == [
        (make_number(1), [4], 1),
        (make_number(2), [7, 8], 2),
        (make_number(3), [10], 0),
    ]


def test_hidden_rows_are_imported(tmp_path):
    book = template_book()
    book[SHEET_NAME].row_dimensions[5].hidden = True
    parsed = read_inventory(write(tmp_path, [patent(1), patent(2)], book=book))
    assert [r.row for r in parsed.records] == [4, 5]


def test_bundles(tmp_path):
    ten = ",".join(make_number(100 + i) for i in range(10))
    rows = [
        patent(1, H="组合一", I=f"{make_number(2)}；CN{make_number(3)}\n{make_number(4)}、{make_number(2)}"),
        patent(5, H="组合二", I=float(make_number(6))),
        patent(7, H="组合三", I=ten),
        patent(8, H="组合四", I=f"{make_number(9)},201910000009.0"),
        patent(10, I=make_number(11)),
        patent(12, H="组合六"),
    ]
    parsed = read_inventory(write(tmp_path, rows))
    assert [(r.row, r.bundle_numbers) for r in parsed.records] == [
        (4, [make_number(2), make_number(3), make_number(4)]),
        (5, [make_number(6)]),
    ]
    assert {(e.row, e.column, e.code) for e in parsed.errors} == {
        (6, "I", "too_many"),
        (7, "I", "bad_check_digit"),
        (8, "H", "required"),
        (9, "I", "required"),
    }


def test_numbers_stored_as_excel_numbers(tmp_path):
    assert make_number(8).endswith(".0") and not make_number(1).endswith("X")
    rows = [
        patent(1, B=float(make_number(1)), E=7.0, N=None, R=5, W=13800138000, Y=5, A=1.0),
        patent(8, B=int(make_number(8)[:-2]), L="已转让", M="已签订转让合同", N=30, R=2.75),
    ]
    parsed = read_inventory(write(tmp_path, rows))
    assert parsed.errors == []
    first, second = parsed.records
    assert (first.application_number, first.years_maintained, first.fee_standard_wan) == (make_number(1), 7, Decimal(5))
    assert (first.contact_phone, first.value_stars) == ("13800138000", 5)
    assert (second.application_number, second.implementation_states[0].amount_wan) == (make_number(8), Decimal(30))
    assert second.fee_standard_wan == Decimal("2.75")


def test_full_width_and_messy_text(tmp_path):
    full_width = make_number(1).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789."})
    rows = [
        patent(
            1,
            B=f" {full_width} ",
            C="  一种  锂电池\n隔膜（改进型）  ",
            D=" 有效 ",
            K="是 ",
            L="已许可 ",
            M="已签订普通许可合同",
            N="１２．５",
            R="１０万元",
            S="浙江省－杭州市，江苏省—南京市",
            T="甲有限公司，乙（北京）有限公司",
            U="０～１０万元",
            W="１３８ ０００ ０００００",
            Y="★★★★☆",
            Z="第一行\n\n  第二行  ",
            AA="C 制造业",
        )
    ]
    parsed = read_inventory(write(tmp_path, rows))
    assert parsed.errors == []
    (rec,) = parsed.records
    assert rec.application_number == make_number(1)
    assert rec.title == "一种 锂电池 隔膜（改进型）"
    assert rec.implementation_states == [
        ImplementationEntry(level1="licensed", level2="ordinary_licence_signed", amount_wan=Decimal("12.5"))
    ]
    assert rec.fee_standard_wan == Decimal(10)
    assert rec.intended_cities == "浙江省-杭州市,江苏省-南京市"
    assert rec.intended_enterprises == "甲有限公司,乙（北京）有限公司"
    assert (rec.price_band, rec.value_stars, rec.industry_section) == ("0-10", 4, "C")
    assert rec.contact_phone == "138 000 00000"
    assert rec.products_advantages == "第一行\n第二行"


def test_dates_and_other_cell_types_in_text_columns(tmp_path):
    rows = [patent(1, O=dt.datetime(2024, 3, 5), L="尚未实施")]
    parsed = read_inventory(write(tmp_path, rows))
    # 尚未实施 takes nothing in N, but O (remark) is free: a date there is kept as ISO text.
    assert parsed.errors == []
    assert parsed.records[0].implementation_states[0].remark.startswith("2024-03-05")


# ---------------------------------------------------------------------------------------------------------------------
# Grouping errors


def test_continuation_row_before_any_patent(tmp_path):
    parsed = read_inventory(write(tmp_path, [{"L": "已转让", "M": "已签订转让合同", "N": 3}, patent(1)]))
    error = only_error(parsed)
    assert (error.row, error.column, error.code) == (4, "B", "orphan_continuation")
    assert [r.row for r in parsed.records] == [5]


def test_continuation_row_must_not_fill_basic_columns(tmp_path):
    rows = [patent(1), {"P": "拟转让", "C": "另一个名称", "Y": "三星", "A": 2}]
    parsed = read_inventory(write(tmp_path, rows))
    assert {(e.row, e.column, e.code) for e in parsed.errors} == {
        (5, "A", "continuation_basic"),
        (5, "C", "continuation_basic"),
        (5, "Y", "continuation_basic"),
    }
    assert "续行不得填写基本信息列" in parsed.errors[0].message
    assert parsed.records == []


def test_row_without_application_number_or_states(tmp_path):
    parsed = read_inventory(write(tmp_path, [patent(1), {"C": "没有申请号的专利", "V": "赵老师"}]))
    error = only_error(parsed)
    assert (error.row, error.column, error.code) == (5, "B", "required")
    assert len(parsed.records) == 1


def test_same_application_number_twice(tmp_path):
    rows = [patent(1), patent(2), patent(3, B=f"CN{make_number(1)}")]
    parsed = read_inventory(write(tmp_path, rows))
    error = only_error(parsed)
    assert (error.row, error.column, error.code) == (6, "B", "duplicate")
    assert "第 4 行" in error.message and "row 4" in error.message_en
    assert [r.row for r in parsed.records] == [4, 5]


# ---------------------------------------------------------------------------------------------------------------------
# Every rule, with its row and column


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"B": "201910000001.8"}, {(4, "B", "bad_check_digit")}),
        ({"B": "CN109876543A"}, {(4, "B", "publication_number")}),
        ({"D": "实质审查"}, {(4, "D", "invalid_choice")}),
        ({"E": "五年"}, {(4, "E", "not_an_integer")}),
        ({"E": 30}, {(4, "E", "out_of_range")}),
        ({"C": "题" * 256}, {(4, "C", "too_long")}),
        ({"K": None}, {(4, "K", "required")}),
        ({"K": "可能"}, {(4, "K", "invalid_choice")}),
        ({"L": None}, {(4, "L", "required")}),
        ({"L": "拟许可"}, {(4, "L", "wrong_column")}),
        ({"L": "已许可", "M": "已签订转让合同", "N": 5}, {(4, "M", "mismatch")}),
        ({"L": "尚未实施", "M": "已签订转让合同"}, {(4, "M", "not_expected")}),
        ({"L": "已许可", "M": "自定义（请勿勾选，请直接填写）", "N": 5}, {(4, "M", "custom_text_required")}),
        ({"L": "自定义（请勿勾选，请直接填写）"}, {(4, "L", "custom_text_required")}),
        ({"L": "已转让"}, {(4, "N", "required")}),
        ({"L": "已转让", "N": "很多"}, {(4, "N", "not_a_number")}),
        ({"L": "已转让", "N": -2}, {(4, "N", "out_of_range")}),
        ({"L": "已自行产业化", "N": "1.234"}, {(4, "N", "too_precise")}),
        ({"L": "已许可", "M": "已由被许可人实现产业化"}, {(4, "N", "required")}),
        ({"L": "尚未实施", "N": 3}, {(4, "N", "not_expected")}),
        ({"L": "实用新型专利、外观设计专利已有专利权评价报告", "N": "稳定"}, {(4, "L", "not_applicable")}),
        ({"L": "已许可", "N": 1, "O": "注" * 501}, {(4, "O", "too_long")}),
        ({"P": None, "Q": None}, {(4, "P", "required")}),
        ({"P": "拟出租"}, {(4, "P", "invalid_choice")}),
        ({"P": None}, {(4, "P", "required")}),
        ({"Q": "拟作价入股"}, {(4, "Q", "mismatch")}),
        ({"R": "面议"}, {(4, "R", "not_a_number")}),
        ({"R": -1}, {(4, "R", "out_of_range")}),
        ({"S": "杭州"}, {(4, "S", "invalid_format")}),
        ({"T": ",".join(f"企业{i}" for i in range(11))}, {(4, "T", "too_many")}),
        ({"U": None}, {(4, "U", "required")}),
        ({"U": "很贵"}, {(4, "U", "invalid_choice")}),
        ({"V": None}, {(4, "V", "required")}),
        ({"V": "名" * 65}, {(4, "V", "too_long")}),
        ({"W": None}, {(4, "W", "required")}),
        ({"W": "微信同号"}, {(4, "W", "invalid_contact")}),
        ({"X": None}, {(4, "X", "required")}),
        ({"X": "请选择技术成熟度"}, {(4, "X", "required")}),
        ({"X": "很成熟"}, {(4, "X", "invalid_choice")}),
        ({"Y": None}, {(4, "Y", "required")}),
        ({"Y": "六星"}, {(4, "Y", "invalid_choice")}),
        ({"Y": "三星", "Z": None, "AB": None}, {(4, "Z", "required"), (4, "AB", "required")}),
        ({"Z": "字" * 501}, {(4, "Z", "too_long")}),
        ({"AA": "制造"}, {(4, "AA", "invalid_choice")}),
        ({"AC": "新兴产业"}, {(4, "AC", "invalid_choice")}),
        ({"H": "名" * 51, "I": make_number(20)}, {(4, "H", "too_long")}),
    ],
)
def test_rule(tmp_path, cells, expected):
    parsed = read_inventory(write(tmp_path, [patent(1, **cells)]))
    assert {(e.row, e.column, e.code) for e in parsed.errors} == expected
    assert parsed.records == []
    assert all(e.message and e.message_en for e in parsed.errors)


def test_rules_that_pass(tmp_path):
    rows = [
        patent(1, Y="二星", Z=None, AB=None),
        patent(2, "2", L="实用新型专利、外观设计专利已有专利权评价报告", N="全部权利要求符合授权条件"),
        patent(3, L="已许可", M="已由被许可人实现产业化", N="高能量密度电芯"),
        patent(4, L="涉及权属纠纷", M="与合作方存在争议", P=None, Q=None, U=None, V=None, W=None, X=None, Y=None),
        patent(5, L="即将放弃专利权", P="拟转让", Q=None, U="面议"),  # skipped, but validated when filled
        patent(6, M="无需填写", Q="自定义：许可给中小企业"),
        patent(7, X="通过中试", Y="5星", AA="C", AC="人工智能", D="未缴年费", K="N"),
    ]
    parsed = read_inventory(write(tmp_path, rows))
    assert parsed.errors == []
    assert [r.row for r in parsed.records] == [4, 5, 6, 7, 8, 9, 10]
    assert parsed.records[3].implementation_states == [
        ImplementationEntry(level1="ownership_dispute", level2="custom", custom_text="与合作方存在争议")
    ]
    assert parsed.records[6].legal_status == "fee_grace" and parsed.records[6].fiscally_funded is False


def test_error_rows_of_continuation_entries(tmp_path):
    rows = [
        patent(1, L="已许可", M="已签订普通许可合同", N=5),
        {"L": "已转让", "M": "已签订普通许可合同", "N": 5},
        {"P": "拟转让", "Q": "拟开放许可"},
        {"L": "已自行产业化"},
    ]
    parsed = read_inventory(write(tmp_path, rows))
    assert {(e.row, e.column, e.code) for e in parsed.errors} == {
        (5, "M", "mismatch"),
        (6, "Q", "mismatch"),
        (7, "N", "required"),
    }


def test_twenty_mistakes_are_all_reported(tmp_path):
    rows = [
        patent(1, B="201910000001.8"),  # 4: check digit
        patent(2, D="审查中", E="五年多"),  # 5: D, E
        patent(3, K="可能", U="很贵"),  # 6: K, U
        patent(4, L="已许可", M="已签订转让合同", N=5),  # 7: M
        patent(5, L="已转让", N="很多钱"),  # 8: N
        patent(6, L="已许可", M="已由被许可人实现产业化"),  # 9: N (product name)
        patent(7, L="实用新型专利、外观设计专利已有专利权评价报告", N="稳定"),  # 10: L (invention)
        patent(9, P="拟出租", X="很成熟"),  # 11: P, X
        patent(10, Y="六星", R=-3),  # 12: Y, R
        patent(11, Y="三星", Z=None, AB=None),  # 13: Z, AB
        patent(12, S="杭州", T=",".join(f"企业{i}" for i in range(11))),  # 14: S, T
        patent(13, H="组合", I=",".join(make_number(100 + i) for i in range(10))),  # 15: I
        patent(14, AA="制造", AC="新兴产业"),  # 16: AA, AC
        patent(15, V=None, W="微信"),  # 17: V, W
        {"P": "拟转让", "C": "续行里的名称"},  # 18: C
        patent(16, H="名" * 51, I=make_number(200)),  # 19: H
        patent(14),  # 20: B duplicates row 16
        {"C": "没有申请号"},  # 21: B
        patent(18, Q="拟作价入股"),  # 22: Q
        patent(19, L="已许可", M="自定义（请勿勾选，请直接填写）", N=5),  # 23: M
        patent(20, L="已转让", N="12.345"),  # 24: N
        patent(21),  # 25: fine
    ]
    parsed = read_inventory(write(tmp_path, rows))
    assert cells_of(parsed) == {
        (4, "B"),
        (5, "D"),
        (5, "E"),
        (6, "K"),
        (6, "U"),
        (7, "M"),
        (8, "N"),
        (9, "N"),
        (10, "L"),
        (11, "P"),
        (11, "X"),
        (12, "Y"),
        (12, "R"),
        (13, "Z"),
        (13, "AB"),
        (14, "S"),
        (14, "T"),
        (15, "I"),
        (16, "AA"),
        (16, "AC"),
        (17, "V"),
        (17, "W"),
        (18, "C"),
        (19, "H"),
        (20, "B"),
        (21, "B"),
        (22, "Q"),
        (23, "M"),
        (24, "N"),
    }
    assert len(parsed.errors) == 29
    assert [e.row for e in parsed.errors] == sorted(e.row for e in parsed.errors)
    assert [r.row for r in parsed.records] == [25]
    assert parsed.total_rows == 22
    # The value shown is the cell as written.
    assert next(e for e in parsed.errors if (e.row, e.column) == (5, "D")).value == "审查中"


def test_error_limit(tmp_path):
    rows = [patent(i, K="可能", U="很贵") for i in range(1, 8)]
    parsed = read_inventory(write(tmp_path, rows), max_errors=5)
    assert parsed.truncated
    assert len(parsed.errors) == 6
    assert parsed.errors[-1].code == "too_many_errors"
    assert parsed.total_rows == 7


# ---------------------------------------------------------------------------------------------------------------------
# Headers and sheets


def _own_layout(tmp_path: Path, headers: list[str], rows: list[list], title: str = SHEET_NAME, first: str = "A1"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    anchor = openpyxl.utils.cell.coordinate_from_string(first)
    column = openpyxl.utils.column_index_from_string(anchor[0])
    for offset, header in enumerate(headers):
        sheet.cell(anchor[1], column + offset, header)
    for r, row in enumerate(rows, start=anchor[1] + 1):
        for offset, value in enumerate(row):
            sheet.cell(r, column + offset, value)
    path = tmp_path / "own.xlsx"
    book.save(path)
    return path


def test_headers_moved_and_renamed(tmp_path):
    headers = [
        "专利申请号",
        "*联系人",
        "联系电话",
        "是否属于财政资助科研项目形成专利（是/否）",
        "专利名称（全称）",
        "一级实施状态",
        "二级状态描述",
        "金额(万元)",
        "转化意愿（一级）",
        "转化意愿（二级）",
        "意向价格",
        "技术成熟度",
        "专利价值分级自评（星级）",
        "本专利对应产品、技术优势、性能指标",
        "产业化前景描述",
        "备注说明",
    ]
    rows = [
        [make_number(1), "王老师", "13800000000", "否", "一种方法", "已许可", "已签订普通许可合同", 8, "拟许可", ""]
        + ["面议", "通过小试", "四星", "产品", "前景", ""],
        ["", "", "", "", "", "已转让", "已签订转让合同", "x", "", "", "", "", "", "", "", ""],
    ]
    parsed = read_inventory(_own_layout(tmp_path, headers, rows))
    # Errors are named by the uploaded sheet's own letters: the amount sits in column H here.
    assert {(e.row, e.column, e.code) for e in parsed.errors} == {(3, "H", "not_a_number")}
    rows[1][7] = 9
    parsed = read_inventory(_own_layout(tmp_path, headers, rows))
    assert parsed.errors == []
    (rec,) = parsed.records
    assert (rec.application_number, rec.contact_name, rec.contact_phone, rec.fiscally_funded) == (
        make_number(1),
        "王老师",
        "13800000000",
        False,
    )
    assert [e.amount_wan for e in rec.implementation_states] == [Decimal(8), Decimal(9)]
    assert (rec.title, rec.maturity, rec.value_stars, rec.price_band) == (
        "一种方法",
        "legacy_lab_tested",
        4,
        "negotiable",
    )


def test_data_area_not_starting_in_column_a(tmp_path):
    headers = ["申请号", "是否属于财政资助科研项目形成专利", "一级实施状态", "转化意愿（一级）"]
    headers += ["意向价格", "联系人", "联系方式", "技术成熟度", "专利价值分级自评", "金额（万元）/评价结果/产品名称"]
    rows = [[make_number(1), "是", "已转让", "拟转让", "面议", "王", "13800000000", "通过中试", "二星", "abc"]]
    parsed = read_inventory(_own_layout(tmp_path, headers, rows, first="C5"))
    error = only_error(parsed)
    assert (error.row, error.column, error.code) == (6, "L", "not_a_number")


def test_unrecognised_header_at_its_standard_position_is_taken_by_position(tmp_path):
    book = template_book()
    book[SHEET_NAME]["W3"] = "电话/邮箱"
    parsed = read_inventory(write(tmp_path, [patent(1)], book=book))
    assert parsed.errors == [] and parsed.records[0].contact_phone == "13800000000"


def test_missing_required_columns_are_one_error(tmp_path):
    headers = ["序号", "申请号", "专利名称", "是否属于财政资助科研项目形成专利", "一级实施状态", "转化意愿（一级）"]
    headers += ["联系方式", "技术成熟度", "专利价值分级自评"]
    rows = [[1, make_number(1), "一种方法", "是", "尚未实施", "拟许可", "13800000000", "通过中试", "四星"]] * 3
    parsed = read_inventory(_own_layout(tmp_path, headers, rows))
    error = only_error(parsed)
    assert (error.row, error.column, error.code) == (1, "", "missing_columns")
    assert "U 意向价格" in error.message and "V 联系人" in error.message and "W" not in error.message
    assert parsed.records == [] and parsed.total_rows == 0


def test_named_sheet_without_headers(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = SHEET_NAME
    book.active["B4"] = make_number(1)
    path = tmp_path / "bare.xlsx"
    book.save(path)
    error = only_error(read_inventory(path))
    assert (error.row, error.code) == (3, "missing_columns")


def test_extra_sheets_are_ignored(tmp_path):
    book = template_book()
    notes = book.create_sheet("填写说明", 0)
    notes["A1"] = "请按模板填写"
    notes["B3"] = "申请号"
    parsed = read_inventory(write(tmp_path, [patent(1)], book=book))
    assert parsed.sheet_name == SHEET_NAME and len(parsed.records) == 1


def test_sheet_found_by_its_headers(tmp_path):
    book = template_book()
    book[SHEET_NAME].title = "Sheet1"
    notes = book.create_sheet("说明", 0)
    notes["A1"] = "说明"
    hidden = book.create_sheet("旧数据", 1)
    for column in range(1, 31):
        hidden.cell(3, column, book["Sheet1"].cell(3, column).value)
    hidden.cell(4, 2, "not a number")
    hidden.sheet_state = "hidden"
    fill(book["Sheet1"], [patent(1)])
    path = tmp_path / "renamed.xlsx"
    book.save(path)
    parsed = read_inventory(path)
    assert parsed.sheet_name == "Sheet1"
    assert parsed.errors == [] and len(parsed.records) == 1


def test_no_sheet_with_headers(tmp_path):
    book = openpyxl.Workbook()
    book.active["A1"] = "hello"
    path = tmp_path / "other.xlsx"
    book.save(path)
    with pytest.raises(WorkbookRejected) as info:
        read_inventory(path)
    assert info.value.code == "no_sheet"


# ---------------------------------------------------------------------------------------------------------------------
# Sources


def test_reads_bytes_file_objects_and_uploads(tmp_path):
    path = write(tmp_path, [patent(1)])
    data = path.read_bytes()
    expected = read_inventory(path)
    assert read_inventory(data) == expected
    assert read_inventory(io.BytesIO(data)) == expected
    assert read_inventory(SimpleUploadedFile("inventory.xlsx", data)) == expected

    class TemporaryUpload:
        def temporary_file_path(self):
            return str(path)

    assert read_inventory(TemporaryUpload()) == expected


# ---------------------------------------------------------------------------------------------------------------------
# Hostile files


@pytest.mark.parametrize("data", [b"hello, this is not a workbook", b"", "序号,申请号\n1,2".encode()])
def test_not_a_zip(data):
    with pytest.raises(WorkbookRejected) as info:
        read_inventory(data)
    assert info.value.code == "not_xlsx"
    assert ".xlsx" in info.value.message and ".xlsx" in info.value.message_en


def test_legacy_xls_or_encrypted():
    with pytest.raises(WorkbookRejected) as info:
        read_inventory(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert info.value.code == "not_xlsx" and ".xls" in info.value.message


def test_zip_that_is_not_a_workbook():
    with pytest.raises(WorkbookRejected) as info:
        read_inventory(zip_bytes({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<Types/>"}))
    assert info.value.code == "not_xlsx"


def test_zip_bomb_by_ratio(tmp_path):
    workbook = write(tmp_path, [patent(1)]).read_bytes()
    data = with_member(workbook, "xl/media/padding.bin", b"\0" * (64 * 1024 * 1024))
    assert len(data) < 1024 * 1024
    with pytest.raises(WorkbookRejected) as info:
        read_inventory(data)
    assert info.value.code == "too_large"


def test_too_large_uncompressed(tmp_path):
    data = write(tmp_path, [patent(1)]).read_bytes()
    with pytest.raises(WorkbookRejected) as info:
        read_inventory(data, max_uncompressed_bytes=10_000)
    assert info.value.code == "too_large"


def test_member_that_lies_about_its_size(tmp_path):
    workbook = write(tmp_path, [patent(1)]).read_bytes()
    data = bytearray(with_member(workbook, "xl/media/liar.bin", b"\0" * (8 * 1024 * 1024)))
    # Declare 1,000 bytes in both the local header and the central directory: small enough for every size check.
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/media/liar.bin")
    struct.pack_into("<I", data, info.header_offset + 22, 1000)
    central = data.find(b"PK\x01\x02" + data[info.header_offset + 4 : info.header_offset + 6])
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == b"xl/media/liar.bin":
            struct.pack_into("<I", data, central + 24, 1000)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    with pytest.raises(WorkbookRejected) as info:
        read_inventory(bytes(data))
    assert info.value.code == "too_large"
    assert "liar.bin" in info.value.message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>
<sheet name="&lol9;" sheetId="1"/></sheets></workbook>"""


@pytest.mark.parametrize("part", ["xl/workbook.xml", "[Content_Types].xml", "xl/worksheets/sheet1.xml"])
def test_entity_expansion_is_refused(tmp_path, part):
    data = with_member(write(tmp_path, [patent(1)]).read_bytes(), part, BILLION_LAUGHS)
    with pytest.raises(WorkbookRejected) as info:
        read_inventory(data)
    assert info.value.code == "unsafe_xml"
    assert part in info.value.message


def test_defusedxml_refuses_a_dtd_the_scan_did_not_see():
    from inventory.reader import _parse_xml

    with pytest.raises(WorkbookRejected) as info:
        _parse_xml(BILLION_LAUGHS, "xl/workbook.xml")
    assert info.value.code == "unsafe_xml"


def test_too_many_rows(tmp_path):
    path = write(tmp_path, [patent(i) for i in range(1, 7)])
    assert len(read_inventory(path, max_rows=6).records) == 6
    with pytest.raises(WorkbookRejected) as info:
        read_inventory(path, max_rows=5)
    assert info.value.code == "too_many_rows"


def test_too_many_sheets(tmp_path):
    path = write(tmp_path, [patent(1)])  # the template has 7 sheets
    with open(path, "rb") as source:
        assert check_workbook_archive(source, max_sheets=7)[0] == (SHEET_NAME, True)
    with pytest.raises(WorkbookRejected) as info:
        read_inventory(path, max_sheets=6)
    assert info.value.code == "too_many_sheets"


# ---------------------------------------------------------------------------------------------------------------------
# Helpers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (43529, dt.date(2019, 3, 5)),
        (43529.75, dt.date(2019, 3, 5)),
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),
        (dt.datetime(2019, 3, 5, 10, 30), dt.date(2019, 3, 5)),
        (dt.date(2019, 3, 5), dt.date(2019, 3, 5)),
        ("2019-03-05", dt.date(2019, 3, 5)),
        ("2019-3-5", dt.date(2019, 3, 5)),
        ("2019-03-05T10:30:00", dt.date(2019, 3, 5)),
        ("2019-03-05 10:30", dt.date(2019, 3, 5)),
        ("2019年3月5日", dt.date(2019, 3, 5)),
        ("2019 年 03 月 05 日", dt.date(2019, 3, 5)),
        ("２０１９年３月５日", dt.date(2019, 3, 5)),
        ("2019/3/5", dt.date(2019, 3, 5)),
        ("2019.3.5", dt.date(2019, 3, 5)),
        ("20190305", dt.date(2019, 3, 5)),
        (20190305, dt.date(2019, 3, 5)),
        ("", None),
        (None, None),
        ("无", None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["2019-02-30", "3/5/2019", "昨天", 60, 0, -5, True, "19-3-5", 20191305])
def test_parse_date_refuses(value):
    from evaluations.validation import FieldError

    with pytest.raises(FieldError) as info:
        parse_date(value)
    assert info.value.code == "invalid_date"


def test_parse_date_reads_a_date_cell(tmp_path):
    book = openpyxl.Workbook()
    book.active["A1"] = dt.date(2019, 3, 5)
    book.active["A2"] = "2019年3月5日"
    path = tmp_path / "dates.xlsx"
    book.save(path)
    from python_calamine import CalamineWorkbook

    rows = list(CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows())
    assert [parse_date(row[0]) for row in rows] == [dt.date(2019, 3, 5)] * 2


@pytest.mark.parametrize(("index", "letter"), [(0, "A"), (25, "Z"), (26, "AA"), (29, "AD"), (701, "ZZ"), (702, "AAA")])
def test_column_letter(index, letter):
    assert column_letter(index) == letter


def test_unreadable_state_on_a_continuation_row_is_reported_once(tmp_path):
    rows = [patent(1, L=None), {"L": "拟许可"}]
    parsed = read_inventory(write(tmp_path, rows))
    assert {(e.row, e.column, e.code) for e in parsed.errors} == {(5, "L", "wrong_column")}


def test_benchmark_generator_writes_valid_workbooks(tmp_path):
    from bench.make_inventory_workbook import make_workbook

    path = tmp_path / "bench.xlsx"
    stats = make_workbook(path, 300, seed=7, institution_units=["材料学院"], start_serial=500)
    parsed = read_inventory(path)
    assert parsed.errors == []
    assert parsed.total_rows == stats["rows"] == 300
    assert len(parsed.records) == stats["patents"]
    assert 1.1 < stats["rows"] / stats["patents"] < 1.5
    assert {r.org_unit for r in parsed.records} == {"材料学院"}


def test_every_odd_whitespace_and_zero_width_character_is_normalised(tmp_path):
    from inventory.reader import _NEEDS_CODE, _NEEDS_PROSE

    odd = [chr(c) for c in range(0x3001) if chr(c).isspace() and chr(c) != " "] + ["\u200b", "\ufeff"]
    assert all(_NEEDS_CODE.search(c) and _NEEDS_PROSE.search(c) for c in odd)
    rows = [patent(1, C="一种\u00a0锂电池\t隔膜\u200b", V="\u3000王老师\u2003", W="\ufeff13800000000")]
    (rec,) = read_inventory(write(tmp_path, rows)).records
    assert (rec.title, rec.contact_name, rec.contact_phone) == ("一种 锂电池 隔膜", "王老师", "13800000000")


def test_the_import_worker_does_not_load_openpyxl():
    """openpyxl is for writing (error copies, exports); a worker reading a clean file never needs its ~15 MB."""
    import subprocess
    import sys

    code = (
        "import django, sys; django.setup(); import inventory.tasks; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'pandas')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
