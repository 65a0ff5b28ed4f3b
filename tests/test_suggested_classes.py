"""AA 国民经济行业分类 and AC 战新分类 suggested from the classification when the institution left them blank (issue #11):
the form's initial values and their mark, never over a declared value, the import's blank vs filled rows, the mark
cleared by the institution's own save or import, the patent page, the export, the library's filters and facets."""

from __future__ import annotations

import pytest
from conftest import make_record, upload, workbook_bytes
from test_assessment_form import dom, url, valid_data

from evaluations.models import SelfAssessment
from evaluations.record import record_from_patent, with_record_relations
from evaluations.suggest import Suggestion, ipc_text, suggest, suggest_for_patent
from inventory.export import inventory_records
from inventory.jobs import inventory_import_process
from inventory.models import ImportJob
from inventory.services import inventory_import_start
from library.facets import compute_facets
from library.filtersets import ResourceFilterSet
from library.selectors import resource_library_list
from patentpool.models import Patent
from reference.models import IndustryCode, SEIClass

BATTERY_IPC = "H01M10/0525"


@pytest.fixture(autouse=True)
def own_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "h11"}}


def run_import(user, data: bytes) -> ImportJob:
    job = inventory_import_start(user=user, upload=upload(data))
    inventory_import_process(job.pk)
    job.refresh_from_db()
    return job


def battery() -> Suggestion:
    return suggest([BATTERY_IPC], "一种锂电池隔膜的制备方法")


# -- the suggestion -------------------------------------------------------------------------------------------------


def test_suggestion_is_a_known_industry_and_2021_sei_class(db):
    found = battery()
    assert found.industry.startswith("C38")  # 电气机械和器材制造业 (batteries are C384x)
    assert IndustryCode.objects.filter(code=found.industry).exists()
    assert SEIClass.objects.filter(edition="2021", code=found.sei).exists()
    assert suggest([], "") == Suggestion()


# -- the form -------------------------------------------------------------------------------------------------------


def test_blank_form_is_prefilled_with_the_suggestion_and_marked(client, world):
    patent = world.patent_b
    Patent.objects.filter(pk=patent.pk).update(ipc_main=BATTERY_IPC, title="一种锂电池隔膜的制备方法")
    patent.refresh_from_db()
    expected = suggest_for_patent(patent)
    client.force_login(world.users["institution_admin"])
    page = dom(client.get(url(patent)))
    assert page.by_id("id_industry_section").value == expected.industry
    assert page.by_id("id_sei_class").value == expected.sei
    assert "建议（系统推断）" in page.by_id("suggested-industry_section").text
    assert page.has_id("suggested-sei_class")
    option = [o for o in page.by_id("id_industry_section").find_all("option") if "selected" in o.attrs][0]
    assert option.text.startswith(expected.industry + " ")  # the code with its name


def test_declared_values_are_never_overwritten_or_marked(client, world):
    patent = world.patent_a  # declared C38; SEI blank
    SelfAssessment.objects.filter(patent=patent).update(sei_class=SEIClass.objects.get(edition="2018", code="3"))
    Patent.objects.filter(pk=patent.pk).update(ipc_main="G06F16/00")  # would suggest another industry
    client.force_login(world.users["institution_admin"])
    page = dom(client.get(url(patent)))
    assert page.by_id("id_industry_section").value == "C38"
    assert page.by_id("id_sei_class").value == "3"
    assert not page.has_id("suggested-industry_section") and not page.has_id("suggested-sei_class")


def test_only_the_blank_field_is_suggested(client, world):
    patent = world.patent_a  # declared C38, SEI blank
    client.force_login(world.users["institution_admin"])
    page = dom(client.get(url(patent)))
    assert page.by_id("id_industry_section").value == "C38" and not page.has_id("suggested-industry_section")
    assert page.by_id("id_sei_class").value and page.has_id("suggested-sei_class")


def test_accepting_saves_the_suggestion_as_declared(client, world):
    patent = world.patent_b
    Patent.objects.filter(pk=patent.pk).update(ipc_main=BATTERY_IPC)
    patent.refresh_from_db()
    expected = suggest_for_patent(patent)
    client.force_login(world.users["institution_admin"])
    response = client.post(url(patent), valid_data(industry_section=expected.industry, sei_class=expected.sei))
    assert response.status_code == 302
    a = SelfAssessment.objects.get(patent=patent)
    assert (a.industry.code, a.sei_class.code, a.industries_suggested, a.sei_suggested) == (
        expected.industry,
        expected.sei,
        False,
        False,
    )
    page = dom(client.get(url(patent)))  # declared now: shown as the institution's, no mark
    assert page.by_id("id_industry_section").value == expected.industry
    assert not page.has_id("suggested-industry_section")


