"""All the shipped reference data in one call: the classifications (``reference.loader``), then the plan's milestones
(``dashboards.milestones``; after provinces, since provincial milestones point at them)."""

from typing import TextIO

from dashboards.milestones import load_milestones
from reference import loader

LOADERS = {**loader.LOADERS, "milestones": load_milestones}


def load_all(stdout: TextIO | None = None) -> dict[str, int]:
    """Load every shipped table; safe to run again (see ``reference.loader`` and ``dashboards.milestones``)."""
    return loader.load_all(stdout, loaders=LOADERS)
