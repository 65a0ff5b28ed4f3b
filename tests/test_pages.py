"""Pages and forms people meet: filters that can match nothing, text the database refuses, error pages, the to-do
list's review and exports, the history shown in labels."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import api_client
from django.contrib.messages import get_messages
from openpyxl import load_workbook
from test_assessment_form import snapshot as assessment_snapshot
from test_assessment_form import valid_data

from common.xlsx import XLSX
from evaluations.exports import HEADERS as TODO_HEADERS
from evaluations.models import ConversionIntent, ReviewEvent, SelfAssessment
from patentpool.models import Patent
from reference.models import IndustryCode, SEIClass

ROOT = Path(__file__).resolve().parents[1]

# Each asks a question with no answer: an empty list, never a server error.
NOTHING_MATCHES = [
    "section=ZZ",
    "division=ZZZ",
    "grant_year=0",
    "grant_year=99999999999",
    "grant_year=-1",
    "grant_year=10000",
    "grant_year=2e16",
    "grant_year=-2e16",
    "years_min=99999999999",
    "years_max=-1",
    "org_unit=99999999999",
    "institution=99999999999999999999",
    "grant_year=2020.5",
    "years_max=-2e16",
]


def _expected(path: str, query: str) -> int:
    # The base library has no 门类/大类 filter: the parameter is not one of its filters and is ignored (4 patents).
    return 4 if "patents" in path and query.startswith(("section", "division")) else 0


@pytest.mark.parametrize("query", NOTHING_MATCHES)
@pytest.mark.parametrize("path", ["/library/", "/patents/"])
def test_a_filter_that_matches_nothing_answers_an_empty_page(client, world, path, query):
    client.force_login(world.users["national_admin"])
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == _expected(path, query)


@pytest.mark.parametrize("query", NOTHING_MATCHES)
@pytest.mark.parametrize("path", ["/api/patents/", "/api/resource-library/"])
def test_a_filter_that_matches_nothing_answers_an_empty_api_list(world, path, query):
    response = api_client(world.users["national_admin"]).get(f"{path}?{query}")
    assert response.status_code == 200
    assert response.json()["count"] == _expected(path, query)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("grant_year=abc", "请输入数字 / Enter a number"),
        ("grant_year=inf", "请输入数字 / Enter a number"),
        ("years_min=NaN", "请输入数字 / Enter a number"),
        ("grant_year=1e999999999", "数值过大 / The number is too large"),
        ("stars=9", "“9”不是可选的值 / “9” is not one of the choices"),
        ("ordering=secret", "“secret”不是可选的值 / “secret” is not one of the choices"),
    ],
)
@pytest.mark.parametrize("path", ["/api/patents/", "/api/resource-library/"])
def test_a_malformed_filter_is_refused_in_both_languages(world, path, query, message):
    response = api_client(world.users["national_admin"]).get(f"{path}?{query}")
    assert response.status_code == 400
    assert list(response.json().values()) == [[message]]


@pytest.mark.parametrize(
    "query", ["grant_year=abc", "grant_year=inf", "grant_year=1e999999999", "stars=9", "ordering=secret"]
)
@pytest.mark.parametrize("path", ["/library/", "/patents/"])
def test_a_malformed_filter_on_a_page_is_left_out(client, world, path, query):
    client.force_login(world.users["national_admin"])
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == (2 if path == "/library/" else 4)


@pytest.mark.parametrize("path", ["/patents/", "/api/patents/"])
def test_a_bound_below_every_value_is_the_ranges_start(client, world, path):
    Patent.objects.filter(pk=world.patent_a.pk).update(years_maintained=3)
    client.force_login(world.users["national_admin"])
    for query in ("years_min=-2e16", "years_min=-1", "years_max=2e16", "years_max=99999999999"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200
        count = len(response.context["page"].object_list) if "api" not in path else response.json()["count"]
        assert count == 1, query  # the one patent whose maintained years are known


# -- text the database refuses ------------------------------------------------------------------------------------------


def _review_snapshot(patent) -> tuple:
    assessment = SelfAssessment.objects.get(patent=patent)
    return assessment.review_state, assessment.review_comment, ReviewEvent.objects.count(), assessment.history.count()


def _messages(response) -> list[tuple[str, str]]:
    return [(m.tags, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("太" * 501, "意见不能超过 500 字 / A comment has at most 500 characters"),
        ("不宜\x00转化", "意见不能包含空字符（\\x00） / A comment cannot contain a NUL character"),
    ],
    ids=["too-long", "nul"],
)
def test_a_review_comment_the_database_cannot_hold_is_refused(client, world, comment, message):
    client.force_login(world.users["institution_admin"])
    before = _review_snapshot(world.patent_a)
    response = client.post(f"/patents/{world.patent_a.pk}/review/", {"action": "return", "comment": comment})
    assert response.status_code == 302
    assert _messages(response) == [("error", message)]
    assert _review_snapshot(world.patent_a) == before
    # the same step with a comment that fits goes through
    client.post(f"/patents/{world.patent_a.pk}/review/", {"action": "return", "comment": "太" * 500})
    assert _review_snapshot(world.patent_a)[:2] == ("returned", "太" * 500)


@pytest.mark.parametrize("comment", ["太" * 501, "不宜\x00转化"], ids=["too-long", "nul"])
def test_a_bulk_comment_the_database_cannot_hold_is_refused(client, world, comment):
    client.force_login(world.users["institution_admin"])
    before = _review_snapshot(world.patent_a)
    response = client.post(
        "/patents/bulk/", {"ids": [world.patent_a.pk], "action": "return", "comment": comment, "next": "/todo/"}
    )
    assert response.status_code == 302 and response["Location"] == "/todo/"
    ((tag, text),) = _messages(response)
    assert (tag, text) == (
        "error",
        "意见：意见不能超过 500 字 / A comment has at most 500 characters"
        if len(comment) > 500
        else "意见：意见不能包含空字符（\\x00） / A comment cannot contain a NUL character",
    )
    assert _review_snapshot(world.patent_a) == before


@pytest.fixture
def filled_b(client, world):
    """patent_b with a complete self-assessment saved through the form by its institution admin."""
    client.force_login(world.users["institution_admin"])
    assert client.post(f"/patents/{world.patent_b.pk}/assessment/", valid_data()).status_code == 302
    return world.patent_b


def test_nul_in_the_assessment_form_is_an_error_at_its_field(client, world, filled_b):
    before = assessment_snapshot(filled_b)
    data = valid_data(
        products_advantages="孔隙率\x00高", **{"impl-0-remark": "已\x00备案", "intent-1-custom": "先许可\x00后转让"}
    )
    response = client.post(f"/patents/{filled_b.pk}/assessment/", data)
    assert response.status_code == 200
    problems = response.context["form"].problems
    assert sorted((p.key, p.code) for p in problems) == [
        ("impl_remark", "nul"), ("intent_level2", "nul"), ("products_advantages", "nul"),
    ]  # fmt: skip
    assert {p.message for p in problems} == {"不能包含空字符（\\x00）"}
    form = response.context["form"]
    assert form.values["products_advantages"] == "孔隙率高"  # shown back without the character
    assert [row.errors for row in form.impl_rows if row.errors][0].keys() == {"remark"}
    assert assessment_snapshot(filled_b) == before


def test_nul_in_the_edit_form_is_a_field_error(client, world):
    client.force_login(world.users["institution_admin"])
    patent = world.patent_b
    response = client.post(
        f"/patents/{patent.pk}/edit/", {"title": "一种\x00图像识别模型", "inventors": "张三", "org_unit": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "title": ["不能包含空字符（\\x00） / Must not contain a NUL character (\\x00)"]
    }
    patent.refresh_from_db()
    assert (patent.title, patent.history.count()) == ("一种图像识别模型", 1)  # the creation only


@pytest.mark.parametrize("field", ["title", "inventors", "funding_project"])
def test_nul_in_an_api_patch_is_a_400(world, field):
    patent = world.patent_b
    response = api_client(world.users["institution_admin"]).patch(
        f"/api/patents/{patent.pk}/", {field: "一种\x00模型"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Patent.objects.filter(pk=patent.pk, **{field: getattr(patent, field)}).exists()
    assert patent.history.count() == 1  # the creation only


# -- the reviewer's to-do list --------------------------------------------------------------------------------------


def _fill(patent, **fields):
    """patent's self-assessment with the parts a reviewer reads, and two intents."""
    assessment = SelfAssessment.objects.filter(patent=patent).first() or SelfAssessment(patent=patent)
    values = {
        "review_state": "submitted", "price_band": "10-20", "maturity": "small_batch", "value_stars": 4,
        "industry": IndustryCode.objects.get(code="C38"),
        "sei_class": SEIClass.objects.get(edition="2021", code="1.1"),
        "products_advantages": "隔膜孔隙率高\n热收缩小", "prospect": "动力电池\n储能",
    }  # fmt: skip
    values.update(fields)
    for name, value in values.items():
        setattr(assessment, name, value)
    assessment.save()
    assessment.intents.all().delete()
    ConversionIntent.objects.create(assessment=assessment, position=0, level1="license", level2="open_licence")
    ConversionIntent.objects.create(
        assessment=assessment, position=1, level1="transfer", level2="custom", custom_text="先许可后转让"
    )
    return assessment