def test_clearing_saves_blank(client, world):
    patent = world.patent_b
    Patent.objects.filter(pk=patent.pk).update(ipc_main=BATTERY_IPC)
    client.force_login(world.users["institution_admin"])
    assert client.post(url(patent), valid_data(industry_section="", sei_class="")).status_code == 302
    a = SelfAssessment.objects.get(patent=patent)
    assert (a.industry_id, a.sei_class_id, a.industries.count()) == (None, None, 0)


def test_an_invalid_post_keeps_the_mark_on_an_untouched_suggestion(client, world):
    patent = world.patent_b
    Patent.objects.filter(pk=patent.pk).update(ipc_main=BATTERY_IPC)
    patent.refresh_from_db()
    expected = suggest_for_patent(patent)
    client.force_login(world.users["institution_admin"])
    data = valid_data(industry_section=expected.industry, sei_class="3", price_band="nonsense")
    response = client.post(url(patent), data)
    assert response.status_code == 200
    page = dom(response)
    assert page.has_id("suggested-industry_section") and not page.has_id("suggested-sei_class")
    assert not SelfAssessment.objects.filter(patent=patent).exists()


# -- the import -----------------------------------------------------------------------------------------------------


def blank_and_filled() -> bytes:
    return workbook_bytes(
        [
            make_record(1, industry_section="", sei_class="", ipc_field="H01M 电池"),
            make_record(2, industry_section="C39", sei_class="1"),
            make_record(3, industry_section="I65", sei_class="", ipc_field="H01M 电池"),
        ]
    )


def assessments() -> dict[str, SelfAssessment]:
    rows = SelfAssessment.objects.select_related("patent", "industry", "sei_class").prefetch_related("industries")
    return {a.patent.title[-1]: a for a in rows}


def test_import_suggests_blank_aa_ac_and_counts_them(world):
    job = run_import(world.users["institution_admin"], blank_and_filled())
    assert (job.state, job.created_count, job.suggested_count) == ("succeeded", 3, 2)
    assert "2 patents: AA/AC suggested" in job.message_en
    expected = suggest(ipc_text("H01M 电池"))  # the import reads the IPC codes only (speed; see inventory.apply)
    by = assessments()
    blank, filled, half = by["1"], by["2"], by["3"]
    assert (blank.industry.code, blank.industries_suggested) == (expected.industry, True)
    assert (blank.sei_class.code, blank.sei_class.edition, blank.sei_suggested) == (expected.sei, "2021", True)
    assert [c.code for c in blank.industries.all()] == [blank.industry.code]
    # The institution's own values are stored as they are, unmarked.
    assert (filled.industry.code, filled.sei_class.code, filled.industries_suggested, filled.sei_suggested) == (
        "C39",
        "1",
        False,
        False,
    )
    assert (half.industry.code, half.industries_suggested, half.sei_suggested) == ("I65", False, True)


def test_export_writes_suggested_values_blank_and_reimport_is_unchanged(world):
    user = world.users["institution_admin"]
    run_import(user, blank_and_filled())
    patents = with_record_relations(Patent.objects.filter(institution=world.uni, title__startswith="一种锂电池隔膜的"))
    records = {r.application_number: r for r in map(record_from_patent, patents)}
    exported = {r.application_number: r for r in inventory_records(Patent.objects.filter(pk__in=patents))}
    for number, record in records.items():
        assert (exported[number].industry_section, exported[number].sei_class) == (
            record.industry_section,
            record.sei_class,
        )
    assert records[make_record(1).application_number].industry_section == ""
    assert records[make_record(1).application_number].sei_class == ""
    assert records[make_record(2).application_number].industry_section == "C39"
    again = run_import(user, blank_and_filled())
    assert (again.state, again.unchanged_count, again.updated_count) == ("succeeded", 3, 0)
    assert assessments()["1"].industries_suggested  # still the platform's suggestion, not laundered into a declaration


