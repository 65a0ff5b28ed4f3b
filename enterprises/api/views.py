"""API of the enterprise registry: the scoped list and the all-or-nothing Excel registration."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from common.xlsx import XLSX, xlsx_response

from ..filtersets import EnterpriseFilterSet
from ..selectors import enterprise_list
from ..services import enterprise_import
from ..workbook import write_template
from .serializers import EnterpriseImportResultSerializer, EnterpriseImportSerializer, EnterpriseSerializer


class EnterpriseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Enterprises the caller may see: a bureau its province, an enterprise user its own, the national admin all."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet

    def get_queryset(self):
        return enterprise_list(user=self.request.user).prefetch_related("industries").order_by("name", "pk")

    def get_throttles(self):
        if self.action == "register_workbook":
            self.throttle_scope = "upload"
            return [ScopedRateThrottle()]
        return super().get_throttles()

    @extend_schema(
        request={"multipart/form-data": EnterpriseImportSerializer},
        responses={201: EnterpriseImportResultSerializer, 400: EnterpriseImportResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def register_workbook(self, request):
        """Register every enterprise of a workbook in the template's layout, or none (400 with every row's errors)."""
        payload = EnterpriseImportSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            result = enterprise_import(user=request.user, upload=payload.validated_data["file"])
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        body = EnterpriseImportResultSerializer(
            {"created": result.created, "rejected": result.rejected, "errors": result.errors}
        ).data
        return Response(body, status=status.HTTP_201_CREATED if result.ok else status.HTTP_400_BAD_REQUEST)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], url_path="import-template")
    def import_template(self, request):
        """The registration template (dropdowns for provinces and 是/否)."""
        return xlsx_response(write_template, filename="enterprise-registration-template.xlsx")
