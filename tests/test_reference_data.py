"""Reference data: what the loaders put in the database, idempotency, and the IPC ↔ GB/T 4754 concordance parser."""

from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from dashboards.models import Milestone
from reference import loader
from reference.models import IndustryCode, IPCCode, IPCIndustryConcordance, Province, SEIClass
from seed import reference_data

EXPECTED_COUNTS = {"provinces": 32, "industries": 1971, "ipc": 791, "sei": 49, "milestones": 15}


@pytest.fixture
def loaded(db):
    return reference_data.load_all()


def test_load_all_counts(loaded):
    assert loaded == EXPECTED_COUNTS
    assert Province.objects.count() == 32
    levels = {level: IndustryCode.objects.filter(level=level).count() for level in ("section", "division", "group")}
    assert levels == {"section": 20, "division": 97, "group": 473}
    assert IndustryCode.objects.filter(level="class").count() == 1381
    assert {level: IPCCode.objects.filter(level=level).count() for level in ("section", "class", "subclass")} == {
        "section": 8,
        "class": 132,
        "subclass": 651,
    }
    assert SEIClass.objects.filter(edition="2018").count() == 9
    assert SEIClass.objects.filter(edition="2021").count() == 40
    assert Milestone.objects.count() == 15


def test_parents(loaded):
    c2611 = IndustryCode.objects.get(code="C2611")
    assert (c2611.level, c2611.section) == ("class", "C")
    assert c2611.parent.code == "C261"
    assert c2611.parent.parent.code == "C26"
    assert c2611.parent.parent.parent.code == "C"
    assert c2611.parent.parent.parent.parent is None
    assert IndustryCode.objects.get(code="A0111").parent.code == "A011"
    assert IndustryCode.objects.get(code="A01").parent.code == "A"
    assert set(IndustryCode.objects.filter(parent=None).values_list("level", flat=True)) == {"section"}

    assert IPCCode.objects.get(code="A01B").parent.code == "A01"
    assert IPCCode.objects.get(code="A01").parent.code == "A"
    assert IPCCode.objects.filter(parent=None).count() == 8

    ai = SEIClass.objects.get(edition="2021", code="1.5")
    assert (ai.name, ai.parent.edition, ai.parent.code, ai.parent.name) == (
        "人工智能",
        "2018",
        "1",
        "新一代信息技术产业",
    )
    assert SEIClass.objects.filter(edition="2018", parent=None).count() == 9
    assert not SEIClass.objects.filter(edition="2021", parent=None).exists()


def test_loaded_values(loaded):
    assert Province.objects.get(code="66").short_name == "兵团"
    assert Province.objects.get(code="52").name == "贵州省"
    # The converter's note on C3741 is not part of the standard's text.
    assert "[fixed" not in IndustryCode.objects.get(code="C3741").remark
    assert IPCCode.objects.get(code="H").title_zh == "电学"

    other = Milestone.objects.get(code="2024-06-30-inventory-other-institutions")
    assert (str(other.due_date), other.metric, other.scope, other.target_share) == (
        "2024-06-30",
        "inventory_coverage",
        "other_institutions",
        Decimal("0.3000"),
    )
    guizhou = Milestone.objects.get(code="52-2025-12-31-deals")
    assert (guizhou.scope, guizhou.province.code, guizhou.target_count, guizhou.target_share) == (
        "province",
        "52",
        1000,
        None,
    )
    national_deals = Milestone.objects.get(code="2025-12-31-deals")
    assert (national_deals.target_count, national_deals.target_share) == (None, None)


def test_second_run_changes_nothing_and_keeps_milestone_edits(loaded):
    # given: a national admin edited a milestone after the first load
    Milestone.objects.filter(code="2024-06-30-inventory-other-institutions").update(
        target_share=Decimal("0.25"), title="edited"
    )

    # when
    results = {name: loader() for name, loader in reference_data.LOADERS.items()}

    # then
    assert {name: (r.total, r.created, r.updated) for name, r in results.items()} == {
        name: (count, 0, 0) for name, count in EXPECTED_COUNTS.items()
    }
    assert IndustryCode.objects.count() == 1971
    assert IPCCode.objects.count() == 791
    assert SEIClass.objects.count() == 49
    assert Milestone.objects.count() == 15
    edited = Milestone.objects.get(code="2024-06-30-inventory-other-institutions")
    assert (edited.target_share, edited.title) == (Decimal("0.2500"), "edited")


def test_reload_restores_a_changed_classification_row(loaded):
    IndustryCode.objects.filter(code="C2611").update(name="changed", parent=IndustryCode.objects.get(code="C"))

    result = loader.load_industries()

    assert (result.total, result.created, result.updated) == (1971, 0, 1)
    c2611 = IndustryCode.objects.get(code="C2611")
    assert (c2611.name, c2611.parent.code) == ("无机酸制造", "C261")


