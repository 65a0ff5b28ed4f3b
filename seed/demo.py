"""A realistic demo / benchmark data set, generated in bulk.

Small by default (the embedded demo), national scale on request: ``--patents 1350000`` on PostgreSQL streams rows
with COPY in chunks, with ids allocated up front, so memory stays flat and it finishes in minutes.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max, Model

from common.bulk import insert_rows
from common.search import search_tokens
from dashboards.models import Milestone
from enterprises.choices import EnterpriseStatus
from enterprises.models import Enterprise
from enterprises.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from evaluations.choices import (
    MATURITY_STAGES,
    ImplementationLevel1,
    IntentLevel1,
    IntentLevel2,
    PriceBand,
    ReviewState,
)
from evaluations.models import ConversionIntent, ImplementationStatus, SelfAssessment
from institutions.choices import Authority, InstitutionKind, IPStatus, OrgUnitKind, Role
from institutions.models import Institution, OrgUnit, User
from market.choices import ExpertStatus
from market.models import Expert
from matching.choices import DeclineReason, PushStatus
from matching.models import Push
from matching.services import full_run_inline
from patentpool.choices import LegalStatus, PatentType
from patentpool.models import Patent
from reference.appno import ApplicationNumber
from reference.models import IndustryCode, Province, SEIClass
from seed.topics import TOPICS
from transfers.choices import DealKind, DealStatus, PaymentMethod, PricingMethod, RecordingStatus
from transfers.models import Deal

DEMO_PASSWORD = "demo12345"
CHUNK = 20_000

# Vocabulary for believable titles; 锂电池 and 隔膜 are there so that Chinese search has something to find.
SUBJECTS = [
    "锂电池",
    "隔膜",
    "固态电解质",
    "光伏组件",
    "钙钛矿薄膜",
    "氢燃料电池",
    "储能系统",
    "永磁电机",
    "石墨烯复合材料",
    "碳纤维",
    "高熵合金",
    "陶瓷基复合材料",
    "水凝胶",
    "纳米催化剂",
    "生物降解塑料",
    "疫苗佐剂",
    "单克隆抗体",
    "基因编辑载体",
    "中药提取物",
    "医用导管",
    "手术机器人",
    "内窥镜",
    "超声探头",
    "图像识别模型",
    "联邦学习框架",
    "区块链存证系统",
    "边缘计算节点",
    "5G天线",
    "毫米波雷达",
    "激光雷达",
    "芯片封装结构",
    "功率半导体器件",
    "柔性显示屏",
    "智能传感器",
    "工业机器人",
    "数控机床",
    "盾构机刀盘",
    "桥梁健康监测系统",
    "污水处理装置",
    "土壤修复剂",
    "节水灌溉设备",
    "水稻育种方法",
    "小麦抗病基因",
    "畜禽疫病检测试剂",
    "食品保鲜剂",
    "茶叶加工设备",
]
FORMS = [
    "的制备方法",
    "及其制备方法",
    "及其应用",
    "的检测方法",
    "装置",
    "系统",
    "控制方法",
    "结构",
    "组件",
    "的改性方法",
]
ADJECTIVES = [
    "一种",
    "一种高性能",
    "一种低成本",
    "一种基于深度学习的",
    "一种耐高温",
    "一种可回收",
    "一种高效",
    "一种智能",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美玲桂兰霞平刚桂英建华志强海燕"
COLLEGES = [
    "材料科学与工程学院",
    "化学化工学院",
    "机械工程学院",
    "电气工程学院",
    "信息科学与技术学院",
    "计算机学院",
    "生命科学学院",
    "医学院",
    "药学院",
    "农学院",
    "环境学院",
    "土木工程学院",
    "能源与动力工程学院",
    "物理学院",
]
UNI_SUFFIXES = ["大学", "理工大学", "工业大学", "科技大学", "农业大学", "医科大学", "师范大学", "交通大学"]
INSTITUTE_SUFFIXES = ["研究院", "研究所", "科学院"]
# Provinces of the small demo: several, as the issue asks, with a large one first.
DEMO_PROVINCES = ["32", "44", "11", "33", "51", "52"]


@dataclass
class DemoStats:
    provinces: int = 0
    institutions: int = 0
    org_units: int = 0
    patents: int = 0
    assessments: int = 0
    enterprises: int = 0
    experts: int = 0
    deals: int = 0
    pushes: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role label, username, what they see)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _next_id(model: type[Model]) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _reset_sequences(models: list[type[Model]]) -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def application_numbers(rng: random.Random, start_serial: int) -> Iterator[tuple[str, str, int]]:
    """Unique valid application numbers (canonical, patent type, grant year): serials never repeat."""
    serial = start_serial
    while True:
        year = rng.choice(range(2008, 2024))
        digit = rng.choices(("1", "2", "3"), weights=(70, 25, 5))[0]
        serial += 1
        body = f"{year}{digit}{serial % 10_000_000:07d}"
        number = f"{body}.{ApplicationNumber.check_digit(body)}"
        kind = {"1": PatentType.INVENTION, "2": PatentType.UTILITY_MODEL, "3": PatentType.DESIGN}[digit]
        yield number, kind, year


class DemoGenerator:
    """Builds the demo world. ``patents`` sets the scale; everything else follows from it."""

    def __init__(self, *, patents: int, seed: int = 2024, stdout=None, enterprises: int | None = None, match=None):
        self.n_patents = patents
        self.n_enterprises = enterprises
        # Matching runs inline at demo scale so every page has pushes; a national-scale world leaves it to the workers.
        self.match = patents <= 20_000 if match is None else match
        self.demo_enterprise: Enterprise | None = None  # the `enterprise` login's: one with pushes
        self.rng = random.Random(seed)
        self.stdout = stdout
        self.stats = DemoStats()
        self.now = datetime.datetime.now(datetime.UTC)

    def log(self, message: str) -> None:
        if self.stdout:
            self.stdout.write(message)

    def run(self) -> DemoStats:
        if not Province.objects.exists() or not IndustryCode.objects.exists():
            raise RuntimeError("先运行 load_reference_data / Run load_reference_data first")
        if not Milestone.objects.exists():
            raise RuntimeError("没有时间节点数据 / No milestones: run load_reference_data first")
        with transaction.atomic():
            self._institutions()
            self._enterprises_and_experts()
        self._patents()
        if self.match:
            self._pushes()
        with transaction.atomic():
            self._users()
        self._deals()
        return self.stats

    # -- organisations -------------------------------------------------------------------------------------------
    def _institutions(self) -> None:
        rng = self.rng
        national = self.n_patents >= 100_000
        provinces = list(Province.objects.all()) if national else list(Province.objects.filter(code__in=DEMO_PROVINCES))
        provinces.sort(key=lambda p: DEMO_PROVINCES.index(p.code) if p.code in DEMO_PROVINCES else 99)
        n_inst = max(24, min(2_700, self.n_patents // 500))
        institutions = []
        used = set(Institution.objects.values_list("name", flat=True))
        for i in range(n_inst):
            province = provinces[i % len(provinces)] if i >= len(provinces) else provinces[i]
            if rng.random() < 0.8:
                kind, suffix = InstitutionKind.UNIVERSITY, rng.choice(UNI_SUFFIXES)
            elif rng.random() < 0.7:
                kind, suffix = InstitutionKind.RESEARCH_INSTITUTE, rng.choice(INSTITUTE_SUFFIXES)
            else:
                kind, suffix = InstitutionKind.HOSPITAL, "医院"
            name = f"{province.short_name}{rng.choice(SUBJECTS)[:2]}{suffix}"
            n = 2
            while name in used:
                name = f"{province.short_name}{rng.choice(SUBJECTS)[:2]}{suffix}{n}"
                n += 1
            used.add(name)
            authority = (
                Authority.CAS
                if suffix == "科学院"
                else rng.choice(
                    [Authority.MOE, Authority.MOE, Authority.LOCAL, Authority.LOCAL, Authority.MIIT, Authority.NHC]
                )
            )
            status = IPStatus.NONE
            if kind == InstitutionKind.UNIVERSITY:
                status = rng.choices([IPStatus.DEMONSTRATION, IPStatus.PILOT, IPStatus.NONE], weights=(10, 20, 70))[0]
            if i == 0:  # the demo's own university: a national IP demonstration university under the MOE
                name, kind, authority, status = (
                    f"{province.short_name}科技大学",
                    InstitutionKind.UNIVERSITY,
                    Authority.MOE,
                    IPStatus.DEMONSTRATION,
                )
            institutions.append(
                Institution(name=name, kind=kind, province=province, authority=authority, ip_status=status)
            )
        Institution.objects.bulk_create(institutions, batch_size=1000)
        self.institutions = list(Institution.objects.filter(name__in=[i.name for i in institutions]).order_by("pk"))
        units = []
        for inst in self.institutions:
            for college in rng.sample(COLLEGES, rng.randint(3, 8)):
                units.append(OrgUnit(institution=inst, name=college, kind=OrgUnitKind.COLLEGE))
        OrgUnit.objects.bulk_create(units, batch_size=5000)
        self.units_by_inst: dict[int, list[int]] = {}
        for unit_id, inst_id in OrgUnit.objects.filter(institution__in=self.institutions).values_list(
            "pk", "institution_id"
        ):
            self.units_by_inst.setdefault(inst_id, []).append(unit_id)
        self.stats.provinces = len({i.province_id for i in self.institutions})
        self.stats.institutions = len(self.institutions)
        self.stats.org_units = len(units)
        self.log(f"institutions: {len(self.institutions)}, colleges: {len(units)}")

    def _enterprises_and_experts(self) -> None:
        rng = self.rng
        provinces = list({i.province for i in self.institutions})
        every_province = list(Province.objects.all())
        industry_ids = dict(IndustryCode.objects.values_list("code", "pk"))
        n_ent = self.n_enterprises or max(300, min(5_000, self.n_patents // 200))
        existing = set(Enterprise.objects.values_list("credit_code", flat=True))
        enterprises, others = [], []
        for i in range(n_ent):
            while True:
                first17 = (
                    "91"
                    + "".join(rng.choice("0123456789") for _ in range(6))
                    + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
                )
                code = first17 + credit_code_check_char(first17)
                if code not in existing:
                    existing.add(code)
                    break
            # Most enterprises sit in the demo's provinces (so each bureau has some); the rest anywhere.
            province = rng.choice(provinces) if rng.random() < 0.8 else rng.choice(every_province)
            topic = TOPICS[i % len(TOPICS)]
            main = rng.choice(topic.gbt)
            main = main[: rng.choice((5, 5, 4, 3))]  # registered at 小类, 中类 or 大类
            interests = rng.choice([topic.ipc[0][:4], topic.sei[0], ""])
            soe = rng.random() < 0.1
            # A few signed up themselves and wait for their bureau's approval (their users cannot sign in yet).
            pending = rng.random() < 0.04
            enterprises.append(
                Enterprise(
                    status=EnterpriseStatus.PENDING if pending else EnterpriseStatus.APPROVED,
                    name=f"{province.short_name}{rng.choice(topic.subjects)[:4]}{topic.company}有限公司{i}",
                    credit_code=code,
                    province=province,
                    city="",
                    is_high_tech=rng.random() < 0.6,
                    is_specialized_sme=rng.random() < 0.3,
                    is_ip_advantage=rng.random() < 0.15,
                    is_soe=soe,
                    is_central_soe=soe and rng.random() < 0.3,
                    main_industry_id=industry_ids[main],
                    products="、".join(rng.sample(topic.products, min(2, len(topic.products)))),
                    technical_needs="\n".join(rng.sample(topic.needs, min(2, len(topic.needs)))),
                    fields_of_interest=interests,
                )
            )
            others.append([industry_ids[c] for c in topic.gbt if c != main and rng.random() < 0.5])
        Enterprise.objects.bulk_create(enterprises, batch_size=2000)
        by_code = dict(
            Enterprise.objects.filter(credit_code__in=[e.credit_code for e in enterprises]).values_list(
                "credit_code", "pk"
            )
        )
        self.enterprises = list(Enterprise.objects.filter(pk__in=by_code.values()).order_by("pk"))
        through = Enterprise.industries.through
        through.objects.bulk_create(
            [
                through(enterprise_id=by_code[e.credit_code], industrycode_id=code_id)
                for e, codes in zip(enterprises, others, strict=True)
                for code_id in codes
            ],
            batch_size=5000,
        )
        password = make_password(DEMO_PASSWORD)
        taken = set(User.objects.filter(username__startswith="ent").values_list("username", flat=True))
        User.objects.bulk_create(
            [
                User(
                    username=f"ent{e.pk}",
                    role=Role.ENTERPRISE,
                    enterprise=e,
                    display_name=e.name,
                    email=f"ent{e.pk}@example.com",
                    password=password,
                    is_active=e.status == EnterpriseStatus.APPROVED,
                )
                for e in self.enterprises
                if f"ent{e.pk}" not in taken
            ],
            batch_size=2000,
        )
        experts = [
            Expert(
                name=_person(rng),
                organisation=rng.choice(self.enterprises).name,
                title=rng.choice(["高级工程师", "总工程师", "研究员", "技术总监"]),
                province=rng.choice(provinces),
                recommended_by=rng.choice(self.enterprises),
                status=ExpertStatus.ACTIVE,
            )
            for _ in range(max(20, n_ent // 5))
        ]
        Expert.objects.bulk_create(experts, batch_size=2000)
        self.stats.enterprises = len(self.enterprises)
        self.stats.experts = len(experts)

    # -- the patent library --------------------------------------------------------------------------------------
    def _patents(self) -> None:
        rng = self.rng
        # Every patent is drawn from one topic: its title, IPC, declared industry (the 大类 of the topic's 小类), SEI
        # class (the 2018 top level the national template uses) and texts agree.
        industry_ids = dict(IndustryCode.objects.values_list("code", "pk"))
        sei_ids = dict(SEIClass.objects.filter(edition="2018").values_list("code", "pk"))
        # Zipf-like sizes: a top university holds 10^4, most hold hundreds.
        shares = [1 / (rank + 1) ** 0.8 for rank in range(len(self.institutions))]
        total_share = sum(shares)
        plan = [max(1, int(self.n_patents * s / total_share)) for s in shares]
        plan[0] += self.n_patents - sum(plan)
        numbers = application_numbers(rng, start_serial=rng.randint(0, 1_000_000) + Patent.objects.count())
        existing_numbers = (
            set(Patent.objects.values_list("application_number", flat=True))
            if Patent.objects.count() < 200_000
            else set()
        )

        patent_id = _next_id(Patent)
        assessment_id = _next_id(SelfAssessment)
        patent_cols = [
            "id",
            "application_number",
            "patent_type",
            "title",
            "patentees",
            "inventors",
            "grant_date",
            "legal_status",
            "years_maintained",
            "ipc_main",
            "ipc_subclass",
            "ipc_others",
            "institution_id",
            "org_unit_id",
            "fiscally_funded",
            "funding_project",
            "import_fingerprint",
            "created_at",
            "updated_at",
        ]
        assessment_cols = [
            "id",
            "patent_id",
            "review_state",
            "review_comment",
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
            "assessed_by_id",
            "updated_at",
            "approved_at",
            "convertible",
            "bundle_name",
            "bundle_numbers",
            "bundle_description",
            "search_text",
        ]
        intent_cols = [
            "assessment_id", "position", "level1", "level2", "custom_text", "fee_standard_wan", "intended_cities",
            "intended_enterprises", "price_band", "contact_name", "contact_phone",
        ]  # fmt: skip
        impl_cols = [
            "assessment_id",
            "position",
            "level1",
            "level2",
            "custom_text",
            "amount_wan",
            "evaluation_result",
            "product_name",
            "remark",
        ]
        deal_cols = [
            "patent_id",
            "institution_id",
            "kind",
            "enterprise_id",
            "counterparty",
            "amount_wan",
            "contract_date",
            "registration_number",
            "registered_on",
            "created_at",
            "status",
            "territory",
            "field_of_use",
            "sublicensing_allowed",
            "payment_method",
            "royalty_base",
            "recording_status",
            "pricing_method",
            "valuation_reference",
            "reform_variant",
        ]
        states = [
            ReviewState.APPROVED,
            ReviewState.SUBMITTED,
            ReviewState.COLLEGE_APPROVED,
            ReviewState.RETURNED,
            ReviewState.DRAFT,
        ]
        state_weights = (45, 12, 6, 3, 9)
        maturities = list(MATURITY_STAGES)
        prices = [c for c, _ in PriceBand.choices]
        ent_ids = [e.pk for e in self.enterprises]
        ent_names = {e.pk: e.name for e in self.enterprises}

        todo = [(inst, count) for inst, count in zip(self.institutions, plan, strict=True)]
        buf_p, buf_a, buf_i, buf_m, buf_d = [], [], [], [], []

        def flush():
            with transaction.atomic():
                insert_rows(Patent, patent_cols, buf_p)
                insert_rows(SelfAssessment, assessment_cols, buf_a)
                insert_rows(ConversionIntent, intent_cols, buf_i)
                insert_rows(ImplementationStatus, impl_cols, buf_m)
                insert_rows(Deal, deal_cols, buf_d)
            self.stats.patents += len(buf_p)
            self.stats.assessments += len(buf_a)
            self.stats.deals += len(buf_d)
            for buf in (buf_p, buf_a, buf_i, buf_m, buf_d):
                buf.clear()
            self.log(f"patents: {self.stats.patents}/{self.n_patents}")

        for inst, count in todo:
            units = self.units_by_inst[inst.pk]
            for _ in range(count):
                number, kind, year = next(numbers)
                while number in existing_numbers:
                    number, kind, year = next(numbers)
                grant = datetime.date(
                    year + rng.choice((1, 2, 3)) if kind == PatentType.INVENTION else year + 1,
                    rng.randint(1, 12),
                    rng.randint(1, 28),
                )
                topic = rng.choice(TOPICS)
                subject = rng.choice(topic.subjects)
                title = f"{rng.choice(ADJECTIVES)}{subject}{rng.choice(FORMS)}"
                inventors = "，".join(_person(rng) for _ in range(rng.randint(1, 5)))
                ipc_main, ipc_other = rng.sample(topic.ipc, 2) if len(topic.ipc) > 1 else (topic.ipc[0], "")
                sub = ipc_main[:4]
                legal = LegalStatus.VALID if rng.random() < 0.95 else LegalStatus.FEE_GRACE
                funded = rng.random() < 0.55
                buf_p.append(
                    (
                        patent_id,
                        number,
                        kind,
                        title,
                        inst.name,
                        inventors,
                        grant,
                        legal,
                        2024 - year,
                        ipc_main,
                        sub,
                        ipc_other,
                        inst.pk,
                        rng.choice(units),
                        funded,
                        "国家自然科学基金" if funded else "",
                        "",
                        self.now,
                        self.now,
                    )
                )
                if rng.random() < 0.75:
                    state = rng.choices(states, weights=state_weights)[0]
                    industry = industry_ids[rng.choice(topic.gbt)[:3]]
                    stars = rng.choices((5, 4, 3, 2, 1), weights=(8, 25, 40, 20, 7))[0]
                    product = f"{rng.choice(topic.products)}，性能指标优于同类产品" if stars > 2 else ""
                    prospect = f"可用于{rng.choice(topic.prospects)}" if stars > 2 else ""
                    buf_a.append(
                        (
                            assessment_id,
                            patent_id,
                            state,
                            "请补充产品与技术优势" if state == ReviewState.RETURNED else "",
                            None,
                            "",
                            "",
                            rng.choice(prices),
                            _person(rng),
                            f"1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}",
                            rng.choice(maturities),
                            stars,
                            product,
                            industry,
                            prospect,
                            sei_ids[topic.sei[0].split(".")[0]],
                            sub,
                            None,
                            self.now,
                            self.now if state == ReviewState.APPROVED else None,
                            True,
                            "",
                            "",
                            "",
                            search_tokens(title, product, prospect, inventors),
                        )
                    )
                    if rng.random() < 0.1:
                        amount = rng.randint(5, 200)
                        buf_m.append(
                            (
                                assessment_id,
                                0,
                                ImplementationLevel1.LICENSED,
                                "ordinary_licence_signed",
                                "",
                                amount,
                                "",
                                "",
                                "",
                            )
                        )
                        # The licence the state says was signed, as a deal; most are recorded with CNIPA a few weeks
                        # after signing (the quarterly figures count the recording date).
                        ent = rng.choice(ent_ids)
                        signed = datetime.date(rng.choice((2024, 2025)), rng.randint(1, 12), rng.randint(1, 28))
                        recorded = rng.random() < 0.7
                        buf_d.append(
                            (
                                patent_id,
                                inst.pk,
                                DealKind.ORDINARY_LICENCE,
                                ent,
                                ent_names[ent],
                                amount,
                                signed,
                                f"X{signed.year}{inst.province_id:02d}{patent_id:08d}" if recorded else "",
                                signed + datetime.timedelta(days=rng.randint(10, 80)) if recorded else None,
                                self.now,
                                DealStatus.IN_FORCE,
                                "中国",
                                "",
                                False,
                                PaymentMethod.LUMP_SUM,
                                "",
                                RecordingStatus.RECORDED if recorded else RecordingStatus.PENDING,
                                PricingMethod.AGREEMENT,
                                "",
                                "",
                            )
                        )
                    else:
                        buf_m.append((assessment_id, 0, ImplementationLevel1.NOT_IMPLEMENTED, "", "", None, "", "", ""))
                    level1 = rng.choice(
                        [IntentLevel1.LICENSE, IntentLevel1.LICENSE, IntentLevel1.TRANSFER, IntentLevel1.SELF_APPLY]
                    )
                    level2 = {
                        IntentLevel1.LICENSE: IntentLevel2.ORDINARY_LICENCE,
                        IntentLevel1.TRANSFER: IntentLevel2.TRANSFER,
                        IntentLevel1.SELF_APPLY: "",
                    }[level1]
                    # Each intent carries its terms (R–W); the demo gives every intent of a patent the same ones.
                    terms = buf_a[-1][4:10]
                    buf_i.append((assessment_id, 0, level1, level2, "", *terms))
                    if rng.random() < 0.3:
                        buf_i.append((assessment_id, 1, IntentLevel1.LICENSE, IntentLevel2.OPEN_LICENCE, "", *terms))
                    assessment_id += 1
                patent_id += 1
                if len(buf_p) >= CHUNK:
                    flush()
        if buf_p:
            flush()
        _reset_sequences([Patent, SelfAssessment, ConversionIntent, ImplementationStatus, Deal])
        if connection.vendor == "postgresql":
            # Only the tables written here: a bare ANALYZE also takes the shared catalogs and so waits on other
            # databases' long transactions on the same server.
            with connection.cursor() as cursor:
                for model in (Patent, SelfAssessment, ConversionIntent, ImplementationStatus, Deal):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    # -- matching and the enterprises' answers ---------------------------------------------------------------------
    def _pushes(self) -> None:
        rng = self.rng
        run = full_run_inline()
        self.stats.pushes = run.pushes_created
        counts: dict[int, int] = {}
        for enterprise_id in Push.objects.filter(enterprise__in=self.enterprises).values_list(
            "enterprise_id", flat=True
        ):
            counts[enterprise_id] = counts.get(enterprise_id, 0) + 1
        home = self.institutions[0].province_id
        ranked = sorted(
            (e for e in self.enterprises if e.pk in counts),
            key=lambda e: (e.province_id != home, -counts[e.pk], e.pk),
        )
        if ranked:
            self.demo_enterprise = ranked[0]
        # About a third of the pushes answered, so institutions and bureaus see market feedback; the demo
        # enterprise's inbox keeps its pushes new except two, one of them declined.
        answers: dict[tuple[str, str], list[int]] = {}
        demo_id = self.demo_enterprise.pk if self.demo_enterprise else None
        for push_id, enterprise_id in (
            Push.objects.filter(enterprise__in=self.enterprises).order_by("pk").values_list("pk", "enterprise_id")
        ):
            if enterprise_id == demo_id and rng.random() < 0.9:
                continue
            roll = rng.random()
            if roll < 0.15:
                answers.setdefault((PushStatus.VIEWED, ""), []).append(push_id)
            elif roll < 0.25:
                answers.setdefault((PushStatus.INTERESTED, ""), []).append(push_id)
            elif roll < 0.35:
                reason = rng.choice([c for c in DeclineReason.values if c != DeclineReason.OTHER])
                answers.setdefault((PushStatus.DECLINED, reason), []).append(push_id)
        for (status, reason), ids in answers.items():
            Push.objects.filter(pk__in=ids).update(
                status=status,
                decline_reason=reason,
                viewed_at=self.now,
                responded_at=None if status == PushStatus.VIEWED else self.now,
            )

    # -- one login per role --------------------------------------------------------------------------------------
    def _users(self) -> None:
        home = self.institutions[0]
        college_id = self.units_by_inst[home.pk][0]
        college = OrgUnit.objects.get(pk=college_id)
        password = make_password(DEMO_PASSWORD)
        specs = [
            (
                "admin",
                Role.NATIONAL_ADMIN,
                {"is_staff": True, "is_superuser": True},
                "国家知识产权局：全部数据、参考数据、时间节点",
            ),
            ("inst_admin", Role.INSTITUTION_ADMIN, {"institution": home}, f"{home.name} 的全部专利"),
            (
                "college_admin",
                Role.COLLEGE_ADMIN,
                {"institution": home, "org_unit": college},
                f"{home.name}{college.name} 的专利",
            ),
            ("inventor", Role.INVENTOR, {"institution": home, "org_unit": college}, "本人作为发明人的专利"),
            (
                "enterprise",
                Role.ENTERPRISE,
                {"enterprise": self.demo_enterprise or self.enterprises[0]},
                "推送收件箱、企业信息、专利转化资源库",
            ),
            ("expert", Role.EXPERT, {}, "专利转化资源库"),
            (
                "bureau",
                Role.PROVINCIAL_BUREAU,
                {"province": home.province},
                f"{home.province.name} 的单位与专利（只读）",
            ),
            ("ministry", Role.MINISTRY, {"authority": Authority.MOE}, "教育部主管单位的专利（只读）"),
        ]
        for username, role, extra, sees in specs:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={"role": role, "password": password, "display_name": username, **extra},
            )
            self.stats.logins.append((str(Role(role).label), username, sees))
            if role == Role.INVENTOR:
                mine = list(
                    Patent.objects.filter(institution=home, org_unit=college)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:12]
                )
                user.invented_patents.set(mine)
            if role == Role.EXPERT:
                Expert.objects.update_or_create(
                    user=user,
                    defaults={"name": "演示专家", "organisation": self.enterprises[0].name, "province": home.province},
                )

    # -- deals of the demo's own university, through the services (coherent with the patents) ---------------------
    def _deals(self) -> None:
        """A few dozen deals of every kind on the home university's library patents: schedules, payments (some
        instalments left overdue), CNIPA recordings, industrialization with product filings, dossiers (some closed),
        and an open-licence declaration the demo enterprise can take."""
        from decimal import Decimal

        from transfers import services as deals

        rng = random.Random(self.rng.random())
        home = self.institutions[0]
        admin = User.objects.get(username="inst_admin")
        today = datetime.date.today()
        candidates = list(
            Patent.objects.filter(
                institution=home,
                patent_type=PatentType.INVENTION,
                assessment__review_state=ReviewState.APPROVED,
                assessment__convertible=True,
                deals__isnull=True,
            )
            .exclude(assessment__implementation_states__level1=ImplementationLevel1.LICENSED)
            .order_by("pk")[:40]
        )
        if len(candidates) < 6:
            return
        # Two declarations first: one standing (to be taken in the demo), one withdrawn (published with its reason).
        standing, withdrawn, *candidates = candidates
        deals.open_licence_declare(user=admin, patent_id=standing.pk, fee_method="fixed", fee_wan=Decimal("2"),
                                   term_years=3, declared_on=today - datetime.timedelta(days=40))  # fmt: skip
        row = deals.open_licence_declare(user=admin, patent_id=withdrawn.pk, fee_method="royalty",
                                         royalty_rate=Decimal("3"), royalty_base="产品销售额", term_years=5)  # fmt: skip
        deals.open_licence_withdraw(user=admin, declaration_id=row.pk, reason="拟与产业化企业签订独占许可")
        plans = [
            (DealKind.ORDINARY_LICENCE, PaymentMethod.ENTRY_FEE_ROYALTY),
            (DealKind.ORDINARY_LICENCE, PaymentMethod.LUMP_SUM),
            (DealKind.EXCLUSIVE_LICENCE, PaymentMethod.INSTALMENTS),
            (DealKind.SOLE_LICENCE, PaymentMethod.INSTALMENTS),
            (DealKind.TRANSFER, PaymentMethod.LUMP_SUM),
            (DealKind.EQUITY, PaymentMethod.MILESTONES),
            (DealKind.PATENT_POOL, PaymentMethod.LUMP_SUM),
            (DealKind.TRANSFER, PaymentMethod.INSTALMENTS),
        ]
        made = 0
        for i, patent in enumerate(candidates[:32]):
            kind, method = plans[i % len(plans)]
            signed = today - datetime.timedelta(days=30 + 21 * i)
            enterprise = self.enterprises[0] if i % 4 == 0 else rng.choice(self.enterprises)
            amount = Decimal(rng.choice((20, 30, 50, 80, 120, 200)))
            licence = kind not in (DealKind.TRANSFER, DealKind.EQUITY)
            terms = deals.DealTerms(
                patent_id=patent.pk, kind=kind, contract_date=signed, enterprise_id=enterprise.pk,
                amount_wan=None if method in (PaymentMethod.ENTRY_FEE_ROYALTY, PaymentMethod.MILESTONES) else amount,
                term_start=signed if licence else None,
                term_end=deals.add_months(signed, 12 * rng.choice((3, 5))) if licence else None,
                territory="中国大陆" if licence else "", field_of_use=enterprise.products if licence else "",
                payment_method=method, first_due_date=signed + datetime.timedelta(days=30),
                entry_fee_wan=Decimal(10) if method == PaymentMethod.ENTRY_FEE_ROYALTY else None,
                royalty_rate=Decimal("3.5") if method == PaymentMethod.ENTRY_FEE_ROYALTY else None,
                royalty_base="产品销售额" if method == PaymentMethod.ENTRY_FEE_ROYALTY else "",
                instalments=4 if method == PaymentMethod.INSTALMENTS else None, interval_months=3,
                milestones=[deals.Milestone(signed + datetime.timedelta(days=60), amount / 2, "完成技术交底"),
                            deals.Milestone(signed + datetime.timedelta(days=240), amount / 2, "完成中试")]
                if method == PaymentMethod.MILESTONES else [],
                pricing_method=rng.choice(("agreement", "listing", "auction")),
                valuation_reference=f"评报字〔{signed.year}〕第{100 + i}号",
                reform_variant="inventor_ownership" if i % 11 == 7 else "",
                inventor_reward_share=Decimal(70), notice_start=signed - datetime.timedelta(days=30), notice_days=15,
            )  # fmt: skip
            deal = deals.deal_register(user=admin, terms=terms)
            made += 1
            for n, due in enumerate(deal.schedule.order_by("due_date")):
                # Pay what fell due, except every third deal's later instalments: those stay overdue.
                if due.due_date >= today or (i % 3 == 2 and n > 0):
                    break
                amount_paid = due.amount_wan if due.amount_wan is not None else Decimal(rng.randint(2, 30))
                deals.payment_record(user=admin, due_id=due.pk, paid_on=due.due_date, amount_wan=amount_paid)
            if i % 3 != 1:
                recorded_on = min(today, signed + datetime.timedelta(days=rng.randint(15, 60)))
                number = f"{'ZL-T' if not licence else 'X'}{recorded_on:%Y}{home.province.code}{deal.pk:06d}"
                deals.deal_record_recording(user=admin, deal_id=deal.pk, status="recorded", number=number,
                                            recorded_on=recorded_on)  # fmt: skip
            else:
                deals.deal_record_recording(user=admin, deal_id=deal.pk, status="pending")
            if i % 5 == 0 and i:
                deals.industrialization_record(
                    user=admin, deal_id=deal.pk, patent_id=patent.pk, product_name=f"{patent.title[2:12]}产品",
                    started_on=signed + datetime.timedelta(days=20), sales_band=rng.choice(("lt100", "100-500")),
                    product_filing_number=f"CPIP{signed:%Y}{deal.pk:05d}" if i % 10 == 0 else "",
                    filed_on=signed + datetime.timedelta(days=25) if i % 10 == 0 else None,
                )  # fmt: skip
            deals.approval_record(user=admin, deal_id=deal.pk, body="校长办公会", meeting=f"{signed:%Y}年第{i + 1}次",
                                  decided_on=signed - datetime.timedelta(days=10), decision="approved")  # fmt: skip
            if i % 4 == 1:
                deals.deal_close(user=admin, deal_id=deal.pk)
        self.stats.deals += made
