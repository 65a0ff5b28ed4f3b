"""Reads of the conversion resource library (专利转化资源库): every signed-in role may browse it."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from evaluations.choices import ImplementationLevel1, ImplementationLevel2
from evaluations.models import ImplementationStatus
from evaluations.selectors import in_library_q
from institutions.models import User
from patentpool.models import Patent
from patentpool.selectors import patent_list_columns


def resource_library_list(*, user: User) -> QuerySet[Patent]:
    """The conversion resource library: convertible patents whose self-assessment was approved."""
    if not user.is_authenticated or not user.is_active:
        return Patent.objects.none()
    approved = Patent.objects.filter(in_library_q())
    return patent_list_columns(approved).select_related("assessment__industry", "assessment__sei_class__parent")


def resource_get(*, user: User, pk: int) -> Patent | None:
    """One patent of the resource library, or None."""
    return resource_library_list(user=user).filter(pk=pk).first()


# -- what happened to a patent on the market side, for the lists the dashboards link to -------------------------------
# Pushes (matching), market ratings (market) and industrialization records (transfers) live in apps above this one;
# they are reached through the patent's reverse relations, so the dashboards' figures and the lists behind them are
# the same definition.

INDUSTRIALIZED_LEVEL2 = (ImplementationLevel2.LICENSEE_INDUSTRIALIZED, ImplementationLevel2.PARTNER_INDUSTRIALIZED)


def industrialized_q() -> Q:
    """Patents in production (产业化): the self-assessment declares them self-industrialized or industrialized by a
    licensee or partner, or a deal recorded their production (an ``Industrialization`` row)."""
    declared = ImplementationStatus.objects.filter(assessment__patent=OuterRef("pk")).filter(
        Q(level1=ImplementationLevel1.SELF_INDUSTRIALIZED) | Q(level2__in=INDUSTRIALIZED_LEVEL2)
    )
    recorded = Patent.industrializations.rel.related_model.objects.values("patent_id")
    return Q(Exists(declared)) | Q(pk__in=recorded)


def on_days(field: str, start: datetime.date | None, end: datetime.date | None) -> dict:
    """Lookups on the timestamp ``field`` for the days ``start`` … ``end`` (both included) in the site's time zone; an
    open end adds no bound. Half-open at the top, so an index on the timestamp serves it."""
    bounds = {}
    if start is not None:
        bounds[f"{field}__gte"] = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    if end is not None:
        next_day = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
        bounds[f"{field}__lt"] = timezone.make_aware(next_day)
    return bounds


def pushed_q(start: datetime.date | None = None, end: datetime.date | None = None) -> Q:
    """Patents pushed to at least one enterprise between ``start`` and ``end`` (push dates)."""
    pushes = Patent.pushes.rel.related_model.objects.filter(**on_days("created_at", start, end))
    return Q(pk__in=pushes.values("patent_id"))


def rated_q(start: datetime.date | None = None, end: datetime.date | None = None) -> Q:
    """Patents rated by at least one enterprise or expert (他评) between ``start`` and ``end`` (rating dates)."""
    ratings = Patent.market_evaluations.rel.related_model.objects.filter(**on_days("created_at", start, end))
    return Q(pk__in=ratings.values("patent_id"))