def test_the_todo_list_shows_the_self_assessment_beside_the_decision(client, world):
    _fill(world.patent_a)
    client.force_login(world.users["college_admin"])
    response = client.get("/todo/")
    assert response.status_code == 200
    page = response.content.decode()
    row = page[page.index(f'id="todo-{world.patent_a.pk}"') :]
    row = row[: row.index("</tr>")]
    for shown in (
        "待学院审核", "拟许可 – 拟开放许可", "拟转让 – 先许可后转让", "10-20万", "小批量生产、工程应用阶段", "四星",
        "C38 电气机械和器材制造业", "隔膜孔隙率高<br>热收缩小", "动力电池<br>储能",
    ):  # fmt: skip
        assert shown in row, shown
    sei = SEIClass.objects.get(edition="2021", code="1.1")
    assert f"{sei.parent.code} {sei.parent.name}</span> › 1.1 {sei.name}" in row
    assert f'<input type="checkbox" name="ids" value="{world.patent_a.pk}"' in row
    assert (
        f'id="review-{world.patent_a.pk}-college_approve"' in row and f'id="review-{world.patent_a.pk}-return"' in row
    )
    assert response.context["bulk_actions"] == [("college_approve", "学院审核通过"), ("return", "退回")]
    assert 'action="/patents/bulk/"' in page


