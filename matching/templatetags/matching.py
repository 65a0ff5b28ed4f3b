"""``{% patent_pushes patent %}`` on the patent page: where the patent was pushed and what came back, as the viewer
may see it. A template tag, so the library's view (a layer below matching) needs no import of it."""

from django import template

from ..selectors import patent_pushes

register = template.Library()


@register.inclusion_tag("matching/_patent_pushes.html", takes_context=True)
def patent_pushes_section(context, patent):
    user = context["request"].user
    return {"pushes": list(patent_pushes(user=user, patent=patent)[:100])}
