"""Helpers of the market-side tests: enterprises with industry codes and a world whose patents carry IPC codes."""

from __future__ import annotations

import io

from conftest import make_credit_code
from openpyxl import Workbook

from enterprises.models import Enterprise
from evaluations.models import SelfAssessment
from market.workbook import COLUMNS, SHEET
from patentpool.models import Patent
from reference.models import IndustryCode


def make_enterprise(seed: int, name: str, province, main: str, products: str, needs: str = "", interests: str = "",
                    others: tuple[str, ...] = (), **extra) -> Enterprise:  # fmt: skip
    enterprise = Enterprise.objects.create(
        name=name,
        credit_code=make_credit_code(seed),
        province=province,
        main_industry=IndustryCode.objects.get(code=main),
        products=products,
        technical_needs=needs,
        fields_of_interest=interests,
        **extra,
    )
    if others:
        enterprise.industries.set(IndustryCode.objects.filter(code__in=others))
    return enterprise


def market_world(world) -> dict[str, Enterprise]:
    """The world's approved patents get IPC codes and texts; three enterprises: a battery maker in P1 (the
    university's province), a chemicals maker in P2, a rice grower in P1 (no match)."""
    Patent.objects.filter(pk=world.patent_a.pk).update(ipc_main="H01M 50/409", ipc_subclass="H01M")
    SelfAssessment.objects.filter(patent=world.patent_a).update(
        products_advantages="锂电池隔膜，孔隙率高，热收缩小", prospect="可用于动力锂电池"
    )
    Patent.objects.filter(pk=world.patent_far.pk).update(ipc_main="H01M 10/0562", ipc_subclass="H01M")
    SelfAssessment.objects.filter(patent=world.patent_far).update(
        products_advantages="硫化物固态电解质，离子电导率高", prospect="可用于固态电池"
    )
    Patent.objects.filter(pk=world.patent_b.pk).update(ipc_main="G06V 10/82", ipc_subclass="G06V")
    return {
        "battery": make_enterprise(
            11,
            "江苏锂电新能源有限公司",
            world.p1,
            "C3841",
            "动力锂电池、锂电池隔膜",
            needs="提高隔膜耐热性\n提高能量密度",
        ),  # fmt: skip
        "chemicals": make_enterprise(
            12, "广东固态电池有限公司", world.p2, "C384", "固态电池、固态电解质膜", interests="H01M"
        ),  # fmt: skip
        "rice": make_enterprise(13, "江苏稻谷种业有限公司", world.p1, "A0111", "水稻新品种"),
    }


def return_workbook(rows: list[dict]) -> bytes:
    """A provincial return workbook (market.workbook's layout) holding ``rows`` (dicts by column key)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([c.header for c in COLUMNS])
    for row in rows:
        ws.append([row.get(c.key, "") for c in COLUMNS])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
