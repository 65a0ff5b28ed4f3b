"""The self-assessment validator (evaluations.validation): readers of typed values and the rules of the format.

Pure tests: no database.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from conftest import make_number
from django.utils import translation

from evaluations import validation as v
from evaluations.choices import (
    ImplementationLevel1 as L1,
)
from evaluations.choices import (
    ImplementationLevel2 as L2,
)
from evaluations.choices import (
    IntentLevel1 as I1,
)
from evaluations.choices import (
    IntentLevel2 as I2,
)
from evaluations.choices import (
    Maturity,
    PriceBand,
)
from evaluations.record import ImplementationEntry, IntentEntry, InventoryRecord


def record(**overrides) -> InventoryRecord:
    """A complete, valid self-assessment of an invention patent; ``overrides`` replace fields."""
    values = {
        "row": 4,
        "application_number": make_number(1),
        "title": "一种锂电池隔膜的制备方法",
        "legal_status": "valid",
        "years_maintained": 5,
        "inventors": "张三，李四",
        "org_unit": "材料学院",
        "fiscally_funded": True,
        "implementation_states": [ImplementationEntry(level1=L1.NOT_IMPLEMENTED)],
        "intents": [IntentEntry(level1=I1.LICENSE, level2=I2.ORDINARY_LICENCE)],
        "price_band": PriceBand.B10_20,
        "contact_name": "王老师",
        "contact_phone": "13800000000",
        "maturity": Maturity.SMALL_BATCH,
        "value_stars": 4,
        "products_advantages": "动力电池隔膜，耐热 200℃",
        "industry_section": "C",
        "prospect": "新能源汽车市场持续增长",
        "sei_class": "3",
    }
    values.update(overrides)
    return InventoryRecord(**values)


def found(problems: list[v.Problem]) -> set[tuple[str, int | None, str]]:
    return {(p.column, p.entry, p.code) for p in problems}


# ---------------------------------------------------------------------------------------------------------------------
# A complete record


def test_complete_record_has_no_problems():
    assert v.validate_record(record()) == []


def test_problem_names_its_column_letter():
    problem = v.Problem("impl_value", "中", "en")
    assert problem.column == "N"
    assert v.Problem("sei_class", "中", "en").column == "AC"


def test_every_problem_is_reported_not_just_the_first():
    problems = v.validate_record(
        record(
            fiscally_funded=None,
            implementation_states=[],
            intents=[],
            price_band="",
            contact_name="",
            contact_phone="",
            maturity="",
            value_stars=None,
        )
    )
    assert found(problems) == {
        ("K", None, "required"),
        ("L", None, "required"),
        ("P", None, "required"),
        ("U", None, "required"),
        ("V", None, "required"),
        ("W", None, "required"),
        ("X", None, "required"),
        ("Y", None, "required"),
    }
    assert all(p.message and p.message_en for p in problems)


# ---------------------------------------------------------------------------------------------------------------------
# Skip rule and stars


@pytest.mark.parametrize("state", [L1.TO_ABANDON, L1.OWNERSHIP_DISPUTE, L1.UNSUITABLE])
def test_skip_states_make_p_onwards_optional(state):
    problems = v.validate_record(
        record(
            implementation_states=[ImplementationEntry(level1=state)],
            intents=[],
            price_band="",
            contact_name="",
            contact_phone="",
            maturity="",
            value_stars=None,
            products_advantages="",
            prospect="",
        )
    )
    assert problems == []


def test_skip_state_among_several_still_skips():
    problems = v.validate_record(
        record(
            implementation_states=[
                ImplementationEntry(level1=L1.NOT_IMPLEMENTED),
                ImplementationEntry(level1=L1.UNSUITABLE),
            ],
            intents=[],
            maturity="",
        )
    )
    assert problems == []


def test_skip_state_still_validates_what_is_filled():
    problems = v.validate_record(
        record(
            implementation_states=[ImplementationEntry(level1=L1.TO_ABANDON)],
            intents=[IntentEntry(level1=I1.TRANSFER, level2=I2.OPEN_LICENCE)],
            price_band="999",
            fee_standard_wan=Decimal("-1"),
            contact_phone="微信",
        )
    )
    assert found(problems) == {
        ("Q", 0, "mismatch"),
        ("R", None, "out_of_range"),
        ("U", None, "invalid_choice"),
        ("W", None, "invalid_contact"),
    }


@pytest.mark.parametrize("stars", [1, 2])
def test_one_or_two_stars_need_no_scenario(stars):
    assert v.validate_record(record(value_stars=stars, products_advantages="", prospect="")) == []


@pytest.mark.parametrize("stars", [3, 4, 5])
def test_three_stars_or_more_need_products_and_prospect(stars):
    problems = v.validate_record(record(value_stars=stars, products_advantages="", prospect=""))
    assert found(problems) == {("Z", None, "required"), ("AB", None, "required")}


def test_stars_out_of_range():
    assert found(v.validate_record(record(value_stars=6))) == {("Y", None, "invalid_choice")}


# ---------------------------------------------------------------------------------------------------------------------
# Implementation states (L–O)


def test_level2_must_belong_to_level1():
    entry = ImplementationEntry(level1=L1.TRANSFERRED, level2=L2.ORDINARY_LICENCE_SIGNED, amount_wan=Decimal(5))
    problems = v.validate_record(record(implementation_states=[entry]))
    assert found(problems) == {("M", 0, "mismatch")}
    assert "不属于" in problems[0].message


def test_no_level2_where_the_list_is_empty():
    entry = ImplementationEntry(level1=L1.NOT_IMPLEMENTED, level2=L2.CUSTOM, custom_text="准备中")
    assert found(v.validate_record(record(implementation_states=[entry]))) == {("M", 0, "not_expected")}


def test_free_text_level1_with_a_level2_names_what_was_typed():
    # 「已实施」 is not a listed state: it is read as the template's own-words state, which has no level 2.
    entry, problems = v.implementation_from_cells("已实施", "自行实施")
    assert problems == [] and (entry.level1, entry.custom_text) == (L1.CUSTOM, "已实施")
    problems = v.validate_record(record(implementation_states=[entry]))
    assert found(problems) == {("M", 0, "not_expected")}
    assert "“已实施”不是列表中的选项" in problems[0].message
    assert "“已实施” is not one of the listed states" in problems[0].message_en


def test_custom_level2_needs_its_text():
    entry = ImplementationEntry(level1=L1.LICENSED, level2=L2.CUSTOM, amount_wan=Decimal(1))
    assert found(v.validate_record(record(implementation_states=[entry]))) == {("M", 0, "custom_text_required")}
    entry.custom_text = "交叉许可"
    assert v.validate_record(record(implementation_states=[entry])) == []


def test_custom_level1_needs_its_text():
    entry = ImplementationEntry(level1=L1.CUSTOM)
    assert found(v.validate_record(record(implementation_states=[entry]))) == {("L", 0, "custom_text_required")}


@pytest.mark.parametrize("state", [L1.LICENSED, L1.TRANSFERRED, L1.SELF_INDUSTRIALIZED])
def test_amount_states_need_an_amount(state):
    entry = ImplementationEntry(level1=state)
    assert found(v.validate_record(record(implementation_states=[entry]))) == {("N", 0, "required")}
    entry.amount_wan = Decimal("0")
    assert v.validate_record(record(implementation_states=[entry])) == []


@pytest.mark.parametrize(
    ("amount", "code"),
    [(Decimal("-0.01"), "out_of_range"), (Decimal("12.345"), "too_precise"), (Decimal("1E13"), "out_of_range")],
)
def test_amount_must_be_plausible(amount, code):
    entry = ImplementationEntry(level1=L1.TRANSFERRED, level2=L2.TRANSFER_SIGNED, amount_wan=amount)
    assert found(v.validate_record(record(implementation_states=[entry]))) == {("N", 0, code)}


@pytest.mark.parametrize("level2", [L2.LICENSEE_INDUSTRIALIZED, L2.PARTNER_INDUSTRIALIZED])
def test_partner_industrialized_needs_a_product_name_not_an_amount(level2):
    entry = ImplementationEntry(level1=L1.LICENSED, level2=level2)
    assert found(v.validate_record(record(implementation_states=[entry]))) == {("N", 0, "required")}
    entry.product_name = "高能量密度电芯"
    assert v.validate_record(record(implementation_states=[entry])) == []
    entry.amount_wan = Decimal(3)
    assert found(v.validate_record(record(implementation_states=[entry]))) == {("N", 0, "not_expected")}


def test_evaluation_report_needs_a_result_and_a_utility_model_or_design():
    entry = ImplementationEntry(level1=L1.EVALUATION_REPORT, evaluation_result="全部权利要求符合授权条件")
    invention, utility_model, design = (make_number(7, type_digit=digit) for digit in "123")
    assert v.validate_record(record(application_number=utility_model, implementation_states=[entry])) == []
    assert v.validate_record(record(application_number=design, implementation_states=[entry])) == []
    problems = v.validate_record(record(application_number=invention, implementation_states=[entry]))
    assert found(problems) == {("L", 0, "not_applicable")}
    entry.evaluation_result = ""
    problems = v.validate_record(record(application_number=utility_model, implementation_states=[entry]))
    assert found(problems) == {("N", 0, "required")}


def test_patent_type_passed_in_is_trusted():
    entry = ImplementationEntry(level1=L1.EVALUATION_REPORT, evaluation_result="稳定")
    problems = v.validate_record(record(implementation_states=[entry]), patent_type="utility_model")
    assert problems == []


def test_nothing_in_n_for_not_implemented():
    entry = ImplementationEntry(level1=L1.NOT_IMPLEMENTED, amount_wan=Decimal(1))
    assert found(v.validate_record(record(implementation_states=[entry]))) == {("N", 0, "not_expected")}


def test_problems_point_at_their_entry():
    states = [
        ImplementationEntry(level1=L1.NOT_IMPLEMENTED),
        ImplementationEntry(level1=L1.LICENSED, level2=L2.EQUITY, amount_wan=Decimal(1)),
    ]
    intents = [
        IntentEntry(level1=I1.LICENSE),
        IntentEntry(level1=I1.LICENSE),
        IntentEntry(level1=I1.SELF_APPLY, level2=I2.EQUITY),
    ]
    problems = v.validate_record(record(implementation_states=states, intents=intents))
    assert found(problems) == {("M", 1, "mismatch"), ("Q", 2, "mismatch")}


def test_lengths_of_entry_texts():
    entry = ImplementationEntry(level1=L1.LICENSED, level2=L2.CUSTOM, custom_text="长" * 256, amount_wan=Decimal(1))
    entry.remark = "注" * 501
    assert found(v.validate_record(record(implementation_states=[entry]))) == {
        ("M", 0, "too_long"),
        ("O", 0, "too_long"),
    }


# ---------------------------------------------------------------------------------------------------------------------
# Intents, bundle and the other columns


def test_intent_custom_needs_text_and_unknown_level1_is_refused():
    intents = [IntentEntry(level1=I1.SELF_APPLY, level2=I2.CUSTOM), IntentEntry(level1="lease")]
    assert found(v.validate_record(record(intents=intents))) == {
        ("Q", 0, "custom_text_required"),
        ("P", 1, "invalid_choice"),
    }


def test_bundle_rules():
    ten = [make_number(100 + i) for i in range(10)]
    problems = v.validate_record(record(bundle_name="电池组合", bundle_numbers=ten))
    assert found(problems) == {("I", None, "too_many")}
    problems = v.validate_record(record(bundle_name="电池组合", bundle_numbers=[make_number(1), "201710601862.4"]))
    assert found(problems) == {("I", None, "invalid_numbers")}
    assert found(v.validate_record(record(bundle_name="电池组合"))) == {("I", None, "required")}
    assert found(v.validate_record(record(bundle_numbers=[make_number(2)]))) == {("H", None, "required")}
    assert found(v.validate_record(record(bundle_name="名" * 51, bundle_numbers=[make_number(2)]))) == {
        ("H", None, "too_long")
    }
    assert v.validate_record(record(bundle_name="电池组合", bundle_numbers=[make_number(2), make_number(3)])) == []


def test_other_columns():
    problems = v.validate_record(
        record(
            application_number="201710601862.4",
            legal_status="pending",
            years_maintained=26,
            intended_cities="浙江省-杭州市,杭州市,火星-城",
            intended_enterprises=",".join(f"企业{i}" for i in range(11)),
            industry_section="Z",
            sei_class="10",
            maturity="ripe",
            price_band="cheap",
            title="题" * 256,
        )
    )
    assert found(problems) == {
        ("B", None, "bad_check_digit"),
        ("C", None, "too_long"),
        ("D", None, "invalid_choice"),
        ("E", None, "out_of_range"),
        ("S", None, "invalid_format"),
        ("T", None, "too_many"),
        ("U", None, "invalid_choice"),
        ("X", None, "invalid_choice"),
        ("AA", None, "invalid_choice"),
        ("AC", None, "invalid_choice"),
    }
    cities = next(p for p in problems if p.key == "intended_cities")
    assert "杭州市" in cities.message and "火星-城" in cities.message


def test_missing_application_number():
    assert found(v.validate_record(record(application_number=""))) == {("B", None, "required")}


@pytest.mark.parametrize("contact", ["13800000000", "0571-8888 8888", "wang@example.edu.cn", "电话：010-62751234"])
def test_contact_forms(contact):
    assert v.validate_record(record(contact_phone=contact)) == []


def test_record_is_not_modified():
    original = record(value_stars=3, products_advantages="")
    snapshot = dataclasses.replace(original)
    v.validate_record(original)
    assert original == snapshot


# ---------------------------------------------------------------------------------------------------------------------
# Readers of single values


@pytest.mark.parametrize(
    ("text", "stars"),
    [
        ("五星", 5),
        ("四星", 4),
        ("三星", 3),
        ("二星", 2),
        ("两星", 2),
        ("一星", 1),
        ("5星", 5),
        ("５星", 5),
        ("5颗星", 5),
        ("五星级", 5),
        ("5", 5),
        (5, 5),
        (3.0, 3),
        ("★★★★★", 5),
        ("★★★☆☆", 3),
        ("★", 1),
        (" 四星 ", 4),
        ("", None),
    ],
)
def test_parse_value_stars(text, stars):
    assert v.parse_value_stars(text) == stars


@pytest.mark.parametrize("text", ["六星", "0星", "6", 0, 3.5, "☆☆☆☆☆", "★☆★", "很好", True])
def test_parse_value_stars_refuses(text):
    with pytest.raises(v.FieldError) as info:
        v.parse_value_stars(text)
    assert info.value.code == "invalid_choice"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("具体面议", "negotiable"),
        ("面议", "negotiable"),
        ("0-10万", "0-10"),
        ("0～10万元", "0-10"),
        ("０－１０万", "0-10"),
        ("10-20", "10-20"),
        ("90 - 100万", "90-100"),
        ("100万以上", "100+"),
        ("100万元以上", "100+"),
        ("", ""),
    ],
)
def test_parse_price_band(text, code):
    assert v.parse_price_band(text) == code


def test_parse_price_band_refuses():
    with pytest.raises(v.FieldError):
        v.parse_price_band("15万")


def test_labels_are_read_in_chinese_whatever_the_active_language():
    with translation.override("en"):
        assert v.parse_price_band("0-10万") == "0-10"
        assert v.parse_maturity("通过中试") == "legacy_pilot_tested"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("样品、实验阶段", "sample"),
        ("样品,实验阶段", "sample"),
        ("批量生产、成熟应用阶段", "mass_production"),
        ("技术构思", "legacy_concept"),
        ("可以量产", "legacy_producible"),
        # either half of a current stage's label names it alone
        ("小批量生产", "small_batch"),
        ("工程应用阶段", "small_batch"),
        ("批量生产", "mass_production"),
        ("样品", "sample"),
        ("试生产", "trial_production"),
        ("请选择技术成熟度", ""),
        ("", ""),
    ],
)
def test_parse_maturity(text, code):
    assert v.parse_maturity(text) == code


@pytest.mark.parametrize(
    ("text", "letter"),
    [
        ("制造业", "C"),
        ("C", "C"),
        ("c", "C"),
        ("C 制造业", "C"),
        ("C-制造业", "C"),
        ("制造业（C）", "C"),
        ("农、林、牧、渔业", "A"),
        ("农,林,牧,渔业", "A"),
        ("信息传输、软件和信息技术服务业", "I"),
        ("国际组织", "T"),
        ("", ""),
    ],
)
def test_parse_industry_section(text, letter):
    assert v.parse_industry_section(text) == letter


# C26 (a 大类) is a class of its own since codes of every level are kept (issue #9).
@pytest.mark.parametrize("text", ["制造", "U", "A 制造业"])
def test_parse_industry_section_refuses(text):
    with pytest.raises(v.FieldError):
        v.parse_industry_section(text)


def test_gbt4754_has_the_20_sections():
    assert list(v.GBT4754_SECTIONS) == list("ABCDEFGHIJKLMNOPQRST")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("新一代信息技术产业", "1"),
        ("相关服务业", "9"),
        ("新材料产业", "3"),
        ("人工智能", "1.5"),  # a 2021 class, kept at its level (issue #9)
        ("生物医药产业", "4.1"),
        ("", ""),
    ],
)
def test_parse_sei_class(text, code):
    assert v.parse_sei_class(text) == code


def test_sei_2018_has_9_top_level_classes():
    assert len(v.SEI_2018_TOP_LEVEL) == 9
    with pytest.raises(v.FieldError):
        v.parse_sei_class("新兴产业")


@pytest.mark.parametrize(
    ("value", "result"),
    [
        ("是", True),
        ("否", False),
        ("是 ", True),
        ("Y", True),
        ("n", False),
        ("YES", True),
        (True, True),
        (0, False),
        ("", None),
    ],
)
def test_parse_bool(value, result):
    assert v.parse_bool(value) is result


def test_parse_bool_refuses():
    with pytest.raises(v.FieldError):
        v.parse_bool("可能")


@pytest.mark.parametrize(
    ("value", "result"),
    [
        ("12.5", Decimal("12.5")),
        ("12.5万", Decimal("12.5")),
        ("12.5万元", Decimal("12.5")),
        ("１２．５", Decimal("12.5")),
        ("1,200", Decimal("1200")),
        (12.5, Decimal("12.5")),
        (0.1, Decimal("0.1")),
        (20, Decimal(20)),
        (20.0, Decimal(20)),
        ("-3", Decimal(-3)),
        ("", None),
        ("无", None),
    ],
)
def test_parse_decimal(value, result):
    assert v.parse_decimal(value) == result


@pytest.mark.parametrize("value", ["很多", "12,5", "5000元", "1.2.3", float("nan"), True])
def test_parse_decimal_refuses(value):
    with pytest.raises(v.FieldError) as info:
        v.parse_decimal(value)
    assert info.value.code == "not_a_number"


@pytest.mark.parametrize(("value", "years"), [(5, 5), (5.0, 5), ("5", 5), ("5年", 5), ("", None)])
def test_parse_years(value, years):
    assert v.parse_years_maintained(value) == years


@pytest.mark.parametrize("value", [5.5, "五年", "5年多"])
def test_parse_years_refuses(value):
    with pytest.raises(v.FieldError):
        v.parse_years_maintained(value)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("有效", "valid"),
        ("授权", "valid"),
        ("专利权维持", "valid"),
        ("维持", "valid"),
        ("", "valid"),
        ("未缴年费", "fee_grace"),
        ("等年费滞纳金", "fee_grace"),
        ("等年费滑", "fee_grace"),
        ("未缴年费专利权终止，等恢复", "lapsed"),  # terminated, awaiting restoration: not in force (issue #9)
        ("滞纳", "fee_grace"),
        ("失效", "lapsed"),
        ("终止", "lapsed"),
        ("专利权终止", "lapsed"),
        ("权利终止", "lapsed"),
        ("无效", "lapsed"),
    ],
)
def test_parse_legal_status(text, code):
    assert v.parse_legal_status(text) == code


def test_parse_legal_status_refuses():
    with pytest.raises(v.FieldError):
        v.parse_legal_status("实质审查")


def test_parse_cities():
    assert v.parse_cities("浙江省－杭州市，江苏省—南京市、北京-北京") == "浙江省-杭州市,江苏省-南京市,北京-北京"
    assert v.parse_cities("浙江省杭州市,新疆生产建设兵团石河子市") == "浙江省-杭州市,新疆生产建设兵团-石河子市"
    assert v.parse_cities("") == ""


def test_parse_enterprises():
    assert v.parse_enterprises("甲有限公司，乙股份有限公司；丙（北京）科技有限公司,") == (
        "甲有限公司,乙股份有限公司,丙（北京）科技有限公司"
    )


def test_parse_bundle_numbers():
    a, b, c = make_number(11), make_number(12), make_number(13)
    assert v.parse_bundle_numbers(f"{a}，{b}、{c},{a}") == [a, b, c]
    assert v.parse_bundle_numbers(f"CN{a}\n ZL{b}") == [a, b]
    assert v.parse_bundle_numbers(f"{a} {b}") == [a, b]
    assert not a.endswith("X")
    assert v.parse_bundle_numbers(float(a)) == [a]
    assert v.parse_bundle_numbers("") == []
    with pytest.raises(v.FieldError) as info:
        v.parse_bundle_numbers(f"{a},201710601862.4,12345")
    assert "201710601862" in info.value.message and "12345" in info.value.message


def test_parse_application_number():
    assert str(v.parse_application_number(" CN 2017 1 0601862.3 ")) == "201710601862.3"
    assert str(v.parse_application_number(201710601862.3)) == "201710601862.3"
    with pytest.raises(v.FieldError) as info:
        v.parse_application_number("201710601862.4")
    assert info.value.code == "bad_check_digit"


# ---------------------------------------------------------------------------------------------------------------------
# Readers of one row's L–O and P–Q


def test_implementation_from_cells_reads_labels_and_the_amount():
    entry, problems = v.implementation_from_cells("已许可", "已签订普通许可合同", "12.5", "已备案")
    assert problems == []
    assert entry == ImplementationEntry(
        level1="licensed", level2="ordinary_licence_signed", amount_wan=Decimal("12.5"), remark="已备案"
    )


def test_implementation_from_cells_custom_forms():
    entry, _ = v.implementation_from_cells("已自行产业化", "自定义（请勿勾选，请直接填写）：建成中试线", 30)
    assert (entry.level1, entry.level2, entry.custom_text, entry.amount_wan) == (
        "self_industrialized",
        "custom",
        "建成中试线",
        Decimal(30),
    )
    entry, _ = v.implementation_from_cells("即将放弃专利权", "维持费用过高")
    assert (entry.level2, entry.custom_text) == ("custom", "维持费用过高")
    entry, _ = v.implementation_from_cells("即将放弃专利权", "自定义（请勿勾选，请直接填写）")
    assert (entry.level2, entry.custom_text) == ("custom", "")
    entry, _ = v.implementation_from_cells("已完成技术验证")
    assert (entry.level1, entry.custom_text) == ("custom", "已完成技术验证")
    entry, _ = v.implementation_from_cells("尚未实施", "无需填写")
    assert (entry.level1, entry.level2) == ("not_implemented", "")


def test_implementation_from_cells_n_by_state():
    entry, _ = v.implementation_from_cells("已许可", "已由被许可人实现产业化", "锂电池隔膜")
    assert (entry.product_name, entry.amount_wan) == ("锂电池隔膜", None)
    entry, _ = v.implementation_from_cells("实用新型专利、外观设计专利已有专利权评价报告", "", "全部符合")
    assert entry.evaluation_result == "全部符合"
    entry, problems = v.implementation_from_cells("已转让", "已签订转让合同", "很多")
    assert [p.code for p in problems] == ["not_a_number"] and entry.amount_wan is None
    entry, problems = v.implementation_from_cells("尚未实施", "", 0)
    assert [(p.column, p.code) for p in problems] == [("N", "not_expected")]


def test_implementation_from_cells_wrong_column():
    entry, problems = v.implementation_from_cells("已签订普通许可合同")
    assert entry is None and [(p.column, p.code) for p in problems] == [("L", "wrong_column")]
    entry, problems = v.implementation_from_cells("", "已签订普通许可合同", 3)
    assert entry is None and [(p.column, p.code) for p in problems] == [("L", "required")]
    assert v.implementation_from_cells("", "", "") == (None, [])


def test_intent_from_cells():
    assert v.intent_from_cells("拟许可", "拟独占许可") == (IntentEntry("license", "exclusive_licence"), [])
    assert v.intent_from_cells("拟转让", "") == (IntentEntry("transfer"), [])
    assert v.intent_from_cells("许可", "") == (IntentEntry("license"), [])
    assert v.intent_from_cells(
        "拟自行应用或产业化", "自定义（请勿勾选，请直接填写）（请勿勾选，请直接填写）与企业共建"
    ) == (
        IntentEntry("self_apply", "custom", "与企业共建"),
        [],
    )
    assert v.intent_from_cells("拟许可", "拟作价入股") == (IntentEntry("license", "equity"), [])  # rule, not reading
    entry, problems = v.intent_from_cells("拟出租")
    assert entry is None and [(p.column, p.code) for p in problems] == [("P", "invalid_choice")]
    entry, problems = v.intent_from_cells("拟普通许可")
    assert [(p.column, p.code) for p in problems] == [("P", "wrong_column")]
    entry, problems = v.intent_from_cells("", "拟普通许可")
    assert [(p.column, p.code) for p in problems] == [("P", "required")]


@pytest.mark.parametrize("value", ["", "  ", "无", "/", "-", "无需填写", "N/A", None])
def test_blank_placeholders(value):
    assert v.is_blank_placeholder(value)


@pytest.mark.parametrize("value", ["0", 0, "无锡", "-5", "无线充电装置"])
def test_not_blank_placeholders(value):
    assert not v.is_blank_placeholder(value)
