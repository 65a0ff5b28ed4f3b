"""Classification into GB/T 4754-2017 and SEI 2021: IPC parsing, the shipped concordance, the classifier, the command."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from classification.build_concordance import VERSION, authored_priors
from classification.classifier import classify, merge_official
from classification.concordance import ipc_gbt_table, official_pairs
from classification.ipc import ipc_prefixes, parse_ipc
from classification.tables import (
    GBT_CONCORDANCE,
    SEI_CONCORDANCE,
    concordance_version,
    gbt_codes,
    ipc_subclasses,
    read_csv,
    sei_codes,
)
from reference.models import IndustryCode, IPCIndustryConcordance


def test_parse_ipc_accepts_the_forms_databases_write():
    assert parse_ipc("C08L83/07 | C08K9/06") == ["C08L83/07", "C08K9/06"]
    assert parse_ipc("B01J13/00") == ["B01J13/00"]
    assert parse_ipc("C08L 83/07") == ["C08L83/07"]
    assert parse_ipc("H01M10/0525") == ["H01M10/0525"]
    assert parse_ipc("ｈ０１ｍ１０／０５２５") == ["H01M10/0525"]
    assert parse_ipc("g06f 16/35; G06F16/35，G06N 3/08") == ["G06F16/35", "G06N3/08"]
    assert parse_ipc(" H01M | h01m ") == ["H01M"]
    assert parse_ipc("A61B5") == ["A61B5/00"]
    assert parse_ipc(["C02F1/00", " c02f 1/00 ", ""]) == ["C02F1/00"]
    assert parse_ipc("") == []
    assert parse_ipc(None) == []
    assert parse_ipc("IPC n/a -") == []


def test_ipc_prefixes_most_specific_first():
    assert ipc_prefixes("A61B5/024") == ["A61B5/024", "A61B5/", "A61B"]
    assert ipc_prefixes("B01J13/00") == ["B01J13/", "B01J"]
    assert ipc_prefixes("H01M") == ["H01M"]


@pytest.mark.parametrize(
    ("ipc", "section", "division", "sei"),
    [
        ("H01M", "C", "C38", "3.6"),
        ("H01M10/0525", "C", "C38", "3.3"),
        ("A61K", "C", "C27", "4.1"),
        ("G06F", "I", "I65", "1.5"),
        ("B25J", "C", "C34", "2.1"),
        ("C02F", "C", "D46", "7.2"),
    ],
)
def test_known_ipc_gives_expected_section_and_division(ipc, section, division, sei):
    result = classify(ipc)
    assert result.codes("sections", 1) == [section]
    assert result.codes("divisions", 1) == [division]
    assert result.codes("sei_2021", 1) == [sei]


def test_industrial_robot_is_its_own_class():
    assert classify("B25J9/16").codes("gbt4754", 1) == ["C3491"]


def test_roll_ups_count_each_class_under_its_ancestors():
    result = classify("H01M10/0525 | H01M4/62", "一种锂离子电池正极材料")
    total = sum(score for _, score in result.gbt4754)
    assert result.gbt4754[0][0] == "C3841"
    assert round(sum(score for _, score in result.sections), 2) == 1.0
    assert total <= 1.0
    assert result.sections[0][0] == result.divisions[0][0][0] == result.groups[0][0][0]


def test_text_alone_classifies_when_there_is_no_ipc():
    result = classify("", "一种锂离子电池正极材料及其制备方法")
    assert result.codes("divisions", 1) == ["C38"]
    assert result.codes("gbt4754", 1) == ["C3841"]
    assert result.codes("sei_2021", 1) == ["5.2"]
    assert "锂离子电池" in result.reason


def test_nothing_to_classify_gives_empty_rankings():
    result = classify([], "")
    assert result.gbt4754 == result.sections == result.sei_2021 == []
    assert result.reason == "无IPC与文本依据 / no IPC code or text to classify"


def test_every_ipc_subclass_has_a_class_in_the_shipped_table():
    table = read_csv(GBT_CONCORDANCE)
    covered = {row["ipc_prefix"] for row in table}
    subclasses = set(ipc_subclasses())
    assert len(subclasses) == 651
    assert subclasses - covered == set()
    assert {row["version"] for row in table} == {VERSION} == {concordance_version()}


def test_shipped_table_uses_only_gbt4754_2017_classes():
    classes = {code for code, row in gbt_codes().items() if row["level"] == "小类"}
    used = {row["gbt4754"] for row in read_csv(GBT_CONCORDANCE)}
    assert used - classes == set()


def test_shipped_sei_table_uses_only_sei_2021_codes():
    used = {row["sei_2021"] for row in read_csv(SEI_CONCORDANCE)}
    assert used - set(sei_codes()) == set()
    assert {row["ipc_prefix"][:4] for row in read_csv(SEI_CONCORDANCE)} <= set(ipc_subclasses())


def test_authored_priors_cover_every_subclass_and_sum_to_one():
    gbt, sei = authored_priors()
    assert set(gbt) == set(ipc_subclasses())
    assert all(round(sum(weights.values()), 6) == 1.0 for weights in gbt.values())
    assert all(not weights or round(sum(weights.values()), 6) == 1.0 for weights in sei.values())


def test_official_pairs_take_precedence():
    shipped = {"H01M": {"C3841": 0.9, "C3849": 0.1}, "H01M10/": {"C3841": 1.0}}
    merged = merge_official(shipped, [("H01M", "C3849"), ("H01M", "C3842")])
    assert merged == {"H01M": {"C3849": 0.5, "C3842": 0.5}}
    result = classify("H01M10/0525", gbt_table=shipped, extra_pairs=[("H01M", "C3849")])
    assert result.codes("gbt4754") == ["C3849"]
    assert merge_official(shipped, []) is shipped


def _write_csv(path, rows, header, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def test_command_adds_ranked_columns(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_csv(
        source,
        [
            ["CN201811015502.6", "导热复合材料及其制备方法", "C08L83/07 | C08K9/06", "本发明涉及热界面材料技术领域"],
            ["CN202010000001.X", "工业机器人的控制方法", "B25J9/16", ""],
            ["CN202010000002.9", "", "", ""],
        ],
        ["application_number", "title", "ipc", "technical_field"],
        encoding="utf-8-sig",
    )
    out = StringIO()
    call_command("classify_patents", str(source), str(target), stdout=out)
    assert out.getvalue().strip() == "已分类 3 行，1 行无行业结果 / 3 rows, 1 without a class"
    with target.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == ["application_number", "title", "ipc", "technical_field", "gbt4754", "sei_2021"]
    assert [row["application_number"] for row in rows] == ["CN201811015502.6", "CN202010000001.X", "CN202010000002.9"]
    assert rows[0]["gbt4754"].split("|")[0][:3] == "C29"
    assert rows[0]["sei_2021"].split("|")[0] == "3.3"
    assert rows[1]["gbt4754"].split("|")[0] == "C3491"
    assert rows[1]["sei_2021"].split("|")[0] == "2.1"
    assert all(len(code) == 5 for code in rows[0]["gbt4754"].split("|"))
    assert (rows[2]["gbt4754"], rows[2]["sei_2021"]) == ("", "")


def test_command_without_technical_field_column(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_csv(source, [["CN1", "锂离子电池", "H01M10/0525"]], ["application_number", "title", "ipc"])
    call_command("classify_patents", str(source), str(target), stdout=StringIO())
    with target.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["application_number", "title", "ipc", "gbt4754", "sei_2021"]
    assert rows[0]["gbt4754"].split("|")[0] == "C3841"


def test_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("classify_patents", str(tmp_path / "nope.csv"), str(tmp_path / "out.csv"))
    assert (
        str(error.value) == f"找不到输入文件：{tmp_path / 'nope.csv'} / input file not found: {tmp_path / 'nope.csv'}"
    )


def test_command_refuses_missing_columns(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_csv(source, [["CN1", "H01M"]], ["application_number", "ipc"])
    with pytest.raises(CommandError) as error:
        call_command("classify_patents", str(source), str(target))
    assert str(error.value) == "输入文件缺少列：title / input file lacks columns: title"
    assert not target.exists()


@pytest.mark.django_db
def test_official_concordance_from_the_database_wins():
    assert official_pairs() == []
    industry = IndustryCode.objects.get(code="C3849")
    IPCIndustryConcordance.objects.create(industry=industry, ipc_prefix="H01M10/", edition="2018")
    assert official_pairs() == [("H01M10/", "C3849")]
    table = ipc_gbt_table()
    assert table["H01M10/"] == {"C3849": 1.0}
    assert classify("H01M10/0525", extra_pairs=official_pairs()).codes("gbt4754", 1) == ["C3849"]
