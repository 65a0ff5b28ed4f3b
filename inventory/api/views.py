"""API of inventory imports: upload a workbook (202 + job), follow the job, read its errors."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from common.xlsx import XLSX

from ..models import ImportJob
from ..selectors import import_job_list
from ..services import inventory_import_cancel, inventory_import_retry, inventory_import_start
from .serializers import ImportErrorSerializer, ImportJobSerializer, ImportUploadSerializer


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Inventory import jobs of the caller's institution (a college admin: of the own college)."""

    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return import_job_list(user=self.request.user)

    def get_throttles(self):
        if self.action in ("create", "retry"):
            self.throttle_scope = "upload"
            return [ScopedRateThrottle()]
        return super().get_throttles()

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportJobSerializer, 400: OpenApiResponse(description="not a workbook / too large")},
    )
    def create(self, request):
        """Upload a national-format workbook or a patent-database export (``kind``). Answers 202 with the job; follow
        it with GET until it is final."""
        payload = ImportUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            job = inventory_import_start(
                user=request.user,
                upload=payload.validated_data["file"],
                dry_run=payload.validated_data["dry_run"],
                kind=payload.validated_data["kind"],
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError({"file": exc.messages}) from exc
        job.refresh_from_db()
        return Response(ImportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=ImportErrorSerializer(many=True))
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        """Every error of the job: row, column, value and the message in Chinese and English."""
        job = self.get_object()
        return Response(ImportErrorSerializer(job.errors, many=True).data)

    @extend_schema(
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY}
    )
    @action(detail=True, methods=["get"], url_path="error-workbook")
    def error_workbook(self, request, pk=None):
        """The uploaded workbook with every bad cell highlighted and commented."""
        job = self.get_object()
        if not job.error_file:
            raise NotFound("该任务没有错误标注文件 / This job has no marked workbook")
        return FileResponse(job.error_file.open("rb"), as_attachment=True, filename=f"errors-{job.pk}.xlsx")

    def _change(self, request, pk, service):
        try:
            job = service(user=request.user, job_id=int(pk))
        except (ImportJob.DoesNotExist, ValueError) as exc:
            raise NotFound("没有这个导入任务 / No such import job") from exc
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError({"detail": exc.messages}) from exc
        return job

    @extend_schema(
        request=None,
        responses={
            202: ImportJobSerializer,
            400: OpenApiResponse(description="not failed, interrupted or cancelled / the upload is gone"),
            403: OpenApiResponse(description="not an importer"),
            404: OpenApiResponse(description="no such job in the caller's scope"),
        },
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Run a failed (校验未通过/处理出错), interrupted (已中断) or cancelled (已取消) import again on its stored upload,
        as a new attempt. Answers 202 with the job, queued again; follow it with GET until it is final."""
        job = self._change(request, pk, inventory_import_retry)
        return Response(ImportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={
            200: ImportJobSerializer,
            400: OpenApiResponse(description="already final"),
            403: OpenApiResponse(description="not an importer"),
            404: OpenApiResponse(description="no such job in the caller's scope"),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an import. A queued one is cancelled at once (state ``cancelled``); a running one gets
        ``cancel_requested`` and its worker stops at the next chunk, rolls back and ends ``cancelled``."""
        job = self._change(request, pk, inventory_import_cancel)
        return Response(ImportJobSerializer(job, context={"request": request}).data)


class InventoryTemplateView(APIView):
    """The platform's batch-import template: the national layout with its dropdowns and dependent lists."""

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        from ..views import inventory_template_view

        return inventory_template_view(request._request)