def test_a_row_decision_on_the_todo_list_returns_to_it(client, world, filled_b):
    SelfAssessment.objects.filter(patent=filled_b).update(review_state="submitted")
    response = client.post(
        f"/patents/{filled_b.pk}/review/", {"action": "college_approve", "comment": "", "next": "/todo/?page=1"}
    )
    assert (response.status_code, response["Location"]) == (302, "/todo/?page=1")
    assert SelfAssessment.objects.get(patent=filled_b).review_state == "college_approved"
    # a "next" that leaves the site is not followed
    response = client.post(
        f"/patents/{filled_b.pk}/review/", {"action": "return", "comment": "补充", "next": "//evil.example/"}
    )
    assert response["Location"] == f"/patents/{filled_b.pk}/"
    assert SelfAssessment.objects.get(patent=filled_b).review_state == "returned"


def test_bulk_approval_from_the_todo_list(client, world, filled_b):
    SelfAssessment.objects.filter(patent=filled_b).update(review_state="college_approved")
    assert f'name="ids" value="{filled_b.pk}"' in client.get("/todo/").content.decode()
    response = client.post("/patents/bulk/", {"ids": [filled_b.pk], "action": "approve", "next": "/todo/"})
    assert (response.status_code, response["Location"]) == (302, "/todo/")
    assert _messages(response) == [("success", "已处理 1 件专利")]
    assert SelfAssessment.objects.get(patent=filled_b).review_state == "approved"


