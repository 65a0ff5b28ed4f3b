"""The conversion resource library: classification facets, Chinese search and its FilterSet."""

from .filtersets import PatentFilterSet


class ResourceFilterSet(PatentFilterSet):
    """Filters of the resource library (to be extended with its classifications)."""
