"""Showing dashboard figures: counts with separators, shares as percentages, and "no data yet" where there is none."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from ..metrics import SHARE, WAN

register = template.Library()


@register.filter
def lookup(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def figure(value, metric):
    """``value`` of ``metric`` as the dashboard shows it."""
    if not metric.available:
        return _("暂无数据")
    if value is None:
        return "—"
    if metric.unit == SHARE:
        return f"{value * 100:.1f}%"
    if metric.unit == WAN:
        return intcomma(f"{value:.2f}")
    return intcomma(value)


@register.filter
def change(value, metric):
    """A change against an earlier quarter, signed; shares in percentage points."""
    if value is None or not metric.available:
        return "—"
    if metric.unit == SHARE:
        return f"{value * 100:+.1f} pp"
    if metric.unit == WAN:
        return f"{value:+,.2f}"
    return f"{value:+,}"


@register.filter
def share(value):
    return "—" if value is None else f"{value * 100:.1f}%"