def test_load_milestones_recreates_only_missing_ones(loaded):
    Milestone.objects.filter(code="2024-04-30-expert-library").delete()

    result = reference_data.load_milestones()

    assert (result.total, result.created) == (15, 1)
    assert Milestone.objects.get(code="2024-04-30-expert-library").metric == "expert_library"


def _write_concordance_xlsx(path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["国际专利分类与国民经济行业分类参照关系表（2018）"])
    sheet.append(["代码", "名称", "IPC"])
    sheet.append([111, "稻谷种植", "A01B*"])  # 0111 stored as a number by Excel
    sheet.append([None, None, "Ａ０１Ｃ　１／００＊"])  # full-width, on a continuation row
    sheet.append(["2611", "无机酸制造", "C01B 7/*"])
    sheet.append([None, None, "C01B 7/*"])  # repeated: reported once
    sheet.append([None, None, "C01G*，C01D 1/04"])  # two entries in one cell
    sheet.merge_cells("A5:A7")
    sheet.append(["C26", "化学原料和化学制品制造业", None])  # a heading: rows below it belong to no 小类
    sheet.append([None, None, "C07*"])
    sheet.append(["C3741", "飞机制造", "B64C* 见IPC说明"])
    workbook.save(path)


def test_parse_ipc_gbt_concordance_xlsx(loaded, tmp_path):
    path = tmp_path / "concordance.xlsx"
    _write_concordance_xlsx(path)

    pairs = loader.parse_ipc_gbt_concordance(path)

    assert pairs == [
        ("A0111", "A01B"),
        ("A0111", "A01C1/00"),
        ("C2611", "C01B7/"),
        ("C2611", "C01G"),
        ("C2611", "C01D1/04"),
        ("C3741", "B64C"),
    ]


def test_parse_ipc_gbt_concordance_csv(loaded, tmp_path):
    path = tmp_path / "concordance.csv"
    path.write_text("行业代码,行业名称,国际专利分类号\n0111,稻谷种植,A01G 22/22*\n,,A01H 6/46\n", encoding="utf-8-sig")

    assert loader.parse_ipc_gbt_concordance(path) == [("A0111", "A01G22/22"), ("A0111", "A01H6/46")]


def test_parse_ipc_gbt_concordance_refuses_unknown_codes(loaded, tmp_path):
    path = tmp_path / "concordance.csv"
    path.write_text("代码,名称,IPC\n2611,无机酸制造,C01B*\n9998,不存在,A01B*\n9999,不存在,A01C*\n", encoding="utf-8")

    with pytest.raises(ValueError, match=r"9998 \(row 3\), 9999 \(row 4\)"):
        loader.parse_ipc_gbt_concordance(path)


def test_parse_ipc_gbt_concordance_needs_industries(loaded, tmp_path):
    IndustryCode.objects.update(parent=None)
    IndustryCode.objects.all().delete()
    path = tmp_path / "concordance.csv"
    path.write_text("代码,名称,IPC\n2611,无机酸制造,C01B*\n", encoding="utf-8")

    with pytest.raises(ValueError, match="load_reference_data"):
        loader.parse_ipc_gbt_concordance(path)


def test_command(loaded, tmp_path):
    path = tmp_path / "concordance.xlsx"
    _write_concordance_xlsx(path)
    Milestone.objects.filter(code="2024-02-05-contacts-reported").delete()
    out = StringIO()

    call_command("load_reference_data", "-v", "2", "--ipc-gbt-concordance", str(path), stdout=out)

    assert out.getvalue().splitlines() == [
        "provinces: 32 rows (0 created, 0 updated)",
        "industries: 1971 rows (0 created, 0 updated)",
        "ipc: 791 rows (0 created, 0 updated)",
        "sei: 49 rows (0 created, 0 updated)",
        "milestones: 15 rows (1 created, 0 updated)",
        "Reference data loaded: provinces 32, industries 1971, ipc 791, sei 49, milestones 15",
        "IPC ↔ GB/T 4754 concordance: 6 pairs stored",
    ]
    assert Milestone.objects.filter(code="2024-02-05-contacts-reported").exists()
    stored = sorted(IPCIndustryConcordance.objects.values_list("industry__code", "ipc_prefix"))
    # A main group written /00 covers its subgroups, so it is stored as the group prefix.
    assert stored == [
        ("A0111", "A01B"),
        ("A0111", "A01C1/"),
        ("C2611", "C01B7/"),
        ("C2611", "C01D1/04"),
        ("C2611", "C01G"),
        ("C3741", "B64C"),
    ]
    # Loading again replaces rather than duplicates.
    call_command("load_reference_data", "-v", "0", "--ipc-gbt-concordance", str(path), stdout=StringIO())
    assert IPCIndustryConcordance.objects.count() == 6


def test_command_refuses_a_missing_file(loaded, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_reference_data", "--ipc-gbt-concordance", str(tmp_path / "missing.xlsx"))
