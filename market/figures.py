"""The market's figures of one patent, kept on its self-assessment so that the library sorts and filters by them."""

from django.db.models import Avg, Count, Q

from evaluations.services import assessment_set_market_view

from .choices import Cooperation
from .models import MarketEvaluation


def refresh_market_view(patent_id: int) -> None:
    """Recompute the patent's market figures (ratings, mean stars, interested enterprises) on its assessment."""
    figures = MarketEvaluation.objects.filter(patent_id=patent_id).aggregate(
        count=Count("pk"),
        stars=Avg("prospect_stars"),
        interested=Count(
            "enterprise", filter=~Q(cooperation=Cooperation.NONE) & Q(enterprise__isnull=False), distinct=True
        ),
    )
    stars = round(figures["stars"], 2) if figures["stars"] is not None else None
    assessment_set_market_view(
        patent_id=patent_id, rating_count=figures["count"], stars=stars, interested=figures["interested"]
    )
