"""The self-assessment (自评) form page: prefill, save, every rule of the shared validator shown at its field or row,
the access matrix, and (in a real browser) the live behaviour of its script.

A refused or invalid POST must leave the database exactly as it was: the assessment's values, its child rows, the
review trail and every history table.
"""

from __future__ import annotations

import json
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from conftest import ROLES, make_number, set_state, sign_in

from evaluations import forms as assessment_forms
from evaluations.choices import (
    IMPLEMENTATION_LEVEL2_BY_LEVEL1,
    INTENT_LEVEL2_BY_LEVEL1,
    ImplementationLevel1,
    ImplementationLevel2,
    IntentLevel1,
    IntentLevel2,
    Maturity,
    ReviewState,
)
from evaluations.models import ConversionIntent, ImplementationStatus, ReviewEvent, SelfAssessment
from evaluations.record import COLUMN_BY_KEY, COLUMNS
from patentpool.models import Patent
from reference.models import IndustryCode, SEIClass

# --------------------------------------------------------------------------------------------------------------------
# A small DOM (the standard library only), to look at what the page shows where


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes)
            and all(n.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def by_id(self, id_: str) -> Node:
        found = [n for n in self.iter() if n.attrs.get("id") == id_]
        assert len(found) == 1, f"{len(found)} elements with id {id_!r}"
        return found[0]

    def has_id(self, id_: str) -> bool:
        return any(n.attrs.get("id") == id_ for n in self.iter())

    @property
    def value(self) -> str:
        """What a form control submits: an input's value, a textarea's text, a select's selected option."""
        if self.tag == "textarea":
            return self.text
        if self.tag == "select":
            chosen = [o for o in self.find_all("option") if "selected" in o.attrs]
            return chosen[0].attrs["value"] if chosen else ""
        return self.attrs.get("value") or ""

    def errors(self) -> str:
        return " ".join(ul.text for ul in self.find_all("ul", cls="errorlist"))


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def dom(response) -> Node:
    builder = _Builder()
    builder.feed(response.content.decode())
    return builder.root


def options_json(page: Node) -> dict:
    return json.loads(page.by_id("assessment-options").text)


# --------------------------------------------------------------------------------------------------------------------
# Data


def url(patent) -> str:
    return f"/patents/{patent.pk}/assessment/"


def blank_row(kind: str, index: int) -> dict[str, str]:
    parts = ("level1", "level2", "custom", "value", "remark") if kind == "impl" else ("level1", "level2", "custom")
    return {f"{kind}-{index}-{part}": "" for part in parts}


def valid_data(**overrides) -> dict[str, str]:
    """Every field of the form, two implementation states and two intents, plus the blank third rows a page without
    JavaScript submits."""
    data = {
        "bundle_name": "锂电池隔膜组合",
        "bundle_numbers": f"{make_number(11)}，{make_number(12)}",
        "bundle_description": "隔膜制备与涂覆两件专利配套实施",
        "fiscally_funded": "是",
        "impl-0-level1": "licensed",
        "impl-0-level2": "ordinary_licence_signed",
        "impl-0-custom": "",
        "impl-0-value": "12.5",
        "impl-0-remark": "已备案",
        "impl-1-level1": "licensed",
        "impl-1-level2": "licensee_industrialized",
        "impl-1-custom": "",
        "impl-1-value": "高强度隔膜",
        "impl-1-remark": "",
        **blank_row("impl", 2),
        "intent-0-level1": "license",
        "intent-0-level2": "open_licence",
        "intent-0-custom": "",
        "intent-1-level1": "transfer",
        "intent-1-level2": "custom",
        "intent-1-custom": "先许可后转让",
        **blank_row("intent", 2),
        "fee_standard_wan": "20",
        "intended_cities": "江苏省-南京市,浙江省杭州市",
        "intended_enterprises": "甲电池有限公司，乙材料股份有限公司",
        "price_band": "10-20",
        "contact_name": "王老师",
        "contact_phone": "025-83790000",
        "maturity": "small_batch",
        "value_stars": "4",
        "products_advantages": "隔膜孔隙率提高 20%，耐热 180℃",
        "industry_section": "C",
        "prospect": "动力电池与储能市场",
        "sei_class": "3",
        "ipc_field": "H01M 50/40",
    }
    data.update(overrides)
    return data


ASSESSMENT_FIELDS = [
    "review_state",
    "convertible",
    "fee_standard_wan",
    "intended_cities",
    "intended_enterprises",
    "price_band",
    "contact_name",
    "contact_phone",
    "maturity",
    "value_stars",
    "products_advantages",
    "industry_id",
    "prospect",
    "sei_class_id",
    "ipc_field",
    "bundle_name",
    "bundle_numbers",
    "bundle_description",
    "assessed_by_id",
    "search_text",
]
IMPL_FIELDS = [
    "position",
    "level1",
    "level2",
    "custom_text",
    "amount_wan",
    "evaluation_result",
    "product_name",
    "remark",
]
INTENT_FIELDS = ["position", "level1", "level2", "custom_text"]


def snapshot(patent) -> dict:
    """Everything a self-assessment save may touch, for 'nothing changed' assertions."""
    return {
        "assessment": SelfAssessment.objects.filter(patent=patent).values(*ASSESSMENT_FIELDS).first(),
        "impl": list(
            ImplementationStatus.objects.filter(assessment__patent=patent).order_by("position").values(*IMPL_FIELDS)
        ),
        "intents": list(
            ConversionIntent.objects.filter(assessment__patent=patent).order_by("position").values(*INTENT_FIELDS)
        ),
        "events": ReviewEvent.objects.filter(assessment__patent=patent).count(),
        "assessment_history": SelfAssessment.history.filter(patent_id=patent.pk).count(),
        "impl_history": ImplementationStatus.history.count(),
        "intent_history": ConversionIntent.history.count(),
        "patent": Patent.objects.filter(pk=patent.pk).values("fiscally_funded", "import_fingerprint").get(),
        "patent_history": Patent.history.filter(id=patent.pk).count(),
    }


@pytest.fixture
def filled_b(client, world):
    """patent_b with a complete self-assessment saved through the form by its institution admin."""
    client.force_login(world.users["institution_admin"])
    response = client.post(url(world.patent_b), valid_data())
    assert response.status_code == 302, response.context and response.context["form"].problems
    return world.patent_b


# --------------------------------------------------------------------------------------------------------------------
# GET: prefilled from the database


@pytest.fixture
def patent_a_children(world):
    assessment = world.patent_a.assessment
    ImplementationStatus.objects.create(
        assessment=assessment,
        position=0,
        level1="licensed",
        level2="ordinary_licence_signed",
        amount_wan=Decimal("12.50"),
        remark="已备案",
    )
    ImplementationStatus.objects.create(
        assessment=assessment, position=1, level1="transferred", level2="custom", custom_text="部分权利转让给子公司"
    )
    ConversionIntent.objects.create(assessment=assessment, position=0, level1="transfer", level2="equity")
    ConversionIntent.objects.create(
        assessment=assessment, position=1, level1="license", level2="custom", custom_text="先试用后许可"
    )
    SelfAssessment.objects.filter(pk=assessment.pk).update(
        fee_standard_wan=Decimal("8.00"),
        intended_cities="江苏省-南京市",
        products_advantages="耐热隔膜",
        prospect="储能",
        bundle_name="组合A",
        bundle_numbers=f"{make_number(21)},{make_number(22)}",
        ipc_field="H01M",
        sei_class=SEIClass.objects.get(edition="2018", code="3"),
    )
    Patent.objects.filter(pk=world.patent_a.pk).update(fiscally_funded=True)


def test_get_prefills_every_field_and_row_from_the_database(client, world, patent_a_children):
    client.force_login(world.users["institution_admin"])
    response = client.get(url(world.patent_a))
    assert response.status_code == 200
    assert response.templates[0].name == "evaluations/assessment_form.html"
    page = dom(response)
    expected = {
        "bundle_name": "组合A",
        "bundle_numbers": f"{make_number(21)},{make_number(22)}",
        "bundle_description": "",
        "fiscally_funded": "是",
        "fee_standard_wan": "8.00",
        "intended_cities": "江苏省-南京市",
        "intended_enterprises": "",
        "price_band": "10-20",
        "contact_name": "王老师",
        "contact_phone": "13800000000",
        "maturity": "small_batch",
        "value_stars": "4",
        "products_advantages": "耐热隔膜",
        "industry_section": "C38",  # the world's C38, kept at its own level (issue #9; it was shown as its 门类)
        "prospect": "储能",
        "sei_class": "3",
        "ipc_field": "H01M",
    }
    assert {key: page.by_id(f"id_{key}").value for key in expected} == expected
    for key in expected:  # the COLUMNS key is the name
        assert page.by_id(f"id_{key}").attrs["name"] == key
    rows = {
        name: page.by_id(name).value
        for name in (
            "impl-0-level1",
            "impl-0-level2",
            "impl-0-custom",
            "impl-0-value",
            "impl-0-remark",
            "impl-1-level1",
            "impl-1-level2",
            "impl-1-custom",
            "impl-1-value",
            "impl-1-remark",
            "impl-2-level1",
            "intent-0-level1",
            "intent-0-level2",
            "intent-0-custom",
            "intent-1-level1",
            "intent-1-level2",
            "intent-1-custom",
            "intent-2-level1",
        )
    }
    assert rows == {
        "impl-0-level1": "licensed",
        "impl-0-level2": "ordinary_licence_signed",
        "impl-0-custom": "",
        "impl-0-value": "12.50",
        "impl-0-remark": "已备案",
        "impl-1-level1": "transferred",
        "impl-1-level2": "custom",
        "impl-1-custom": "部分权利转让给子公司",
        "impl-1-value": "",
        "impl-1-remark": "",
        "impl-2-level1": "",  # a spare row for pages without JavaScript
        "intent-0-level1": "transfer",
        "intent-0-level2": "equity",
        "intent-0-custom": "",
        "intent-1-level1": "license",
        "intent-1-level2": "custom",
        "intent-1-custom": "先试用后许可",
        "intent-2-level1": "",
    }
    assert not page.has_id("impl-3-level1")
    # The "自定义" of row 1 is marked under its own level 1 (已转让), not under every group that offers 自定义.
    chosen = [o for o in page.by_id("impl-1-level2").find_all("option") if "selected" in o.attrs]
    assert [(o.parent.attrs["data-level1"], o.attrs["value"]) for o in chosen] == [("transferred", "custom")]
    # What N holds follows the state.
    assert page.by_id("impl-0-value-label").text == "金额（万元）"
    # Buttons a browser test drives, the JS prototype rows, the script and the stylesheet.
    assert page.by_id("save-assessment").attrs["type"] == "submit"
    assert page.by_id("add-impl").attrs["type"] == page.by_id("add-intent").attrs["type"] == "button"
    assert page.has_id("impl-template") and page.has_id("intent-template")
    assert [s.attrs["src"] for s in page.find_all("script") if "src" in s.attrs] == [
        "/static/js/app.js",  # every page's shared behaviours
        "/static/js/assessment_form.js",
    ]
    assert "/static/css/assessment.css" in [link.attrs.get("href") for link in page.find_all("link")]


def test_labels_are_the_national_headers_in_column_order(client, world):
    client.force_login(world.users["institution_admin"])
    page = dom(client.get(url(world.patent_b)))
    form = page.by_id("assessment-form")
    single = [c for c in COLUMNS if c.key in assessment_forms.SINGLE_KEYS]
    assert [c.letter for c in single] == [
        "H",
        "I",
        "J",
        "K",
        "R",
        "S",
        "T",
        "U",
        "V",
        "W",
        "X",
        "Y",
        "Z",
        "AA",
        "AB",
        "AC",
        "AD",
    ]
    for column in single:
        label = form.find_all("label", for_=f"id_{column.key}")
        assert len(label) == 1
        assert column.header in label[0].text, column.key
        assert label[0].find_all("span", cls="col")[0].text == column.letter
    row_labels = {
        "impl-0-level1": "impl_level1",
        "impl-0-level2": "impl_level2",
        "impl-0-value": "impl_value",
        "impl-0-remark": "impl_remark",
        "intent-0-level1": "intent_level1",
        "intent-0-level2": "intent_level2",
    }
    for control, key in row_labels.items():
        (label,) = form.find_all("label", for_=control)
        assert COLUMN_BY_KEY[key].header in label.text
        assert label.find_all("span", cls="col")[0].text == COLUMN_BY_KEY[key].letter
    # The page follows the national column order: H … K, L–O, P–Q, R … AD.
    order = [n.attrs["id"] for n in form.iter() if n.attrs.get("id", "").startswith(("id_", "impl-0-l", "intent-0-l"))]
    assert order == [
        "id_bundle_name",
        "id_bundle_numbers",
        "id_bundle_description",
        "id_fiscally_funded",
        "impl-0-level1",
        "impl-0-level2",
        "intent-0-level1",
        "intent-0-level2",
        "id_fee_standard_wan",
        "id_intended_cities",
        "id_intended_enterprises",
        "id_price_band",
        "id_contact_name",
        "id_contact_phone",
        "id_maturity",
        "id_value_stars",
        "id_products_advantages",
        "id_industry_section",
        "id_prospect",
        "id_sei_class",
        "id_ipc_field",
    ]


def test_select_options_are_the_official_lists(client, world):
    client.force_login(world.users["institution_admin"])
    page = dom(client.get(url(world.patent_b)))

    def options(id_):
        return [(o.attrs["value"], o.text) for o in page.by_id(id_).find_all("option")]

    assert options("id_fiscally_funded") == [("", "请选择"), ("是", "是"), ("否", "否")]
    assert options("id_value_stars") == [
        ("", "请选择"),
        ("5", "五星"),
        ("4", "四星"),
        ("3", "三星"),
        ("2", "二星"),
        ("1", "一星"),
    ]
    assert options("id_maturity") == [
        ("", "请选择"),
        ("sample", "样品、实验阶段"),
        ("trial_production", "试生产、应用开发阶段"),
        ("small_batch", "小批量生产、工程应用阶段"),
        ("mass_production", "批量生产、成熟应用阶段"),
    ]
    price = options("id_price_band")
    assert price[:3] == [("", "请选择"), ("negotiable", "具体面议"), ("0-10", "0-10万")]
    assert price[-1] == ("100+", "100万以上") and len(price) == 13
    # patent_b's AA / AC are blank: the page suggests a class, an option after the official ones (below).
    sections = options("id_industry_section")
    assert len(sections) == 22 and sections[3] == ("C", "C 制造业") and sections[20] == ("T", "T 国际组织")
    assert page.by_id("id_industry_section").value == sections[21][0]
    assert options("id_sei_class")[:10] == [
        ("", "请选择"),
        ("1", "新一代信息技术产业"),
        ("2", "高端装备制造产业"),
        ("3", "新材料产业"),
        ("4", "生物产业"),
        ("5", "新能源汽车产业"),
        ("6", "新能源产业"),
        ("7", "节能环保产业"),
        ("8", "数字创意产业"),
        ("9", "相关服务业"),
    ]
    assert options("impl-0-level1") == [("", "请选择")] + [(m.value, str(m.label)) for m in ImplementationLevel1]
    assert options("intent-0-level1") == [
        ("", "请选择"),
        ("license", "拟许可"),
        ("transfer", "拟转让"),
        ("self_apply", "拟自行应用或产业化"),
    ]
    # Without JavaScript every level-2 list is there, grouped by its level 1.
    groups = page.by_id("impl-0-level2").find_all("optgroup")
    assert [(g.attrs["data-level1"], g.attrs["label"]) for g in groups] == [
        ("licensed", "已许可"),
        ("transferred", "已转让"),
        ("self_industrialized", "已自行产业化"),
        ("to_abandon", "即将放弃专利权"),
        ("ownership_dispute", "涉及权属纠纷"),
        ("unsuitable", "其他不适宜转化的情况"),
    ]
    assert [o.attrs["value"] for o in groups[1].find_all("option")] == [
        "transfer_signed",
        "equity",
        "transfer_planned",
        "custom",
    ]


def test_a_legacy_maturity_stays_selected(client, world):
    SelfAssessment.objects.filter(patent=world.patent_a).update(maturity=Maturity.LEGACY_PILOT_TESTED)
    client.force_login(world.users["institution_admin"])
    select = dom(client.get(url(world.patent_a))).by_id("id_maturity")
    assert select.value == "legacy_pilot_tested"
    assert [o.text for o in select.find_all("option")][-1] == "通过中试（旧选项）"
    assert len(select.find_all("option")) == 6


def test_page_embeds_the_dependent_lists_as_json(client, world):
    client.force_login(world.users["institution_admin"])
    data = options_json(dom(client.get(url(world.patent_b))))
    assert data["impl"] == {
        l1.value: [{"value": l2.value, "label": str(l2.label)} for l2 in l2s]
        for l1, l2s in IMPLEMENTATION_LEVEL2_BY_LEVEL1.items()
    }
    assert data["intent"] == {
        l1.value: [{"value": l2.value, "label": str(l2.label)} for l2 in l2s]
        for l1, l2s in INTENT_LEVEL2_BY_LEVEL1.items()
    }
    assert data["impl"]["transferred"] == [
        {"value": "transfer_signed", "label": "已签订转让合同"},
        {"value": "equity", "label": "已作价入股"},
        {"value": "transfer_planned", "label": "已列入转让计划"},
        {"value": "custom", "label": "自定义"},
    ]
    assert data["impl"]["not_implemented"] == []
    assert data["custom"] == "custom"
    assert data["skipStates"] == ["ownership_dispute", "to_abandon", "unsuitable"]
    assert data["amountStates"] == ["licensed", "self_industrialized", "transferred"]
    assert data["productNameStates"] == ["licensee_industrialized", "partner_industrialized"]
    # The required marks come from the validator: Z and AB from three stars on, and P onwards not under a skip state.
    normal = [
        "contact_name",
        "contact_phone",
        "fiscally_funded",
        "impl_level1",
        "intent_level1",
        "maturity",
        "price_band",
        "value_stars",
    ]
    assert (
        data["required"]["normal"]["2"] == data["required"]["normal"]["1"] == data["required"]["normal"][""] == normal
    )
    assert data["required"]["normal"]["3"] == sorted(normal + ["products_advantages", "prospect"])
    assert data["required"]["normal"]["5"] == data["required"]["normal"]["3"]
    assert data["required"]["skip"] == {s: ["fiscally_funded", "impl_level1"] for s in ("", "1", "2", "3", "4", "5")}
    assert data["conditional"] == sorted(
        set(normal + ["products_advantages", "prospect"]) - {"fiscally_funded", "impl_level1"}
    )


def test_english_ui_shows_translated_labels_and_saves_the_same_codes(client, world):
    client.force_login(world.users["institution_admin"])
    page = dom(client.get(url(world.patent_b), HTTP_ACCEPT_LANGUAGE="en"))
    assert ("licensed", "Licensed") in [
        (o.attrs["value"], o.text) for o in page.by_id("impl-0-level1").find_all("option")
    ]
    assert options_json(page)["impl"]["licensed"][0]["value"] == "open_licence_signed"
    response = client.post(url(world.patent_b), valid_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert list(
        ImplementationStatus.objects.filter(assessment__patent=world.patent_b).values_list("level1", "level2")
    ) == [
        ("licensed", "ordinary_licence_signed"),
        ("licensed", "licensee_industrialized"),
    ]


# --------------------------------------------------------------------------------------------------------------------
# POST: a valid self-assessment


def test_valid_post_saves_every_field_and_row(client, world):
    patent, user = world.patent_b, world.users["institution_admin"]
    client.force_login(user)
    assert not SelfAssessment.objects.filter(patent=patent).exists()
    response = client.post(url(patent), valid_data())
    assert response.status_code == 302
    assert response.url == f"/patents/{patent.pk}/"

    assessment = SelfAssessment.objects.get(patent=patent)
    values = SelfAssessment.objects.filter(pk=assessment.pk).values(*ASSESSMENT_FIELDS).get()
    values.pop("search_text")
    assert values == {
        "review_state": "draft",
        "convertible": True,
        "fee_standard_wan": Decimal("20.00"),
        "intended_cities": "江苏省-南京市,浙江省-杭州市",
        "intended_enterprises": "甲电池有限公司,乙材料股份有限公司",
        "price_band": "10-20",
        "contact_name": "王老师",
        "contact_phone": "025-83790000",
        "maturity": "small_batch",
        "value_stars": 4,
        "products_advantages": "隔膜孔隙率提高 20%，耐热 180℃",
        "industry_id": IndustryCode.objects.get(level="section", code="C").pk,
        "prospect": "动力电池与储能市场",
        "sei_class_id": SEIClass.objects.get(edition="2018", code="3").pk,
        "ipc_field": "H01M 50/40",
        "bundle_name": "锂电池隔膜组合",
        "bundle_numbers": f"{make_number(11)},{make_number(12)}",
        "bundle_description": "隔膜制备与涂覆两件专利配套实施",
        "assessed_by_id": user.pk,
    }
    assert list(assessment.implementation_states.order_by("position").values(*IMPL_FIELDS)) == [
        {
            "position": 0,
            "level1": "licensed",
            "level2": "ordinary_licence_signed",
            "custom_text": "",
            "amount_wan": Decimal("12.50"),
            "evaluation_result": "",
            "product_name": "",
            "remark": "已备案",
        },
        {
            "position": 1,
            "level1": "licensed",
            "level2": "licensee_industrialized",
            "custom_text": "",
            "amount_wan": None,
            "evaluation_result": "",
            "product_name": "高强度隔膜",
            "remark": "",
        },
    ]
    assert list(assessment.intents.order_by("position").values(*INTENT_FIELDS)) == [
        {"position": 0, "level1": "license", "level2": "open_licence", "custom_text": ""},
        {"position": 1, "level1": "transfer", "level2": "custom", "custom_text": "先许可后转让"},
    ]
    patent.refresh_from_db()
    assert patent.fiscally_funded is True
    events = list(ReviewEvent.objects.filter(assessment=assessment).values("action", "from_state", "to_state", "actor"))
    assert events == [{"action": "fill", "from_state": "draft", "to_state": "draft", "actor": user.pk}]
    history = list(assessment.history.values_list("history_type", "history_change_reason", "history_user_id"))
    assert history == [("+", "self-assessment", user.pk)]
    assert list(patent.history.order_by("history_date").values_list("history_type", "fiscally_funded"))[-1] == (
        "~",
        True,
    )
    assert ImplementationStatus.history.filter(assessment_id=assessment.pk).count() == 2
    assert ConversionIntent.history.filter(assessment_id=assessment.pk).count() == 2

    detail = client.get(response.url)
    assert [str(m) for m in detail.context["messages"]] == ["自评已保存"]


def test_saving_again_replaces_the_rows_and_keeps_a_history(client, world, filled_b):
    before = snapshot(filled_b)
    data = valid_data(
        **{
            "impl-0-level1": "custom",
            "impl-0-level2": "",
            "impl-0-custom": "已完成技术验证",
            "impl-0-value": "",
            "impl-0-remark": "",
            **blank_row("impl", 1),
            "intent-1-level1": "self_apply",
            "intent-1-level2": "custom",
            "intent-1-custom": "校办企业应用",
            "fee_standard_wan": "",
            "value_stars": "5",
        }
    )
    assert client.post(url(filled_b), data).status_code == 302
    after = snapshot(filled_b)
    assert after["impl"] == [
        {
            "position": 0,
            "level1": "custom",
            "level2": "",
            "custom_text": "已完成技术验证",
            "amount_wan": None,
            "evaluation_result": "",
            "product_name": "",
            "remark": "",
        }
    ]
    assert after["intents"] == [
        {"position": 0, "level1": "license", "level2": "open_licence", "custom_text": ""},
        {"position": 1, "level1": "self_apply", "level2": "custom", "custom_text": "校办企业应用"},
    ]
    assert after["assessment"]["fee_standard_wan"] is None
    assert after["assessment"]["value_stars"] == 5
    assert after["events"] == before["events"] + 1
    assert after["assessment_history"] == before["assessment_history"] + 1
    # Two rows deleted and one created; two intents deleted and two created.
    assert after["impl_history"] == before["impl_history"] + 3
    assert after["intent_history"] == before["intent_history"] + 4


def test_rows_are_read_in_index_order_and_blank_rows_are_ignored(client, world):
    """Without JavaScript blank rows are submitted; with it, removed rows leave gaps in the indices."""
    client.force_login(world.users["institution_admin"])
    data = valid_data(
        **{f"impl-{i}-{p}": "" for i in (0, 1, 2) for p in ("level1", "level2", "custom", "value", "remark")}
    )
    data.update(
        {
            "impl-7-level1": "transferred",
            "impl-7-level2": "equity",
            "impl-7-value": "100",
            "impl-12-level1": "not_implemented",
            **blank_row("impl", 9),
        }
    )
    assert client.post(url(world.patent_b), data).status_code == 302
    rows = ImplementationStatus.objects.filter(assessment__patent=world.patent_b).order_by("position")
    assert list(rows.values_list("position", "level1", "level2", "amount_wan")) == [
        (0, "transferred", "equity", Decimal("100.00")),
        (1, "not_implemented", "", None),
    ]


# --------------------------------------------------------------------------------------------------------------------
# POST: every rule of the shared validator, at its field or row, and nothing changes

LONG = "字" * 501
ELEVEN = "，".join(f"企业{i}有限公司" for i in range(11))
TEN_NUMBERS = ",".join(make_number(100 + i) for i in range(10))
NO_IMPL = {f"impl-{i}-{p}": "" for i in (0, 1) for p in ("level1", "level2", "custom", "value", "remark")}
NO_INTENT = {f"intent-{i}-{p}": "" for i in (0, 1) for p in ("level1", "level2", "custom")}

# (overrides, [(where, key, code)]): where is a single field's key, ("impl"|"intent", row, input) or "impl-rows" /
# "intent-rows" for a problem of the list as a whole.
RULES = [
    pytest.param({"fiscally_funded": ""}, [("fiscally_funded", "fiscally_funded", "required")], id="K-required"),
    pytest.param(
        {"fiscally_funded": "也许"}, [("fiscally_funded", "fiscally_funded", "invalid_choice")], id="K-invalid"
    ),
    pytest.param(NO_IMPL, [("impl-rows", "impl_level1", "required")], id="L-required"),
    pytest.param(
        {"impl-1-level1": "transferred", "impl-1-level2": "open_licence_signed", "impl-1-value": "5"},
        [(("impl", 1, "level2"), "impl_level2", "mismatch")],
        id="M-not-of-L",
    ),
    pytest.param(
        {"impl-1-level1": "not_implemented", "impl-1-level2": "transfer_signed", "impl-1-value": ""},
        [(("impl", 1, "level2"), "impl_level2", "not_expected")],
        id="M-for-L-without-level2",
    ),
    pytest.param(
        {"impl-1-level1": "custom", "impl-1-level2": "", "impl-1-value": ""},
        [(("impl", 1, "custom"), "impl_level1", "custom_text_required")],
        id="L-custom-without-text",
    ),
    pytest.param(
        {"impl-1-level1": "transferred", "impl-1-level2": "custom", "impl-1-value": "8"},
        [(("impl", 1, "custom"), "impl_level2", "custom_text_required")],
        id="M-custom-without-text",
    ),
    pytest.param(
        {"impl-1-level1": "transferred", "impl-1-level2": "custom", "impl-1-custom": "转" * 256, "impl-1-value": "8"},
        [(("impl", 1, "custom"), "impl_level2", "too_long")],
        id="M-custom-too-long",
    ),
    pytest.param(
        {"impl-1-level1": "evaluation_report", "impl-1-level2": "", "impl-1-value": "全部有效"},
        [(("impl", 1, "level1"), "impl_level1", "not_applicable")],
        id="L-evaluation-report-on-invention",
    ),
    pytest.param(
        {"impl-1-level1": "", "impl-1-level2": "", "impl-1-value": "", "impl-1-remark": "只有备注"},
        [(("impl", 1, "level1"), "impl_level1", "required")],
        id="L-row-without-state",
    ),
    pytest.param({"impl-0-value": ""}, [(("impl", 0, "value"), "impl_value", "required")], id="N-amount-required"),
    pytest.param({"impl-0-value": "很多"}, [(("impl", 0, "value"), "impl_value", "not_a_number")], id="N-not-a-number"),
    pytest.param(
        {"impl-0-value": "12.345"}, [(("impl", 0, "value"), "impl_value", "too_precise")], id="N-three-decimals"
    ),
    pytest.param({"impl-0-value": "-3"}, [(("impl", 0, "value"), "impl_value", "out_of_range")], id="N-negative"),
    pytest.param({"impl-1-value": ""}, [(("impl", 1, "value"), "impl_value", "required")], id="N-product-required"),
    pytest.param(
        {"impl-1-level1": "not_implemented", "impl-1-level2": "", "impl-1-value": "5"},
        [(("impl", 1, "value"), "impl_value", "not_expected")],
        id="N-not-expected",
    ),
    pytest.param({"impl-0-remark": "注" * 501}, [(("impl", 0, "remark"), "impl_remark", "too_long")], id="O-too-long"),
    pytest.param(NO_INTENT, [("intent-rows", "intent_level1", "required")], id="P-required"),
    pytest.param(
        {"intent-1-level2": "open_licence"}, [(("intent", 1, "level2"), "intent_level2", "mismatch")], id="Q-not-of-P"
    ),
    pytest.param(
        {"intent-1-custom": ""},
        [(("intent", 1, "custom"), "intent_level2", "custom_text_required")],
        id="Q-custom-without-text",
    ),
    pytest.param(
        {"intent-1-level1": ""}, [(("intent", 1, "level1"), "intent_level1", "required")], id="P-row-without-level1"
    ),
    pytest.param({"fee_standard_wan": "abc"}, [("fee_standard_wan", "fee_standard_wan", "not_a_number")], id="R-text"),
    pytest.param(
        {"fee_standard_wan": "-1"}, [("fee_standard_wan", "fee_standard_wan", "out_of_range")], id="R-negative"
    ),
    pytest.param(
        {"fee_standard_wan": "1.234"}, [("fee_standard_wan", "fee_standard_wan", "too_precise")], id="R-decimals"
    ),
    pytest.param(
        {"intended_cities": "南京市"}, [("intended_cities", "intended_cities", "invalid_format")], id="S-format"
    ),
    pytest.param(
        {"intended_enterprises": ELEVEN}, [("intended_enterprises", "intended_enterprises", "too_many")], id="T-11"
    ),
    pytest.param({"price_band": ""}, [("price_band", "price_band", "required")], id="U-required"),
    pytest.param({"price_band": "999"}, [("price_band", "price_band", "invalid_choice")], id="U-not-an-option"),
    pytest.param({"contact_name": "无"}, [("contact_name", "contact_name", "required")], id="V-placeholder"),
    pytest.param({"contact_name": "王" * 65}, [("contact_name", "contact_name", "too_long")], id="V-too-long"),
    pytest.param({"contact_phone": ""}, [("contact_phone", "contact_phone", "required")], id="W-required"),
    pytest.param(
        {"contact_phone": "请找王老师"}, [("contact_phone", "contact_phone", "invalid_contact")], id="W-no-number"
    ),
    pytest.param({"maturity": ""}, [("maturity", "maturity", "required")], id="X-required"),
    pytest.param({"value_stars": ""}, [("value_stars", "value_stars", "required")], id="Y-required"),
    pytest.param(
        {"value_stars": "3", "products_advantages": "", "prospect": ""},
        [("products_advantages", "products_advantages", "required"), ("prospect", "prospect", "required")],
        id="Z-AB-required-from-three-stars",
    ),
    pytest.param(
        {"products_advantages": LONG}, [("products_advantages", "products_advantages", "too_long")], id="Z-long"
    ),
    pytest.param(
        {"industry_section": "Z"}, [("industry_section", "industry_section", "invalid_choice")], id="AA-invalid"
    ),
    pytest.param({"prospect": LONG}, [("prospect", "prospect", "too_long")], id="AB-too-long"),
    pytest.param({"sei_class": "99"}, [("sei_class", "sei_class", "invalid_choice")], id="AC-invalid"),
    pytest.param({"ipc_field": "H" * 256}, [("ipc_field", "ipc_field", "too_long")], id="AD-too-long"),
    pytest.param({"bundle_name": "组" * 51}, [("bundle_name", "bundle_name", "too_long")], id="H-too-long"),
    pytest.param({"bundle_name": ""}, [("bundle_name", "bundle_name", "required")], id="H-required-with-I"),
    pytest.param({"bundle_numbers": ""}, [("bundle_numbers", "bundle_numbers", "required")], id="I-required-with-H"),
    pytest.param({"bundle_numbers": "123"}, [("bundle_numbers", "bundle_numbers", "bad_length")], id="I-invalid"),
    pytest.param({"bundle_numbers": TEN_NUMBERS}, [("bundle_numbers", "bundle_numbers", "too_many")], id="I-ten"),
    pytest.param({"bundle_description": LONG}, [("bundle_description", "bundle_description", "too_long")], id="J-long"),
    pytest.param(
        {
            "fiscally_funded": "",
            "impl-0-value": "x",
            "intent-1-level2": "open_licence",
            "contact_phone": "",
            "sei_class": "99",
        },
        [
            ("fiscally_funded", "fiscally_funded", "required"),
            (("impl", 0, "value"), "impl_value", "not_a_number"),
            (("intent", 1, "level2"), "intent_level2", "mismatch"),
            ("contact_phone", "contact_phone", "required"),
            ("sei_class", "sei_class", "invalid_choice"),
        ],
        id="several-at-once",
    ),
]


def _container(page: Node, where) -> Node:
    if isinstance(where, tuple):
        kind, index, part = where
        (cell,) = page.by_id(f"{kind}-{index}").find_all("div", cls="cell", data_field=part)
        return cell
    if where in ("impl-rows", "intent-rows"):
        return page.by_id(where)
    return page.by_id(f"field-{where}")


@pytest.mark.parametrize(("overrides", "expected"), RULES)
def test_each_rule_is_shown_at_its_field_and_changes_nothing(client, world, filled_b, overrides, expected):
    before = snapshot(filled_b)
    data = valid_data(**overrides)
    response = client.post(url(filled_b), data)
    assert response.status_code == 200
    problems = response.context["form"].problems
    assert sorted((p.key, p.code) for p in problems) == sorted((key, code) for _where, key, code in expected)
    page = dom(response)
    for where, key, code in expected:
        (problem,) = [p for p in problems if (p.key, p.code) == (key, code)]
        shown = _container(page, where).errors()
        assert problem.message in shown and problem.message_en in shown, (where, shown)
        # … and in the list above the form, linked to the input.
        summary = page.by_id("assessment-problems")
        (item,) = [li for li in summary.find_all("li") if problem.message in li.text]
        assert problem.message_en in item.text
        link = item.find_all("a")[0].attrs["href"]
        anchor = (
            f"#{where[0]}-{where[1]}-{where[2]}"
            if isinstance(where, tuple)
            else f"#{where if '-' in where else 'id_' + where}"
        )
        assert link == anchor
    # Only the fields at fault show errors.
    faulty = {where for where, _key, _code in expected}
    for key in assessment_forms.SINGLE_KEYS:
        if key not in faulty:
            assert page.by_id(f"field-{key}").errors() == "", key
    # What was typed is shown again, not what the database holds.
    for name, value in overrides.items():
        control = page.by_id(name if name.startswith(("impl-", "intent-")) else f"id_{name}")
        assert control.value == value, name
    assert snapshot(filled_b) == before


def test_row_errors_follow_the_row_when_blank_rows_sit_between(client, world, filled_b):
    before = snapshot(filled_b)
    data = valid_data(**blank_row("impl", 1))
    data.update({"impl-5-level1": "transferred", "impl-5-level2": "open_licence_signed", "impl-5-value": "3"})
    page = dom(client.post(url(filled_b), data))
    # Shown as the second row (the blank one is dropped); the row keeps what was typed, the wrong option selected.
    assert page.by_id("impl-1-level1").value == "transferred"
    assert page.by_id("impl-1-level2").value == "open_licence_signed"
    assert "不属于一级实施状态“已转让”" in _container(page, ("impl", 1, "level2")).errors()
    assert _container(page, ("impl", 0, "level2")).errors() == ""
    assert "has-errors" in page.by_id("impl-1").classes
    assert not page.has_id("impl-5")
    assert page.by_id("impl-2-level1").value == ""  # a spare row again
    assert snapshot(filled_b) == before


def test_a_custom_state_shows_its_text_again(client, world, filled_b):
    data = valid_data(
        **{"impl-1-level1": "custom", "impl-1-level2": "", "impl-1-custom": "中试", "impl-1-value": "很多"}
    )
    page = dom(client.post(url(filled_b), data))
    assert page.by_id("impl-1-level1").value == "custom"
    assert page.by_id("impl-1-custom").value == "中试"
    assert page.by_id("impl-1-value").value == "很多"
    assert page.by_id("impl-1-value-label").text == "金额（万元，选填）"


# --------------------------------------------------------------------------------------------------------------------
# The optional parts: one or two stars, and the skip states


@pytest.mark.parametrize("stars", ["1", "2"])
def test_one_or_two_stars_leave_products_and_prospect_optional(client, world, stars):
    client.force_login(world.users["institution_admin"])
    response = client.post(url(world.patent_b), valid_data(value_stars=stars, products_advantages="", prospect=""))
    assert response.status_code == 302
    saved = SelfAssessment.objects.filter(patent=world.patent_b).values(
        "value_stars", "products_advantages", "prospect"
    )
    assert saved.get() == {"value_stars": int(stars), "products_advantages": "", "prospect": ""}
    page = dom(client.get(url(world.patent_b)))
    for key in ("products_advantages", "prospect"):
        assert "is-optional" in page.by_id(f"field-{key}").classes
        assert "is-required" not in page.by_id(f"field-{key}").classes
    assert "is-required" in page.by_id("field-value_stars").classes


def test_three_stars_mark_products_and_prospect_required(client, world, filled_b):
    page = dom(client.get(url(filled_b)))  # four stars
    for key in ("products_advantages", "prospect", "price_band", "contact_name", "maturity"):
        assert "is-required" in page.by_id(f"field-{key}").classes, key
    assert "is-required" in page.by_id("intent-rows").classes
    assert "relaxed" not in page.by_id("after-p").classes


@pytest.mark.parametrize("state", ["to_abandon", "ownership_dispute", "unsuitable"])
def test_a_skip_state_leaves_intents_and_p_onwards_optional(client, world, state):
    client.force_login(world.users["institution_admin"])
    data = valid_data(
        **NO_INTENT,
        **{"impl-1-level1": state, "impl-1-level2": "custom", "impl-1-custom": "维持费用过高", "impl-1-value": ""},
        price_band="",
        contact_name="",
        contact_phone="",
        maturity="",
        value_stars="",
        products_advantages="",
        prospect="",
        fee_standard_wan="",
        intended_cities="",
    )
    response = client.post(url(world.patent_b), data)
    assert response.status_code == 302
    assessment = SelfAssessment.objects.get(patent=world.patent_b)
    assert assessment.convertible is False
    assert assessment.intents.count() == 0
    assert (assessment.price_band, assessment.contact_name, assessment.maturity, assessment.value_stars) == (
        "",
        "",
        "",
        None,
    )
    # What is still filled is saved.
    assert assessment.intended_enterprises == "甲电池有限公司,乙材料股份有限公司"
    assert assessment.industry.code == "C"
    assert list(assessment.implementation_states.values_list("level1", "level2", "custom_text")) == [
        ("licensed", "ordinary_licence_signed", ""),
        (state, "custom", "维持费用过高"),
    ]
    page = dom(client.get(url(world.patent_b)))
    assert "relaxed" in page.by_id("after-p").classes
    assert "skip-active" in page.by_id("assessment-form").classes
    assert "is-optional" in page.by_id("intent-rows").classes
    for key in ("price_band", "contact_name", "contact_phone", "maturity", "value_stars"):
        assert "is-optional" in page.by_id(f"field-{key}").classes, key
    assert "is-required" in page.by_id("field-fiscally_funded").classes


def test_under_a_skip_state_what_is_filled_is_still_validated(client, world, filled_b):
    before = snapshot(filled_b)
    data = valid_data(**NO_INTENT, **{"impl-1-level1": "to_abandon", "impl-1-level2": "", "impl-1-value": ""})
    data.update(fee_standard_wan="abc", intended_cities="南京")
    data.update({"intent-0-level1": "transfer", "intent-0-level2": "open_licence"})
    response = client.post(url(filled_b), data)
    assert sorted((p.key, p.code) for p in response.context["form"].problems) == [
        ("fee_standard_wan", "not_a_number"),
        ("intended_cities", "invalid_format"),
        ("intent_level2", "mismatch"),
    ]
    assert snapshot(filled_b) == before


# --------------------------------------------------------------------------------------------------------------------
# Access

# GET status by role, for patent_a (uni, college A, the inventor's own) / patent_b (uni, college B) / patent_far (P2).
ACCESS = {
    "national_admin": (200, 200, 200),
    "institution_admin": (200, 200, 404),
    "college_admin": (200, 404, 404),
    "inventor": (200, 404, 404),
    "enterprise": (404, 404, 404),
    "expert": (404, 404, 404),
    "provincial_bureau": (403, 403, 404),  # reads its province, edits nothing
    "ministry": (403, 403, 403),  # reads the MOE universities, edits nothing
}


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, world, role):
    set_state(world.patent_a, ReviewState.DRAFT)
    client.force_login(world.users[role])
    patents = (world.patent_a, world.patent_b, world.patent_far)
    assert tuple(client.get(url(p)).status_code for p in patents) == ACCESS[role]


@pytest.mark.parametrize("role", ROLES)
def test_refused_posts_change_nothing(client, world, role):
    set_state(world.patent_a, ReviewState.DRAFT)
    client.force_login(world.users[role])
    for patent, status in zip((world.patent_a, world.patent_b, world.patent_far), ACCESS[role], strict=True):
        before = snapshot(patent)
        response = client.post(url(patent), valid_data())
        if status == 200:
            assert response.status_code == 302
            assert snapshot(patent)["events"] == before["events"] + 1
        else:
            assert response.status_code == status
            assert snapshot(patent) == before


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(url(world.patent_a))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    before = snapshot(world.patent_a)
    assert client.post(url(world.patent_a), valid_data()).status_code == 302
    assert snapshot(world.patent_a) == before


def test_unknown_patent_is_404(client, world):
    client.force_login(world.users["national_admin"])
    assert client.get("/patents/999999/assessment/").status_code == 404


@pytest.mark.parametrize("state", [ReviewState.DRAFT, ReviewState.RETURNED])
def test_inventor_fills_own_draft_or_returned_assessment(client, world, state):
    set_state(world.patent_a, state)
    inventor = world.users["inventor"]
    client.force_login(inventor)
    page = dom(client.get(url(world.patent_a)))
    assert not page.has_id("assessment-locked")
    assert page.has_id("save-assessment")
    response = client.post(url(world.patent_a), valid_data())
    assert response.status_code == 302
    assessment = SelfAssessment.objects.get(patent=world.patent_a)
    assert assessment.review_state == ReviewState.DRAFT
    assert assessment.assessed_by == inventor
    event = ReviewEvent.objects.filter(assessment=assessment).get()
    assert (event.action, event.from_state, event.to_state, event.actor) == ("fill", state, "draft", inventor)


@pytest.mark.parametrize("state", [ReviewState.SUBMITTED, ReviewState.COLLEGE_APPROVED, ReviewState.APPROVED])
def test_inventor_is_blocked_once_submitted(client, world, state):
    set_state(world.patent_a, state)
    client.force_login(world.users["inventor"])
    # The page still shows the assessment, read-only, and says why.
    response = client.get(url(world.patent_a))
    assert response.status_code == 200
    page = dom(response)
    assert "该自评已提交审核，发明人不能再修改" in page.by_id("assessment-locked").text
    assert not page.has_id("save-assessment")
    assert "disabled" in page.by_id("assessment-form").find_all("fieldset")[0].attrs
    before = snapshot(world.patent_a)
    assert client.post(url(world.patent_a), valid_data()).status_code == 403
    assert client.post(url(world.patent_a), valid_data(fiscally_funded="")).status_code == 403
    assert snapshot(world.patent_a) == before


def test_the_save_service_refusal_is_a_403_and_changes_nothing(client, world, monkeypatch):
    """If the state changes between the page's check and the save, assessment_save's PermissionDenied is a 403."""
    from evaluations import views

    set_state(world.patent_a, ReviewState.SUBMITTED)
    monkeypatch.setattr(views, "_locked_for", lambda user, state: False)
    client.force_login(world.users["inventor"])
    before = snapshot(world.patent_a)
    assert client.post(url(world.patent_a), valid_data()).status_code == 403
    assert snapshot(world.patent_a) == before


def test_admins_may_edit_whatever_the_state(client, world):
    """The college admin edits an approved record, which goes back to college approval (the service's rule)."""
    client.force_login(world.users["college_admin"])
    assert client.post(url(world.patent_a), valid_data()).status_code == 302
    assert SelfAssessment.objects.get(patent=world.patent_a).review_state == ReviewState.COLLEGE_APPROVED


# --------------------------------------------------------------------------------------------------------------------
# The form module itself


def test_the_page_sections_cover_every_field_once():
    form = assessment_forms.AssessmentForm({}, [], [])
    keys = [f.key for block in form.blocks() for f in block.get("fields", [])]
    assert sorted(keys) == sorted(assessment_forms.SINGLE_KEYS)
    assert len(keys) == len(set(keys))
    for key, label in assessment_forms.LABELS.items():
        assert str(label) == COLUMN_BY_KEY[key].header


@pytest.mark.parametrize(
    ("level1", "level2", "kind"),
    [
        ("", "", "any"),
        ("licensed", "ordinary_licence_signed", "amount"),
        ("licensed", "partner_industrialized", "product"),
        ("transferred", "", "amount"),
        ("self_industrialized", "custom", "amount"),
        ("evaluation_report", "", "result"),
        ("custom", "", "amount_optional"),
        ("not_implemented", "", "none"),
        ("to_abandon", "custom", "none"),
    ],
)
def test_what_column_n_holds_matches_the_reader(level1, level2, kind):
    """The page's label for N agrees with where implementation_from_cells puts the value."""
    from evaluations import validation as v

    assert assessment_forms.n_kind(level1, level2) == kind
    if not level1:
        return
    labels = v.LABELS
    l_cell = labels["impl_level1"][level1] if level1 != "custom" else "自定义：中试"
    m_cell = labels["impl_level2"][level2] if level2 and level2 != "custom" else ("自定义：文字" if level2 else "")
    entry, problems = v.implementation_from_cells(l_cell, m_cell, "12")
    where = {
        "amount": entry and entry.amount_wan,
        "amount_optional": entry and entry.amount_wan,
        "product": entry and entry.product_name,
        "result": entry and entry.evaluation_result,
    }
    if kind == "none":
        assert [p.code for p in problems] == ["not_expected"]
    else:
        assert problems == [] and where[kind] in (Decimal("12"), "12")


# --------------------------------------------------------------------------------------------------------------------
# In a real browser: the script


@pytest.mark.browser
def test_browser_dependent_lists_rows_and_marks(browser, live_server, live_world):
    page = sign_in(browser, live_server, "institution_admin", "pw-institution_admin")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}{url(live_world.patent_b)}")

    # With the script, only one (blank) row of each kind; "add" makes the next.
    assert page.locator(".entry-rows[data-kind=impl] .entry-row").count() == 1
    assert page.locator(".entry-rows[data-kind=intent] .entry-row").count() == 1
    assert page.is_disabled("#impl-0-level2")

    def level2_values(selector):
        return page.eval_on_selector_all(f"{selector} option", "els => els.map(e => e.value)")

    page.select_option("#impl-0-level1", "transferred")
    assert level2_values("#impl-0-level2") == ["", "transfer_signed", "equity", "transfer_planned", "custom"]
    assert page.text_content("#impl-0-value-label") == "金额（万元）"
    assert not page.is_visible("#impl-0-custom")
    page.select_option("#impl-0-level2", "custom")
    assert page.is_visible("#impl-0-custom")
    page.fill("#impl-0-custom", "部分转让")
    page.fill("#impl-0-value", "30")

    page.click("#add-impl")
    page.select_option("#impl-1-level1", "licensed")
    assert level2_values("#impl-1-level2")[1:] == [
        m.value for m in IMPLEMENTATION_LEVEL2_BY_LEVEL1[ImplementationLevel1.LICENSED]
    ]
    page.select_option("#impl-1-level2", ImplementationLevel2.PARTNER_INDUSTRIALIZED.value)
    assert page.text_content("#impl-1-value-label") == "产品名称"
    page.fill("#impl-1-value", "固态电池")

    page.select_option("#intent-0-level1", "self_apply")
    assert level2_values("#intent-0-level2") == ["", IntentLevel2.CUSTOM.value]
    page.select_option("#intent-0-level1", IntentLevel1.LICENSE.value)
    page.select_option("#intent-0-level2", "sole_licence")
    assert not page.is_visible("#intent-0-custom")

    # Stars: one or two make Z and AB optional, three or more required.
    page.select_option("#id_value_stars", "2")
    assert "is-optional" in page.get_attribute("#field-products_advantages", "class")
    page.select_option("#id_value_stars", "3")
    assert "is-required" in page.get_attribute("#field-products_advantages", "class")

    # A skip state greys out P onwards and marks it optional, without disabling anything.
    page.click("#add-impl")
    page.select_option("#impl-2-level1", "unsuitable")
    assert "relaxed" in page.get_attribute("#after-p", "class")
    assert "is-optional" in page.get_attribute("#field-price_band", "class")
    assert "is-optional" in page.get_attribute("#intent-rows", "class")
    assert page.is_enabled("#id_price_band")
    page.click("#impl-2 .remove-row")
    assert page.locator(".entry-rows[data-kind=impl] .entry-row").count() == 2
    assert "relaxed" not in page.get_attribute("#after-p", "class")
    assert "is-required" in page.get_attribute("#field-price_band", "class")

    page.fill("#id_products_advantages", "字" * 501)
    assert page.text_content(".counter[data-for=id_products_advantages]") == "501 / 500"

    # Submit: the server reports the over-long text and what is missing, at their fields.
    page.click("#save-assessment")
    page.wait_for_load_state()
    assert "本专利对应产品、技术优势、性能指标" in page.text_content("#field-products_advantages .errorlist")
    assert page.input_value("#impl-0-custom") == "部分转让"
    assert page.is_visible("#impl-0-custom")

    page.select_option("#id_fiscally_funded", "否")
    page.fill("#id_products_advantages", "固态电解质")
    page.fill("#id_prospect", "储能")
    page.select_option("#id_price_band", "negotiable")
    page.fill("#id_contact_name", "李老师")
    page.fill("#id_contact_phone", "13900000000")
    page.select_option("#id_maturity", "sample")
    page.select_option("#id_industry_section", "C")
    page.click("#save-assessment")
    page.wait_for_url(f"**/patents/{live_world.patent_b.pk}/")
    assessment = SelfAssessment.objects.get(patent=live_world.patent_b)
    assert list(
        assessment.implementation_states.values_list("level1", "level2", "custom_text", "amount_wan", "product_name")
    ) == [
        ("transferred", "custom", "部分转让", Decimal("30.00"), ""),
        ("licensed", "partner_industrialized", "", None, "固态电池"),
    ]
    assert list(assessment.intents.values_list("level1", "level2")) == [("license", "sole_licence")]
    assert (assessment.value_stars, assessment.price_band, assessment.maturity) == (3, "negotiable", "sample")
    assert errors == []
