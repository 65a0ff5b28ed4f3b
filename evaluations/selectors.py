"""Reads of the evaluations app: which self-assessed patents are in the conversion resource library."""

from django.db.models import Q

from .choices import ReviewState


def in_library_q(prefix: str = "") -> Q:
    """Patents in the conversion resource library: convertible, self-assessment approved (``prefix`` leads from
    another model to the patent, e.g. ``patents__``)."""
    return Q(**{f"{prefix}assessment__review_state": ReviewState.APPROVED, f"{prefix}assessment__convertible": True})