def test_the_todo_export_is_a_workbook_of_the_waiting_rows(client, world):
    _fill(world.patent_a)
    client.force_login(world.users["college_admin"])
    page = client.get("/todo/").content.decode()
    assert 'href="?export=xlsx"' in page
    response = client.get("/todo/?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="todo.xlsx"'
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    sei = SEIClass.objects.get(edition="2021", code="1.1")
    assert rows == [
        tuple(TODO_HEADERS),
        (
            world.patent_a.application_number, world.patent_a.title, "材料学院", "待学院审核",
            "拟许可 – 拟开放许可；拟转让 – 先许可后转让", "10-20万", "小批量生产、工程应用阶段", "四星",
            "C38 电气机械和器材制造业", f"{sei.parent.code} {sei.parent.name} › 1.1 {sei.name}",
            "隔膜孔隙率高\n热收缩小", "动力电池\n储能", None,
        ),
    ]  # fmt: skip


def test_the_patent_page_review_box_shows_the_self_assessment(client, world):
    _fill(world.patent_a, review_state="college_approved")
    client.force_login(world.users["institution_admin"])
    page = client.get(f"/patents/{world.patent_a.pk}/").content.decode()
    box = page[page.index('class="review-box"') :]
    box = box[: box.index("</section>")]
    for shown in (
        "待单位审核",
        "拟许可 – 拟开放许可",
        "10-20万",
        "四星",
        "C38 电气机械和器材制造业",
        "动力电池<br>储能",
    ):
        assert shown in box, shown
    assert 'id="review-approve"' in box and 'id="review-return"' in box
    assert '<textarea name="comment" id="review-comment" maxlength="500"' in box


def test_library_and_patent_pages_show_the_sei_class_alike(client, world):
    _fill(world.patent_a, review_state="approved")
    sei = SEIClass.objects.get(edition="2021", code="1.1")
    shown = f'<span class="sei-parent">{sei.parent.code} {sei.parent.name}</span> › 1.1 {sei.name}'
    client.force_login(world.users["institution_admin"])
    for url in (f"/patents/{world.patent_a.pk}/", f"/library/{world.patent_a.pk}/", "/library/"):
        assert shown in client.get(url).content.decode(), url


# -- change history ------------------------------------------------------------------------------------------------


def test_a_patent_without_history_rows_opens(client, world):
    Patent.history.filter(id=world.patent_a.pk).delete()  # as the demo generator's COPY or a bulk write leaves it
    SelfAssessment.history.filter(patent_id=world.patent_a.pk).delete()
    client.force_login(world.users["institution_admin"])
    response = client.get(f"/patents/{world.patent_a.pk}/")
    assert response.status_code == 200
    assert (response.context["history"], response.context["assessment_history"]) == ([], [])
    assert "暂无变更记录" in response.content.decode()


def test_history_shows_labels_and_readable_reasons(client, world):
    from evaluations.services import assessment_transition, patent_facts_update

    admin = world.users["institution_admin"]
    assessment = SelfAssessment.objects.get(patent=world.patent_a)
    SelfAssessment.history.filter(patent_id=world.patent_a.pk).delete()
    assessment.industry = None
    assessment._change_reason = "self-assessment"
    assessment.save()
    del assessment._change_reason
    assessment.industry = IndustryCode.objects.get(code="C38")
    assessment.save()  # no reason recorded
    assessment.save()  # nothing changed: not shown
    assessment_transition(user=admin, patent_ids=[world.patent_a.pk], action="return", comment="补充")
    patent_facts_update(user=admin, patent_id=world.patent_a.pk, data={"org_unit": world.college_b})
    client.force_login(admin)
    response = client.get(f"/patents/{world.patent_a.pk}/")
    history = [(h.kind, h.reason, h.changes) for h in response.context["history"]]
    assert history == [
        ("已修改", "修改基本信息", [("所属学院", "测试大学 材料学院", "测试大学 计算机学院")]),
        ("已创建", "", []),
    ]
    changes = [(h.kind, h.reason, h.changes) for h in response.context["assessment_history"]]
    assert changes == [
        ("已修改", "退回", [("审核状态", "已入转化资源库", "已退回"), ("审核意见", "", "补充")]),
        ("已修改", "", [("国民经济行业分类", "", "C38 电气机械和器材制造业")]),
        ("已修改", "填写自评", []),  # the oldest row shown: nothing older to compare with
    ]
    page = response.content.decode()
    assert "国民经济行业分类：<del></del> → <ins>C38 电气机械和器材制造业</ins>" in page
    assert "review:return" not in page and "patent_update" not in page


def test_an_import_reason_is_named(world):
    from patentpool.selectors import change_reason_label

    assert change_reason_label("import #12") == "批量导入（任务 #12）"
    assert change_reason_label("review:approve") == "审核入库"
    assert change_reason_label("something new") == "something new"
    assert change_reason_label(None) == ""


# -- site furniture ------------------------------------------------------------------------------------------------


@pytest.fixture
def production_errors(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]


def test_403_and_404_pages_are_the_sites(client, world, production_errors):
    client.force_login(world.users["inventor"])
    forbidden = client.get(f"/patents/{world.patent_a.pk}/edit/")
    assert forbidden.status_code == 403
    page = forbidden.content.decode()
    assert '<html lang="zh-hans">' in page and 'class="topbar"' in page and 'id="error-403"' in page
    assert "<title>无权访问 · PatentPool</title>" in page
    assert "基础库信息由单位或学院管理员维护，发明人只填写自评" in page
    missing = client.get("/patents/999999/")
    assert missing.status_code == 404
    page = missing.content.decode()
    assert 'id="error-404"' in page and "<title>页面不存在 · PatentPool</title>" in page
    # and in English for a reader who chose it
    client.cookies["django_language"] = "en"
    assert "<title>Page not found · PatentPool</title>" in client.get("/nowhere/").content.decode()


def test_error_messages_look_like_errors_and_pages_carry_the_favicon(client, world):
    client.force_login(world.users["institution_admin"])
    response = client.post("/patents/bulk/", {"action": "approve", "next": "/todo/"}, follow=True)
    page = response.content.decode()
    assert '<li class="error" role="alert">请选择专利和操作</li>' in page
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    css = (ROOT / "static" / "css" / "app.css").read_text()
    assert "ul.messages li.error { background:#fef2f2;" in css
    assert (ROOT / "static" / "favicon.svg").read_text().startswith("<svg")
    # Pages that name no icon (admin, API docs) make the browser ask for /favicon.ico: the same icon, not a 404.
    icon = client.get("/favicon.ico")
    assert (icon.status_code, icon["Location"]) == (301, "/static/favicon.svg")


@pytest.mark.parametrize("path", ["/patents/", "/library/"])
def test_every_filter_has_a_label(client, world, path):
    client.force_login(world.users["institution_admin"])
    page = client.get(path).content.decode()
    form = page[page.index('<form method="get"') :]
    form = form[: form.index("</form>")]
    controls = re.findall(r"<(select|input)\b[^>]*>", form)
    unlabelled = []
    for match in re.finditer(r"<(?:select|input)\b[^>]*>", form):
        tag = match.group(0)
        if 'type="hidden"' in tag:
            continue
        before = form[: match.start()]
        inside_label = before.rfind("<label") > before.rfind("</label>")
        if not inside_label and "aria-label" not in tag:
            unlabelled.append(tag)
    assert controls and unlabelled == []


def test_tests_write_only_into_temporary_folders(settings, media_root, tmp_path_factory):
    assert str(media_root) == settings.MEDIA_ROOT
    assert media_root.is_relative_to(tmp_path_factory.getbasetemp())
    slash_tmp = "/" + "tmp/"  # spelled apart so this file does not match itself
    offenders = [p.name for p in (ROOT / "tests").glob("*.py") if f'"{slash_tmp}' in p.read_text()]
    assert offenders == []