def test_a_row_without_any_ipc_code_gets_no_suggestion(world):
    job = run_import(
        world.users["institution_admin"], workbook_bytes([make_record(1, industry_section="", ipc_field="")])
    )
    assert (job.state, job.suggested_count) == ("succeeded", 0)
    a = assessments()["1"]
    assert (a.industry_id, a.industries_suggested, a.sei_class.code, a.sei_suggested) == (None, False, "3", False)


def test_a_later_import_with_own_aa_ac_clears_the_mark(world):
    user = world.users["institution_admin"]
    run_import(user, blank_and_filled())
    job = run_import(user, workbook_bytes([make_record(1, industry_section="C3841", sei_class="6")]))
    assert (job.state, job.updated_count, job.suggested_count) == ("succeeded", 1, 0)
    a = assessments()["1"]
    assert (a.industry.code, a.sei_class.code, a.industries_suggested, a.sei_suggested) == ("C3841", "6", False, False)
    assert [c.code for c in a.industries.all()] == ["C3841"]


def test_saving_the_form_clears_the_mark(client, world):
    user = world.users["institution_admin"]
    run_import(user, blank_and_filled())
    a = assessments()["1"]
    client.force_login(user)
    page = dom(client.get(url(a.patent)))
    # The form offers the stored suggestion, marked.
    assert page.by_id("id_industry_section").value == a.industry.code and page.has_id("suggested-industry_section")
    response = client.post(url(a.patent), valid_data(industry_section=a.industry.code, sei_class=a.sei_class.code))
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.industries_suggested, a.sei_suggested) == (False, False)


def test_patent_page_marks_suggested_classes(client, world):
    user = world.users["institution_admin"]
    run_import(user, blank_and_filled())
    by = assessments()
    client.force_login(user)
    html = client.get(f"/patents/{by['1'].patent.pk}/").content.decode()
    industries = html.split('class="industries"')[1].split("</dd>")[0]
    sei = html.split('class="sei"')[1].split("</dd>")[0]
    assert by["1"].industry.code in industries and "suggested-mark" in industries and "建议" in industries
    assert "suggested-mark" in sei
    html = client.get(f"/patents/{by['2'].patent.pk}/").content.decode()
    assert "suggested-mark" not in html.split('class="industries"')[1].split("</dd>")[0]


def test_api_says_which_classes_are_suggested(world):
    from conftest import api_client

    user = world.users["institution_admin"]
    run_import(user, blank_and_filled())
    by = assessments()
    data = api_client(user).get(f"/api/patents/{by['3'].patent.pk}/").json()["assessment"]
    assert (data["industries_suggested"], data["sei_suggested"]) == (False, True)


# -- the library ------------------------------------------------------------------------------------------------------


def test_library_filters_and_counts_suggested_classes(world):
    """A patent whose AA was blank and got a suggested C39… class is found under C and C39 and counted there."""
    user = world.users["national_admin"]

    def facets(**params) -> dict:
        return compute_facets(ResourceFilterSet(params, queryset=resource_library_list(user=user)).qs)

    def found(**params) -> set[int]:
        return set(ResourceFilterSet(params, queryset=resource_library_list(user=user)).qs.values_list("pk", flat=True))

    before = facets()
    run_import(world.users["institution_admin"], workbook_bytes([make_record(1, industry_section="", sei_class="")]))
    a = assessments()["1"]
    assert a.industries_suggested
    # Whatever the classifier said, make it the example: a suggested C39… class.
    SelfAssessment.objects.filter(pk=a.pk).update(industry=IndustryCode.objects.get(code="C3913"))
    a.industries.set([IndustryCode.objects.get(code="C3913")])

    assert a.patent_id in found(section="C") and a.patent_id in found(section="C", division="C39")
    # The industry filter counts a code under every ancestor.
    for code in ("C", "C39", "C391", "C3913"):
        assert a.patent_id in found(industry=code), code
    assert a.patent_id not in found(section="C", division="C38") and a.patent_id not in found(industry="I")
    after = facets()

    def count(f, key, code) -> int:
        return {row[0]: row[2] for row in f[key]}.get(code, 0)

    assert count(after, "section", "C") == count(before, "section", "C") + 1
    assert count(after, "division", "C39") == count(before, "division", "C39") + 1 == 1
    assert count(after, "division", "C38") == count(before, "division", "C38")
    assert facets(section="C", division="C39")["total"] == 1
