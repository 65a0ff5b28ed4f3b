"""Shared fixtures: reference data loaded once per test database, and a small world with one user per role."""

from __future__ import annotations

import datetime
import io
import os
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from knox.models import AuthToken
from rest_framework.test import APIClient

from common.xlsx import XLSX
from enterprises.models import Enterprise
from enterprises.validators import credit_code_check_char
from evaluations.choices import Maturity, PriceBand, ReviewState
from evaluations.models import SelfAssessment
from evaluations.record import ImplementationEntry, IntentEntry, InventoryRecord
from institutions.choices import Authority, InstitutionKind, IPStatus, Role
from institutions.models import Institution, OrgUnit, User
from inventory.writer import write_inventory
from patentpool.choices import PatentType
from patentpool.models import Patent
from reference.appno import ApplicationNumber
from reference.models import IndustryCode, Province
from transfers.choices import DealKind
from transfers.models import Deal


def pytest_configure(config):
    from django.conf import settings

    # Hashing eight passwords per test with PBKDF2 would dominate the run; production keeps the strong default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data is read-only for tests: load it once into the test database."""
    from seed.reference_data import load_all

    with django_db_blocker.unblock():
        load_all()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make between page actions
    # are still plain synchronous calls, so Django's async-safety guard is lifted for these tests only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


def sign_in(browser, live_server, username, password):
    page = browser.new_page(locale="zh-CN", accept_downloads=True)
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def make_number(serial: int, year: int = 2019, type_digit: str = "1") -> str:
    body = f"{year}{type_digit}{serial:07d}"
    return f"{body}.{ApplicationNumber.check_digit(body)}"


def make_credit_code(seed: int) -> str:
    first17 = f"91110000{seed:09d}"
    return first17 + credit_code_check_char(first17)


# The usernames of the world's users, one per role (parametrize IDs follow this order).
ROLES = [
    "national_admin",
    "institution_admin",
    "college_admin",
    "inventor",
    "enterprise",
    "expert",
    "provincial_bureau",
    "ministry",
]


def api_client(user) -> APIClient:
    """A REST client signed in as ``user`` without going through authentication."""
    client = APIClient()
    client.force_authenticate(user)
    return client


def token_client(user) -> APIClient:
    """A REST client that sends ``user``'s token, as an outside program would."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def set_state(patent, state: str) -> None:
    SelfAssessment.objects.filter(patent=patent).update(review_state=state)


# -- Inventory workbooks ------------------------------------------------------------------------------------------------

NATIONAL_TEMPLATE = (
    Path(__file__).resolve().parents[1] / "reference" / "reference_data" / "national_inventory_template.xlsx"
)


def make_record(serial: int, **overrides) -> InventoryRecord:
    """A complete, valid patent of the national format."""
    values = {
        "row": 0,
        "application_number": make_number(1000 + serial),
        "title": f"一种锂电池隔膜的制备方法{serial}",
        "legal_status": "valid",
        "years_maintained": 3,
        "inventors": "张三,李四",
        "org_unit": "材料学院",
        "fiscally_funded": True,
        "implementation_states": [ImplementationEntry(level1="not_implemented")],
        "intents": [IntentEntry(level1="license", level2="ordinary_licence")],
        "fee_standard_wan": Decimal("12.5"),
        "intended_cities": "江苏省-南京市",
        "intended_enterprises": "测试科技有限公司",
        "price_band": "10-20",
        "contact_name": "王老师",
        "contact_phone": "025-83790000",
        "maturity": "small_batch",
        "value_stars": 4,
        "products_advantages": "隔膜孔隙率高，热收缩小",
        "industry_section": "C",
        "prospect": "可用于动力电池",
        "sei_class": "3",
        "ipc_field": "H01M",
    }
    values.update(overrides)
    return InventoryRecord(**values)


def workbook_bytes(records) -> bytes:
    buffer = io.BytesIO()
    write_inventory(buffer, records)
    return buffer.getvalue()


def upload(data: bytes, name: str = "inventory.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    """The zip ``data`` re-packed with member ``name`` replaced (in place) or added (at the end)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    members = {info.filename: source.read(info.filename) for info in source.infolist()}
    members[name] = content
    return zip_bytes(members)


@dataclass
class World:
    """Two provinces; in P1 a MOE university (two colleges) and a local institute; in P2 a MOE university."""

    p1: Province
    p2: Province
    uni: Institution
    institute: Institution
    far_uni: Institution
    college_a: OrgUnit
    college_b: OrgUnit
    patent_a: Patent  # uni, college A, inventor linked, approved into the resource library
    patent_b: Patent  # uni, college B
    patent_institute: Patent  # institute (P1, local authority)
    patent_far: Patent  # far_uni (P2, MOE), approved
    enterprise: Enterprise
    deal_a: Deal
    users: dict[str, User]


