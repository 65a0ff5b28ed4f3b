"""Reads of the evaluations app.

- Which self-assessed patents are in the conversion resource library (``in_library_q``), and which are implemented
  (``implemented_q``, the numerator of the implementation rate).
"""

from django.db.models import Exists, OuterRef, Q

from patentpool.choices import IN_FORCE

from .choices import ImplementationLevel1, ImplementationLevel2, ReviewState
from .models import ImplementationStatus


def in_library_q(prefix: str = "") -> Q:
    """Patents in the conversion resource library: still in force, convertible, self-assessment approved (``prefix``
    leads from another model to the patent, e.g. ``patents__``). A lapsed, expired, abandoned … patent stays in the
    base library with its history but is never offered."""
    return Q(
        **{
            f"{prefix}assessment__review_state": ReviewState.APPROVED,
            f"{prefix}assessment__convertible": True,
            f"{prefix}legal_status__in": sorted(IN_FORCE),
        }
    )


# Implemented in any way (licence, transfer, equity, self-use); a state that is only planned is not.
IMPLEMENTED_LEVEL1 = (
    ImplementationLevel1.LICENSED,
    ImplementationLevel1.TRANSFERRED,
    ImplementationLevel1.SELF_INDUSTRIALIZED,
)
PLANNED_LEVEL2 = (
    ImplementationLevel2.OPEN_LICENCE_PLANNED,
    ImplementationLevel2.ORDINARY_LICENCE_PLANNED,
    ImplementationLevel2.SOLE_LICENCE_PLANNED,
    ImplementationLevel2.EXCLUSIVE_LICENCE_PLANNED,
    ImplementationLevel2.TRANSFER_PLANNED,
)


def implemented_q() -> Q:
    """Patents whose self-assessment declares an implementation (实施) state: licensed, transferred (equity included) or
    self-industrialized, not merely planned. An EXISTS, so a patent with two such states counts once."""
    states = ImplementationStatus.objects.filter(
        assessment__patent=OuterRef("pk"), level1__in=IMPLEMENTED_LEVEL1
    ).exclude(level2__in=PLANNED_LEVEL2)
    return Q(Exists(states))
