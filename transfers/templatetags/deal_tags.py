"""Template helpers of the deal pages, and the deals panel the patent page includes (``{% patent_deals patent %}``):
the patent page lives in ``library``, which sits below ``transfers`` and may not import it, so the panel reaches the
page by template tag."""

from django import template

from institutions.choices import Role

from ..choices import OpenLicenceStatus
from ..selectors import deals_on_patent

register = template.Library()


@register.filter
def fields_named(form, names: str):
    """The bound fields of ``form`` named in the comma-separated ``names``, in that order."""
    return [form[name] for name in names.split(",") if name in form.fields]


@register.inclusion_tag("transfers/_patent_deals.html", takes_context=True)
def patent_deals(context, patent):
    user = context["request"].user
    return {
        "patent": patent,
        "deals": deals_on_patent(user=user, patent=patent),
        "declaration": patent.open_licence_declarations.filter(status=OpenLicenceStatus.ACTIVE).first(),
        "can_register": user.role in (Role.INSTITUTION_ADMIN, Role.NATIONAL_ADMIN) or user.is_superuser,
        "request": context["request"],
    }
