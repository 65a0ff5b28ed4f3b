"""API of the patent library: the base library (scoped) and the conversion resource library."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from common.search import ranked
from common.xlsx import XLSX
from evaluations.services import patent_facts_update
from inventory.export import national_workbook_response
from patentpool.selectors import patent_list

from ..filtersets import PatentFilterSet, ResourceFilterSet
from ..selectors import resource_library_list
from .serializers import PatentSerializer, PatentUpdateSerializer


class _RankedListMixin:
    """The list in the FilterSet's order, as the HTML list shows it: a search's relevance or the ``ordering`` asked
    for, then the FilterSet's default order."""

    def filter_queryset(self, queryset):
        return ranked(super().filter_queryset(queryset), self.filterset_class.default_order)


class PatentViewSet(_RankedListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The base stock-patent library, as the caller may see it."""

    serializer_class = PatentSerializer
    filterset_class = PatentFilterSet

    def get_queryset(self):
        return patent_list(user=self.request.user)

    @extend_schema(request=PatentUpdateSerializer, responses=PatentSerializer)
    def partial_update(self, request, pk=None):
        patent = self.get_object()  # 404 when out of scope
        payload = PatentUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        try:
            patent = patent_facts_update(user=request.user, patent_id=patent.pk, data=dict(payload.validated_data))
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(PatentSerializer(self.get_queryset().get(pk=patent.pk)).data)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], url_path="national-export")
    def national_export(self, request):
        """The (filtered) patents in the national batch-import layout; re-importing the file changes nothing."""
        return national_workbook_response(self.filter_queryset(self.get_queryset()))


class ResourceLibraryViewSet(
    _RankedListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The conversion resource library: approved patents, open to every signed-in role."""

    serializer_class = PatentSerializer
    filterset_class = ResourceFilterSet

    def get_queryset(self):
        return resource_library_list(user=self.request.user)
