"""The market side of the demo world: enterprise ratings of library patents (some answered), commissions for the demo
expert and experts waiting for the demo bureau's approval, so that every market page has something to show."""

from __future__ import annotations

import random

from enterprises.models import Enterprise
from evaluations.selectors import in_library_q
from institutions.models import User
from market.choices import CommissionState, Cooperation, ExpertStatus, ImprovementNeed, LowRatingReason
from market.conflicts import expert_conflict_reason
from market.figures import refresh_market_view
from market.models import Commission, Expert, MarketEvaluation
from patentpool.models import Patent

RATINGS_PER_ENTERPRISE = 12


def seed_market(seed: int = 2024) -> int:
    """Create the demo's ratings and commissions; returns the number of ratings. Idempotent per (patent, enterprise)."""
    rng = random.Random(seed)
    demo_enterprise_user = User.objects.filter(username="enterprise").select_related("enterprise").first()
    inst_admin = User.objects.filter(username="inst_admin").first()
    if demo_enterprise_user is None or inst_admin is None:
        return 0
    library = Patent.objects.filter(in_library_q()).select_related("institution")
    home = list(library.filter(institution_id=inst_admin.institution_id).order_by("pk")[:40])
    others = list(library.exclude(institution_id=inst_admin.institution_id).order_by("pk")[:200])
    enterprises = [demo_enterprise_user.enterprise] + list(
        Enterprise.objects.exclude(pk=demo_enterprise_user.enterprise_id).order_by("pk")[:15]
    )
    created = 0
    touched = set()
    for index, enterprise in enumerate(enterprises):
        pool = home if index < 6 else others
        for patent in rng.sample(pool, min(RATINGS_PER_ENTERPRISE, len(pool))):
            stars = rng.choice([1, 2, 3, 3, 4, 4, 5])
            low = stars <= 2
            cooperation = Cooperation.NONE if low else rng.choice([c for c in Cooperation.values if c != "none"])
            _, was_created = MarketEvaluation.objects.get_or_create(
                patent=patent,
                enterprise=enterprise,
                defaults={
                    "prospect_stars": stars,
                    "improvement_needs": rng.sample(ImprovementNeed.values[:-1], rng.randint(0, 2)),
                    "improvement_text": "希望进一步验证量产稳定性" if not low else "",
                    "cooperation": cooperation,
                    "low_reasons": rng.sample(LowRatingReason.values[:-1], rng.randint(1, 2)) if low else [],
                    "price_band": rng.choice(["negotiable", "10-20", "20-30", "50-60"]),
                    "contact_name": "" if low else "刘经理",
                    "contact_phone": "" if low else "13800001234",
                    "submitted_by": demo_enterprise_user if index == 0 else None,
                },
            )
            created += was_created
            touched.add(patent.pk)
    for evaluation in MarketEvaluation.objects.filter(patent__in=home, answer="").order_by("pk")[:4]:
        evaluation.answer, evaluation.answer_text, evaluation.answered_by = (
            "accept_contact",
            "欢迎联系技术转移中心",
            inst_admin,
        )
        evaluation.save()
    for patent_id in sorted(touched):
        refresh_market_view(patent_id)

    expert = Expert.objects.filter(user__username="expert").select_related("user").first()
    if expert is not None:
        free = [p for p in others if expert_conflict_reason(expert=expert, patent=p, enterprise=enterprises[0]) is None]
        for patent, state in zip(
            free[:3], [CommissionState.PENDING, CommissionState.ACCEPTED, CommissionState.PENDING], strict=False
        ):
            Commission.objects.get_or_create(
                expert=expert, patent=patent, enterprise=enterprises[0],
                defaults={"state": state, "note": "请评估产业化前景", "created_by": demo_enterprise_user},
            )  # fmt: skip
    bureau = User.objects.filter(username="bureau").first()
    if bureau is not None and not Expert.objects.filter(status=ExpertStatus.RECOMMENDED).exists():
        Expert.objects.create(
            name="待审专家", organisation=enterprises[-1].name, title="高级工程师", province=bureau.province,
            recommended_by=enterprises[-1], status=ExpertStatus.RECOMMENDED, technical_fields="H01M",
        )  # fmt: skip
    return created
