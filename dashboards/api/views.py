"""The provincial data interface: an incremental pull of a province's library patents, and a bulk download.

Token-authenticated, throttled, and scoped to the provincial bureau's own province (a national admin names one).
The push back of enterprise evaluations goes through the market side's return import (the same workbook, validator
and all-or-nothing job as the bureau's page ``/market/returns/``); this interface only adds the token-authenticated,
throttled door to it.
"""

from urllib.parse import urlencode

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from knox.auth import TokenAuthentication
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from common.api_errors import service_call
from common.xlsx import XLSX
from institutions.choices import Role
from inventory.export import national_workbook_response
from market.api.serializers import EvaluationImportSerializer, EvaluationImportUploadSerializer
from market.selectors import evaluation_import_list
from market.services import evaluation_import_start
from market.workbook import return_workbook_response
from reference.models import Province

from ..feed import feed_page, province_library_patents
from .serializers import FeedPageSerializer, FeedQuerySerializer


def _province_of(request, asked: str | None) -> Province:
    user = request.user
    if user.role == Role.PROVINCIAL_BUREAU and user.province_id:
        if asked and asked != user.province.code:
            raise NotFound(_("只能读取本省数据 / Only your own province's data is available"))
        return user.province
    if user.is_superuser or user.role == Role.NATIONAL_ADMIN:
        province = Province.objects.filter(code=asked or "").first()
        if province is None:
            raise NotFound(_("请用 province 参数指定省份代码 / Name a province with the province parameter"))
        return province
    raise PermissionDenied(_("仅省级知识产权局可使用该接口 / For provincial IP bureaus only"))


class FeedBase(APIView):
    authentication_classes = [TokenAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "province_feed"


class ProvinceFeedView(FeedBase):
    """Changes since a cursor: library patents of the province's institutions that were added or changed
    (``upsert``, with the record in the national layout) or left the library (``delete``, a tombstone), in ``seq``
    order. Keep ``next_since`` and pass it as ``since`` next time; follow ``next`` while ``has_more``."""

    @extend_schema(parameters=[FeedQuerySerializer], responses=FeedPageSerializer)
    def get(self, request):
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        province = _province_of(request, query.validated_data.get("province"))
        page = feed_page(province=province, since=query.validated_data["since"], size=query.validated_data["page_size"])
        next_url = None
        if page.has_more:
            params = {k: v for k, v in request.query_params.items() if k != "since"}
            next_url = request.build_absolute_uri(f"{request.path}?{urlencode({**params, 'since': page.next_since})}")
        data = {"since": page.since, "next_since": page.next_since, "has_more": page.has_more, "next": next_url,
                "results": page.items}  # fmt: skip
        return Response(FeedPageSerializer(data).data)


class ProvinceFeedBulkView(FeedBase):
    """All library patents of the province in the national batch-import workbook (the layout of the national export)."""

    @extend_schema(
        parameters=[OpenApiParameter("province", str, description="省份代码（仅国家管理员） / national admins only")],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request):
        province = _province_of(request, request.query_params.get("province"))
        return national_workbook_response(
            province_library_patents(province).order_by("pk"), filename=f"province-{province.code}-library.xlsx"
        )


class ProvinceFeedEvaluationsView(FeedBase):
    """The push back of enterprise evaluations (他评) for the province's library patents.

    GET: the province's return workbook to fill (its institutions' library patents, one row each, with the rating
    columns and their dropdowns). POST: the filled workbook (multipart ``file``); 202 with the job, validated and
    applied all or nothing by a worker; follow it at ``/api/evaluation-imports/{id}/`` and read row errors at
    ``/api/evaluation-imports/{id}/errors/``. Provincial bureaus only."""

    parser_classes = [MultiPartParser]

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        province = _province_of(request, request.query_params.get("province"))
        return return_workbook_response(province_id=province.pk)

    @extend_schema(
        request={"multipart/form-data": EvaluationImportUploadSerializer},
        responses={202: EvaluationImportSerializer},
    )
    def post(self, request):
        # The market service refuses anyone but a provincial bureau (403) and checks the file.
        job = service_call(evaluation_import_start, user=request.user, upload=request.FILES.get("file"))
        return Response(EvaluationImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ProvinceFeedEvaluationJobsView(FeedBase):
    """The province's evaluation returns, newest first (state, counts), for a client following its uploads."""

    @extend_schema(responses=EvaluationImportSerializer(many=True))
    def get(self, request):
        user = request.user
        if not (user.is_superuser or user.role in (Role.NATIONAL_ADMIN, Role.PROVINCIAL_BUREAU)):
            raise PermissionDenied(_("仅省级知识产权局可使用该接口 / For provincial IP bureaus only"))
        jobs = evaluation_import_list(user=request.user).order_by("-pk")[:100]
        return Response(EvaluationImportSerializer(jobs, many=True).data)
