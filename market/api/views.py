"""API of the market side: ratings (enterprises rate, institutions answer) and the provinces' bulk returns."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from common.api_errors import service_call

from ..selectors import evaluation_import_list, evaluation_list
from ..services import evaluation_answer, evaluation_import_start, evaluation_submit
from .serializers import (
    AnswerSerializer,
    EvaluationImportSerializer,
    EvaluationImportUploadSerializer,
    MarketEvaluationSerializer,
    MarketEvaluationWriteSerializer,
    ReturnErrorSerializer,
)


class MarketEvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Market ratings (他评) the caller may see; an enterprise user rates (POST, once per patent: a second POST
    edits), an institution answers."""

    serializer_class = MarketEvaluationSerializer

    def get_queryset(self):
        return evaluation_list(user=self.request.user).order_by("-updated_at", "-id")

    @extend_schema(
        request=MarketEvaluationWriteSerializer,
        responses={201: MarketEvaluationSerializer, 400: OpenApiResponse(description="invalid values"),
                   403: OpenApiResponse(description="not an enterprise user, or not a library patent")},
    )  # fmt: skip
    def create(self, request):
        payload = MarketEvaluationWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        patent_id = data.pop("patent")
        evaluation = service_call(evaluation_submit, user=request.user, patent_id=patent_id, data=data)
        return Response(MarketEvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AnswerSerializer,
        responses={200: MarketEvaluationSerializer, 400: OpenApiResponse(description="invalid answer"),
                   403: OpenApiResponse(description="not the patent's institution")},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        evaluation = self.get_object()
        payload = AnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        evaluation = service_call(
            evaluation_answer, user=request.user, evaluation_id=evaluation.pk, answer=payload.validated_data["answer"],
            text=payload.validated_data.get("answer_text", ""),
        )  # fmt: skip
        return Response(MarketEvaluationSerializer(evaluation).data)


class EvaluationImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A provincial bureau's bulk returns of enterprise ratings: upload (202 + job), follow, read the errors."""

    serializer_class = EvaluationImportSerializer

    def get_queryset(self):
        return evaluation_import_list(user=self.request.user)

    @extend_schema(
        request={"multipart/form-data": EvaluationImportUploadSerializer},
        responses={202: EvaluationImportSerializer, 400: OpenApiResponse(description="not an .xlsx workbook"),
                   403: OpenApiResponse(description="not a provincial bureau")},
    )  # fmt: skip
    def create(self, request):
        self.parser_classes = [MultiPartParser]
        job = service_call(evaluation_import_start, user=request.user, upload=request.FILES.get("file"))
        return Response(EvaluationImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: ReturnErrorSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        return Response(ReturnErrorSerializer(self.get_object().errors, many=True).data)
