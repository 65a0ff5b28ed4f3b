"""Pages of the server-rendered lists: the size the user picked (one of the list's sizes), 50 otherwise."""

from __future__ import annotations

from django.core.paginator import Page, Paginator

PAGE_SIZES = (10, 25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50


def page_of(request, qs, *, count: int | None = None) -> Page:
    """The requested page of ``qs``; ``count``, when the caller already knows it, saves the COUNT(*) query."""
    try:
        size = int(request.GET.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError:
        size = DEFAULT_PAGE_SIZE
    paginator = Paginator(qs, size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: the known count replaces the query
    return paginator.get_page(request.GET.get("page"))
