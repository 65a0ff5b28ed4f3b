"""Periodic tasks of the conversion resource library."""

from celery import shared_task


@shared_task(name="library.warm_library_facets", expires=240)
def warm_library_facets_task() -> int:
    """Keep the resource library's landing-page counts cached, so no visitor pays for computing them."""
    from .facets import warm_library_facets

    return warm_library_facets()