def _patent(serial, institution, unit, title, **extra) -> Patent:
    return Patent.objects.create(
        application_number=make_number(serial),
        patent_type=PatentType.INVENTION,
        title=title,
        inventors="张三，李四",
        grant_date=datetime.date(2020, 5, 1),
        institution=institution,
        org_unit=unit,
        **extra,
    )


def _approve(patent: Patent, industry_code: str) -> SelfAssessment:
    from common.search import search_tokens

    return SelfAssessment.objects.create(
        search_text=search_tokens(patent.title, inventors=patent.inventors),
        patent=patent,
        review_state=ReviewState.APPROVED,
        maturity=Maturity.SMALL_BATCH,
        value_stars=4,
        price_band=PriceBand.B10_20,
        contact_name="王老师",
        contact_phone="13800000000",
        industry=IndustryCode.objects.get(code=industry_code),
    )


def pytest_collection_modifyitems(config, items):
    """Tests that commit (a live server or a Celery worker runs in another thread) are followed by a flush that
    empties the reference tables too, so they run last."""
    items.sort(key=lambda item: any(item.get_closest_marker(m) for m in ("browser", "committed")))


def ensure_reference_data() -> None:
    from seed.reference_data import load_all

    if not Province.objects.exists():
        load_all()


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def live_world(transactional_db) -> World:
    ensure_reference_data()
    return build_world()


@pytest.fixture
def celery_worker_threads(transactional_db):
    """A real Celery worker (two threads) consuming from the Redis broker the platform ships with."""
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings

    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail("set REDIS_URL: worker tests need the real broker")
    app.control.purge()
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=60):
        yield app


def build_world() -> World:
    p1 = Province.objects.get(code="32")
    p2 = Province.objects.get(code="44")
    uni = Institution.objects.create(
        name="测试大学", kind=InstitutionKind.UNIVERSITY, province=p1, authority=Authority.MOE, ip_status=IPStatus.PILOT
    )
    institute = Institution.objects.create(
        name="测试研究所", kind=InstitutionKind.RESEARCH_INSTITUTE, province=p1, authority=Authority.LOCAL
    )
    far_uni = Institution.objects.create(
        name="远方大学", kind=InstitutionKind.UNIVERSITY, province=p2, authority=Authority.MOE
    )
    college_a = OrgUnit.objects.create(institution=uni, name="材料学院")
    college_b = OrgUnit.objects.create(institution=uni, name="计算机学院")
    far_college = OrgUnit.objects.create(institution=far_uni, name="材料学院")
    patent_a = _patent(1, uni, college_a, "一种锂电池隔膜的制备方法")
    patent_b = _patent(2, uni, college_b, "一种图像识别模型")
    patent_institute = _patent(3, institute, None, "一种土壤修复剂")
    patent_far = _patent(4, far_uni, far_college, "一种固态电解质")
    _approve(patent_a, "C38")
    _approve(patent_far, "C26")
    enterprise = Enterprise.objects.create(name="测试科技有限公司", credit_code=make_credit_code(1), province=p2)
    other_enterprise = Enterprise.objects.create(name="别家有限公司", credit_code=make_credit_code(2), province=p1)
    deal_a = Deal.objects.create(
        patent=patent_a,
        institution=uni,
        kind=DealKind.ORDINARY_LICENCE,
        enterprise=enterprise,
        counterparty=enterprise.name,
        amount_wan=20,
        contract_date=datetime.date(2025, 3, 1),
    )
    Deal.objects.create(
        patent=patent_far,
        institution=far_uni,
        kind=DealKind.TRANSFER,
        enterprise=other_enterprise,
        counterparty=other_enterprise.name,
        contract_date=datetime.date(2025, 4, 1),
    )
    specs = {
        "national_admin": {"role": Role.NATIONAL_ADMIN, "is_staff": True},
        "institution_admin": {"role": Role.INSTITUTION_ADMIN, "institution": uni},
        "college_admin": {"role": Role.COLLEGE_ADMIN, "institution": uni, "org_unit": college_a},
        "inventor": {"role": Role.INVENTOR, "institution": uni, "org_unit": college_a},
        "enterprise": {"role": Role.ENTERPRISE, "enterprise": enterprise},
        "expert": {"role": Role.EXPERT},
        "provincial_bureau": {"role": Role.PROVINCIAL_BUREAU, "province": p1},
        "ministry": {"role": Role.MINISTRY, "authority": Authority.MOE},
    }
    users = {}
    for name, fields in specs.items():
        user = User(username=name, **fields)
        user.set_password("pw-" + name)
        user.full_clean()
        user.save()
        users[name] = user
    patent_a.inventor_accounts.add(users["inventor"])
    return World(
        p1=p1,
        p2=p2,
        uni=uni,
        institute=institute,
        far_uni=far_uni,
        college_a=college_a,
        college_b=college_b,
        patent_a=patent_a,
        patent_b=patent_b,
        patent_institute=patent_institute,
        patent_far=patent_far,
        enterprise=enterprise,
        deal_a=deal_a,
        users=users,
    )
