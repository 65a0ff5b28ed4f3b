"""The batch-import template, the inventory export and the error copy (inventory.writer). No database."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import NATIONAL_TEMPLATE, make_number
from openpyxl.utils import range_boundaries

from evaluations.choices import IMPLEMENTATION_LEVEL2_BY_LEVEL1, INTENT_LEVEL2_BY_LEVEL1
from evaluations.record import (
    COLUMNS,
    SHEET_NAME,
    CellError,
    ImplementationEntry,
    IntentEntry,
    InventoryRecord,
    resolve_intent_terms,
)
from evaluations.validation import GBT4754_SECTIONS, SEI_2018_TOP_LEVEL
from inventory import writer as w

HIDDEN_SHEETS = ["专利实施化状态（含产业化）", "转化意愿", "技术成熟度", "专利价值分级自评", "意向价格", "其他"]
HINT = "自定义（请勿勾选，请直接填写）"
NATIONAL_MERGES = {"A1:AD1", "A2:G2", "H2:J2", "K2:K3", "L2:O2", "P2:W2", "X2:X3", "Y2:Y3", "Z2:AD2"}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.xlsx"
    w.write_template(path, org_unit_label="计算机学院")
    return path


@pytest.fixture(scope="module")
def template_wb(template):
    return openpyxl.load_workbook(template)


def sheet_values(ws, first_row: int = 4) -> list[tuple]:
    return [tuple(row) for row in ws.iter_rows(min_row=first_row, max_col=len(COLUMNS), values_only=True)]


def resolve(wb, destination: str) -> list:
    """The non-blank values a defined name's (or a list validation's) absolute range points at."""
    sheet, _, ref = destination.rpartition("!")
    sheet = sheet.strip("'").replace("''", "'")
    ws = wb[sheet]
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    return [
        cell.value
        for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col)
        for cell in row
        if cell.value is not None
    ]


def validations_by_column(ws) -> dict[str, object]:
    result = {}
    for dv in ws.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            letter = re.match(r"[A-Z]+", cell_range.coord).group(0)
            assert letter not in result, f"two validations on column {letter}"
            result[letter] = dv
    return result


# --------------------------------------------------------------------------------------------------------------------
# The template


def test_template_sheets(template_wb):
    assert template_wb.sheetnames == [SHEET_NAME, *HIDDEN_SHEETS]
    assert template_wb.active.title == SHEET_NAME
    assert template_wb[SHEET_NAME].sheet_state == "visible"
    for name in HIDDEN_SHEETS:
        assert template_wb[name].sheet_state == "hidden"
    assert all(len(name) <= 31 for name in template_wb.sheetnames)


def test_template_layout(template_wb):
    ws = template_wb[SHEET_NAME]
    assert {str(r) for r in ws.merged_cells.ranges} == NATIONAL_MERGES
    assert ws.freeze_panes == "A4"
    assert ws["A1"].value.startswith("提示：若【专利实施化状态】")
    assert ws["A2"].value == "*基本信息"
    assert ws["K2"].value == "*是否属于财政资助科研项目形成专利"
    assert ws["X2"].value == "*技术成熟度"
    assert ws["B3"].value == "申请号"
    assert ws["L3"].value == "*一级实施状态"
    assert ws.row_dimensions[3].height == pytest.approx(122.25)
    assert ws.column_dimensions["B"].width == pytest.approx(22.84)
    assert ws.column_dimensions["T"].width == pytest.approx(75)
    # Application numbers, bundle numbers and phone numbers default to text format.
    for letter in ("B", "I", "W"):
        assert ws.column_dimensions[letter].number_format == "@"
    assert ws.max_row == 3  # no data rows


def test_template_headers_name_every_column(template_wb):
    ws = template_wb[SHEET_NAME]
    for column in COLUMNS:
        row = 2 if column.letter in ("K", "X", "Y") else 3
        text = ws[f"{column.letter}{row}"].value
        assert column.header in text.lstrip("*"), column


def test_template_headers_are_the_national_ones(template_wb):
    national = openpyxl.load_workbook(NATIONAL_TEMPLATE)[SHEET_NAME]
    ours = template_wb[SHEET_NAME]
    for row in (1, 2, 3):
        for column in COLUMNS:
            coordinate = f"{column.letter}{row}"
            assert ours[coordinate].value == national[coordinate].value, coordinate
    assert {str(r) for r in national.merged_cells.ranges} == NATIONAL_MERGES


def test_defined_names_are_valid(template_wb):
    names = template_wb.defined_names
    assert names, "dependent lists need defined names"
    for name, defined in names.items():
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name), name
        assert not re.fullmatch(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*", name), name  # not a cell reference
        assert "#REF!" not in defined.attr_text
        destinations = list(defined.destinations)
        assert len(destinations) == 1
        sheet, ref = destinations[0]
        assert sheet in template_wb.sheetnames
        assert re.fullmatch(r"\$[A-Z]+\$\d+(:\$[A-Z]+\$\d+)?", ref), ref
        assert resolve(template_wb, defined.attr_text), f"{name} points at empty cells"


def expected_impl_lists() -> dict[str, list[str]]:
    """Level-1 option text → its level-2 list, as the template must offer them."""
    lists = {}
    for level1, level2s in IMPLEMENTATION_LEVEL2_BY_LEVEL1.items():
        key = HINT if level1 == "custom" else str(level1.label)
        lists[key] = [HINT if m == "custom" else str(m.label) for m in level2s] or ["无需填写"]
    return lists


def expected_intent_lists() -> dict[str, list[str]]:
    return {
        str(level1.label): [HINT if m == "custom" else str(m.label) for m in level2s]
        for level1, level2s in INTENT_LEVEL2_BY_LEVEL1.items()
    }


def test_level2_lists():
    impl = expected_impl_lists()
    assert impl["已许可"][0] == "已签订开放许可合同" and impl["已许可"][-1] == HINT and len(impl["已许可"]) == 12
    assert impl["已转让"] == ["已签订转让合同", "已作价入股", "已列入转让计划", HINT]
    assert impl["已自行产业化"] == [HINT]
    assert impl["即将放弃专利权"] == [HINT]
    assert impl["尚未实施"] == ["无需填写"]
    assert impl["实用新型专利、外观设计专利已有专利权评价报告"] == ["无需填写"]
    assert impl[HINT] == ["无需填写"]
    assert expected_intent_lists()["拟自行应用或产业化"] == [HINT]


def test_dependent_list_formulas(template_wb):
    assert w.m_formula() == (
        "INDIRECT(IFERROR(VLOOKUP($L4,'专利实施化状态（含产业化）'!$K$1:$L$9,2,FALSE),\"IMPL_custom\"))"
    )
    assert w.q_formula() == "INDIRECT(IFERROR(VLOOKUP($P4,'转化意愿'!$E$1:$F$3,2,FALSE),\"INTENT_none\"))"
    dvs = validations_by_column(template_wb[SHEET_NAME])
    assert dvs["M"].formula1 == w.m_formula()
    assert dvs["Q"].formula1 == w.q_formula()


def simulate_dependent_list(wb, formula: str, level1_text: str) -> list:
    """Evaluate INDIRECT(IFERROR(VLOOKUP(text, table, 2, FALSE), fallback)) against the workbook."""
    match = re.fullmatch(r'INDIRECT\(IFERROR\(VLOOKUP\(\$[A-Z]+4,(.+?),2,FALSE\),"(\w+)"\)\)', formula)
    assert match, formula
    table, fallback = match.groups()
    sheet, _, ref = table.rpartition("!")
    ws = wb[sheet.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    assert max_col == min_col + 1
    lookup = {
        row[0]: row[1] for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, values_only=True)
    }
    name = lookup.get(level1_text, fallback)
    return resolve(wb, wb.defined_names[name].attr_text)


def test_dependent_lists_resolve(template_wb):
    dvs = validations_by_column(template_wb[SHEET_NAME])
    impl = expected_impl_lists()
    assert resolve(template_wb, dvs["L"].formula1) == list(impl)
    for level1, options in impl.items():
        assert simulate_dependent_list(template_wb, dvs["M"].formula1, level1) == options, level1
    # Typed custom text or a blank L: the 无需填写 list.
    assert simulate_dependent_list(template_wb, dvs["M"].formula1, "校内自用") == ["无需填写"]
    assert simulate_dependent_list(template_wb, dvs["M"].formula1, None) == ["无需填写"]

    intent = expected_intent_lists()
    assert resolve(template_wb, dvs["P"].formula1) == list(intent)
    for level1, options in intent.items():
        assert simulate_dependent_list(template_wb, dvs["Q"].formula1, level1) == options, level1
    assert simulate_dependent_list(template_wb, dvs["Q"].formula1, "随便") == ["无需填写"]


def test_validations(template_wb):
    dvs = validations_by_column(template_wb[SHEET_NAME])
    assert set(dvs) == {"G", "K", "L", "M", "P", "Q", "U", "X", "Y", "AA", "AC"}
    for letter, dv in dvs.items():
        assert str(dv.sqref) == f"{letter}4:{letter}5003"
        assert len(dv.formula1 or "") <= 255
        assert "#REF!" not in (dv.formula1 or "")
        if letter != "G":
            assert dv.type == "list"
            assert dv.formula1.startswith(("'", "INDIRECT("))
    lists = {letter: resolve(template_wb, dvs[letter].formula1) for letter in ("K", "U", "X", "Y", "AA", "AC")}
    assert lists["K"] == ["是", "否"]
    assert lists["U"] == [
        "具体面议",
        "0-10万",
        "10-20万",
        "20-30万",
        "30-40万",
        "40-50万",
        "50-60万",
        "60-70万",
        "70-80万",
        "80-90万",
        "90-100万",
        "100万以上",
    ]
    assert lists["X"] == [
        "样品、实验阶段",
        "试生产、应用开发阶段",
        "小批量生产、工程应用阶段",
        "批量生产、成熟应用阶段",
    ]
    assert lists["Y"] == ["五星", "四星", "三星", "二星", "一星"]
    assert lists["AA"] == list(GBT4754_SECTIONS.values()) and len(lists["AA"]) == 20
    assert lists["AC"] == [
        "新一代信息技术产业",
        "高端装备制造产业",
        "新材料产业",
        "生物产业",
        "新能源汽车产业",
        "新能源产业",
        "节能环保产业",
        "数字创意产业",
        "相关服务业",
    ]
    assert lists["AC"] == list(SEI_2018_TOP_LEVEL.values())
    # Closed lists refuse other values; L, M, Q take typed text; X, AA, AC only warn.
    for letter in ("K", "P", "U", "Y"):
        assert dvs[letter].showErrorMessage and dvs[letter].errorStyle == "stop", letter
    for letter in ("L", "M", "Q"):
        assert not dvs[letter].showErrorMessage, letter
    for letter in ("X", "AA", "AC"):
        assert dvs[letter].showErrorMessage and dvs[letter].errorStyle == "warning", letter
    assert dvs["G"].showInputMessage and "计算机学院" in dvs["G"].prompt


def test_template_without_org_unit_has_no_g_prompt(tmp_path):
    path = tmp_path / "t.xlsx"
    w.write_template(path)
    assert "G" not in validations_by_column(openpyxl.load_workbook(path)[SHEET_NAME])


def test_template_to_a_stream():
    buffer = io.BytesIO()
    w.write_template(buffer)
    assert openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).sheetnames[0] == SHEET_NAME


# --------------------------------------------------------------------------------------------------------------------
# The export


def sample_records() -> list[InventoryRecord]:
    return [
        InventoryRecord(
            row=4,
            application_number=make_number(1),
            title="=1+1",
            legal_status="valid",
            years_maintained=5,
            inventors="张三,李四",
            org_unit="计算机学院",
            bundle_name="智能水杯组合",
            bundle_numbers=[make_number(2), make_number(3, type_digit="2")],
            bundle_description="水杯及其盖子",
            fiscally_funded=True,
            implementation_states=[
                ImplementationEntry("licensed", "ordinary_licence_signed", amount_wan=Decimal("12.5")),
                ImplementationEntry("licensed", "licensee_industrialized", product_name="智能水杯"),
                ImplementationEntry("licensed", "custom", custom_text="许可给校办企业", amount_wan=Decimal("3")),
            ],
            intents=[
                IntentEntry("license", "open_licence"),
                IntentEntry("transfer", "custom", custom_text="分期付款转让"),
                IntentEntry("self_apply"),
                IntentEntry("transfer", "equity"),
            ],
            fee_standard_wan=Decimal("10.50"),
            intended_cities="浙江省-杭州市,江苏省-南京市",
            intended_enterprises="甲科技有限公司,乙制造有限公司",
            price_band="10-20",
            contact_name="王老师",
            contact_phone="+86 010-62751234",
            maturity="trial_production",
            value_stars=4,
            products_advantages="保温时间长",
            industry_section="C",
            prospect="市场广阔",
            sei_class="1",
            ipc_field="A47G 19/22",
        ),
        InventoryRecord(
            row=8,
            application_number=make_number(4),
            title="-5",
            legal_status="valid",
            years_maintained=3,
            inventors="赵六",
            org_unit="机械学院",
            fiscally_funded=False,
            implementation_states=[
                ImplementationEntry("custom", custom_text="校内自用"),
                ImplementationEntry("custom", custom_text="已许可"),  # collides with a label
            ],
            intents=[IntentEntry("transfer", "transfer")],
            price_band="negotiable",
            contact_name="@admin",
            contact_phone="zhao@example.edu.cn",
            maturity="legacy_pilot_tested",
            value_stars=2,
        ),
        InventoryRecord(
            row=10,
            application_number=make_number(5, type_digit="2"),
            title="一种实用新型",
            legal_status="fee_grace",
            inventors="钱七",
            org_unit="机械学院",
            fiscally_funded=False,
            implementation_states=[
                ImplementationEntry("evaluation_report", evaluation_result="全部权利要求有效", remark="2023年出具"),
                ImplementationEntry("to_abandon", "custom", custom_text="无维持价值"),
            ],
        ),
    ]


def expected_rows() -> list[tuple]:
    n = 30
    row4 = [None] * n
    row4[:11] = [
        1,
        make_number(1),
        "=1+1",
        "有效",
        5,
        "张三,李四",
        "计算机学院",
        "智能水杯组合",
        f"{make_number(2)},{make_number(3, type_digit='2')}",
        "水杯及其盖子",
        "是",
    ]
    row4[11:17] = ["已许可", "已签订普通许可合同", 12.5, None, "拟许可", "拟开放许可"]
    row4[17:] = [
        10.5,
        "浙江省-杭州市,江苏省-南京市",
        "甲科技有限公司,乙制造有限公司",
        "10-20万",
        "王老师",
        "+86 010-62751234",
        "试生产、应用开发阶段",
        "四星",
        "保温时间长",
        "制造业",
        "市场广阔",
        "新一代信息技术产业",
        "A47G 19/22",
    ]

    def continuation(l_o=(None,) * 4, p_q=(None, None)):
        row = [None] * n
        row[11:15] = l_o
        row[15:17] = p_q
        return tuple(row)

    row8 = [None] * n
    row8[:11] = [2, make_number(4), "-5", "有效", 3, "赵六", "机械学院", None, None, None, "否"]
    row8[11:17] = ["校内自用", None, None, None, "拟转让", "拟转让"]
    row8[17:] = [None, None, None, "具体面议", "@admin", "zhao@example.edu.cn", "通过中试", "二星"] + [None] * 5

    row10 = [None] * n
    row10[:11] = [
        3,
        make_number(5, type_digit="2"),
        "一种实用新型",
        "未缴年费（滞纳期）",
        None,
        "钱七",
        "机械学院",
        None,
        None,
        None,
        "否",
    ]
    row10[11:15] = ["实用新型专利、外观设计专利已有专利权评价报告", None, "全部权利要求有效", "2023年出具"]
    return [
        tuple(row4),
        continuation(("已许可", "已由被许可人实现产业化", "智能水杯", None), ("拟转让", "分期付款转让")),
        continuation(("已许可", "许可给校办企业", 3, None), ("拟自行应用或产业化", None)),
        continuation(p_q=("拟转让", "拟作价入股")),
        tuple(row8),
        continuation(("自定义：已许可", None, None, None)),
        tuple(row10),
        continuation(("即将放弃专利权", "无维持价值", None, None)),
    ]


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "export.xlsx"
    assert w.write_inventory(path, iter(sample_records())) == 3
    return path


def test_export_cells_row_by_row(export):
    ws = openpyxl.load_workbook(export)[SHEET_NAME]
    assert sheet_values(ws) == expected_rows()


def test_export_has_the_template_layout(export, template_wb):
    wb = openpyxl.load_workbook(export)
    assert wb.sheetnames == template_wb.sheetnames
    ours, template = wb[SHEET_NAME], template_wb[SHEET_NAME]
    assert {str(r) for r in ours.merged_cells.ranges} == NATIONAL_MERGES
    assert ours.freeze_panes == "A4"
    for row in (1, 2, 3):
        assert [c.value for c in ours[row]] == [c.value for c in template[row]]
    assert {k: v.formula1 for k, v in validations_by_column(ours).items()} == {
        k: v.formula1 for k, v in validations_by_column(template).items() if k != "G"
    }
    assert {name: d.attr_text for name, d in wb.defined_names.items()} == {
        name: d.attr_text for name, d in template_wb.defined_names.items()
    }


def test_export_cell_types(export):
    ws = openpyxl.load_workbook(export)[SHEET_NAME]
    for coordinate in ("B4", "I4", "W4", "B8", "B10"):
        assert ws[coordinate].data_type == "s", coordinate
        assert ws[coordinate].number_format == "@", coordinate
    assert ws["N4"].data_type == "n" and ws["N4"].value == 12.5
    assert ws["R4"].data_type == "n" and ws["R4"].value == 10.5
    assert ws["E4"].value == 5 and ws["A8"].value == 2


def test_formula_looking_text_stays_text(export):
    ws = openpyxl.load_workbook(export)[SHEET_NAME]
    for coordinate, text in (("C4", "=1+1"), ("C8", "-5"), ("W4", "+86 010-62751234"), ("V8", "@admin")):
        cell = ws[coordinate]
        assert cell.value == text and cell.data_type == "s", coordinate
        assert cell.quotePrefix, coordinate  # Excel's leading apostrophe: shown and re-edited as text
    assert not ws["C10"].quotePrefix
    with zipfile.ZipFile(export) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert re.search(r'<c r="C4" s="\d+" t="inlineStr"><is><t>=1\+1</t></is></c>', sheet)


@pytest.mark.parametrize("text", ["=1+1", "-5", "+1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_every_formula_prefix_is_neutralised(tmp_path, text):
    path = tmp_path / "f.xlsx"
    w.write_inventory(path, [InventoryRecord(row=4, application_number=make_number(7), title=text)])
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml
    cell = openpyxl.load_workbook(path)[SHEET_NAME]["C4"]
    assert cell.value == text and cell.data_type == "s" and cell.quotePrefix


def test_awkward_text(tmp_path):
    path = tmp_path / "t.xlsx"
    title = "a < b & c > d \x01\x08 end "
    w.write_inventory(path, [InventoryRecord(row=4, application_number=make_number(7), title=title, inventors="  x")])
    ws = openpyxl.load_workbook(path)[SHEET_NAME]
    assert ws["C4"].value == "a < b & c > d  end "  # control characters Excel cannot hold are dropped
    assert ws["F4"].value == "  x"


def test_empty_and_unknown_values(tmp_path):
    path = tmp_path / "t.xlsx"
    record = InventoryRecord(
        row=4,
        application_number=make_number(8),
        fiscally_funded=None,
        price_band="not-a-band",
        implementation_states=[ImplementationEntry("custom")],
        intents=[IntentEntry("license", "custom")],
    )
    w.write_inventory(path, [record])
    ws = openpyxl.load_workbook(path)[SHEET_NAME]
    assert ws["K4"].value is None
    assert ws["U4"].value == "not-a-band"  # written as it is rather than failing the export
    assert ws["L4"].value == "自定义" and ws["Q4"].value == "自定义"
    assert ws.max_row == 4


def test_export_to_a_stream_with_org_unit_default():
    buffer = io.BytesIO()
    w.write_inventory(buffer, [InventoryRecord(row=4, application_number=make_number(9))], org_unit_label="化学学院")
    ws = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))[SHEET_NAME]
    assert ws["G4"].value == "化学学院"
    assert ws["B4"].value == make_number(9)


def test_validations_cover_a_long_export(tmp_path, monkeypatch):
    monkeypatch.setattr(w, "TEMPLATE_ROWS", 2)
    records = [InventoryRecord(row=0, application_number=make_number(i)) for i in range(10, 20)]
    path = tmp_path / "long.xlsx"
    w.write_inventory(path, records)
    ws = openpyxl.load_workbook(path)[SHEET_NAME]
    assert ws.max_row == 13
    assert {str(dv.sqref) for dv in ws.data_validations.dataValidation} >= {"L4:L13", "M4:M13"}


# --------------------------------------------------------------------------------------------------------------------
# Round trip through the reader


def comparable(record: InventoryRecord) -> dict:
    data = dataclasses.asdict(record)
    data.pop("row")
    data.pop("rows")
    return data


def test_round_trip_through_the_reader(export):
    reader = pytest.importorskip("inventory.reader")
    if not hasattr(reader, "read_inventory"):
        pytest.skip("no read_inventory yet")
    parsed = reader.read_inventory(export)
    assert parsed.errors == []
    # Intents that give no R–W of their own read back with the patent's (issue #9: terms per intent).
    assert [comparable(r) for r in parsed.records] == [comparable(resolve_intent_terms(r)) for r in sample_records()]
    assert [r.rows for r in parsed.records] == [[4, 5, 6, 7], [8, 9], [10, 11]]


# --------------------------------------------------------------------------------------------------------------------
# The error copy


ERRORS = [
    CellError(4, "B", make_number(1), "申请号重复", "Duplicate application number", "duplicate"),
    CellError(4, "B", make_number(1), "申请号与国家局记录不符", "Not in CNIPA's records"),
    CellError(9, "", "", "缺少申请号", "The application number is missing", "required"),
    CellError(6, "N", "=SUM(A1:A2)", "不是数字", "Not a number", "not_a_number"),
    CellError(2, "M", "", "表头有误", "Bad header"),  # inside the merged L2:O2
    CellError(0, "", "", "整个文件的问题", "A whole-file problem"),
]


@pytest.fixture(scope="module")
def error_copy(export, tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("errors") / "errors.xlsx"
    w.write_error_copy(export, dest, ERRORS)
    return dest


def filled(ws) -> set[str]:
    return {
        cell.coordinate
        for row in ws.iter_rows()
        for cell in row
        if cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == w.ERROR_FILL_COLOR
    }


def commented(ws) -> dict[str, str]:
    return {cell.coordinate: cell.comment.text for row in ws.iter_rows() for cell in row if cell.comment}


def test_error_copy_marks_exactly_the_bad_cells(error_copy):
    wb = openpyxl.load_workbook(error_copy)
    ws = wb[SHEET_NAME]
    assert filled(ws) == {"B4", "B9", "N6", "L2"}
    comments = commented(ws)
    assert set(comments) == {"B4", "B9", "N6", "L2"}
    assert comments["B4"] == (
        "申请号重复\nDuplicate application number\n\n申请号与国家局记录不符\nNot in CNIPA's records"
    )
    assert comments["B9"] == "缺少申请号\nThe application number is missing"
    assert wb.active.title == SHEET_NAME
    # The data are untouched.
    assert sheet_values(ws) == expected_rows()


def test_error_copy_lists_every_error(error_copy):
    wb = openpyxl.load_workbook(error_copy)
    assert wb.sheetnames[-1] == w.ERROR_SHEET_NAME
    ws = wb[w.ERROR_SHEET_NAME]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("行", "列", "单元格内容", "错误信息", "Error message")
    assert rows[1:] == [
        (0, None, None, "整个文件的问题", "A whole-file problem"),
        (2, "M", None, "表头有误", "Bad header"),
        (4, "B", make_number(1), "申请号重复", "Duplicate application number"),
        (4, "B", make_number(1), "申请号与国家局记录不符", "Not in CNIPA's records"),
        (6, "N", "=SUM(A1:A2)", "不是数字", "Not a number"),
        (9, None, None, "缺少申请号", "The application number is missing"),
    ]
    assert ws["C6"].data_type == "s"  # the user's formula-looking value is listed as text
    with zipfile.ZipFile(error_copy) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in archive.read(name).decode("utf-8"), name


def test_error_copy_again_replaces_the_list_and_keeps_comments(error_copy, tmp_path):
    dest = tmp_path / "again.xlsx"
    with open(error_copy, "rb") as source:
        w.write_error_copy(source, dest, [CellError(4, "B", "", "第二次", "Second time")])
    wb = openpyxl.load_workbook(dest)
    assert wb.sheetnames.count(w.ERROR_SHEET_NAME) == 1
    assert len(list(wb[w.ERROR_SHEET_NAME].iter_rows())) == 2
    comment = wb[SHEET_NAME]["B4"].comment.text
    assert comment.startswith("申请号重复") and comment.endswith("第二次\nSecond time")


def test_error_copy_of_the_national_workbook(tmp_path):
    dest = io.BytesIO()
    w.write_error_copy(
        NATIONAL_TEMPLATE, dest, [CellError(4, "L", "x", "无效", "Invalid"), CellError(5, "", "", "缺", "Miss")]
    )
    wb = openpyxl.load_workbook(io.BytesIO(dest.getvalue()))
    ws = wb[SHEET_NAME]
    assert filled(ws) == {"L4", "B5"}
    assert set(commented(ws)) == {"L4", "B5"}
    assert len(list(wb[w.ERROR_SHEET_NAME].iter_rows())) == 3


def test_error_copy_of_a_sheet_by_name(tmp_path):
    source = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    data = wb.create_sheet("我的清单")
    data["B3"] = "申请号"
    wb.save(source)
    dest = tmp_path / "dest.xlsx"
    w.write_error_copy(source, dest, [CellError(4, "C", "", "错", "Wrong")])
    marked = openpyxl.load_workbook(dest)["我的清单"]
    assert filled(marked) == {"C4"}


@pytest.mark.parametrize(
    "content",
    [b"not a workbook at all", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600],
    ids=["garbage", "legacy-xls"],
)
def test_error_copy_of_an_unreadable_file(tmp_path, content):
    source = tmp_path / "bad.xlsx"
    source.write_bytes(content)
    with pytest.raises(w.ErrorCopyUnavailable) as info:
        w.write_error_copy(source, tmp_path / "dest.xlsx", ERRORS)
    assert info.value.message and info.value.message_en


def test_error_copy_of_a_broken_zip_without_the_archive_check(tmp_path):
    source = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(w.ErrorCopyUnavailable):
        w.write_error_copy(source, tmp_path / "dest.xlsx", ERRORS, check_archive=False)
