"""API of deals (scoped like the pages; writes through transfers.services) and of open-licence declarations."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from common.api_errors import service_call

from .. import services
from ..filtersets import DealFilterSet
from ..selectors import deal_can_manage, deal_can_record_industrialization, deal_list, open_licence_list
from .serializers import (
    DealCreateSerializer,
    DealDetailSerializer,
    DealSerializer,
    IndustrializationCreateSerializer,
    IndustrializationSerializer,
    OpenLicenceDeclareSerializer,
    OpenLicenceSerializer,
    PaymentCreateSerializer,
    PaymentSerializer,
    RecordingSerializer,
    WithdrawSerializer,
)


class DealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Deals as the caller may see them: institution admins their institution's, provincial bureaus their
    province's and ministries their institutions' (read only), enterprises those they are party to."""

    filterset_class = DealFilterSet

    def get_queryset(self):
        return deal_list(user=self.request.user).prefetch_related("bundle_patents").order_by("-contract_date", "-id")

    def get_serializer_class(self):
        return DealDetailSerializer if self.action == "retrieve" else DealSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(request=DealCreateSerializer, responses={201: DealDetailSerializer})
    def create(self, request):
        """Register a deal; its payment schedule is generated and the patents' implementation state follows."""
        payload = DealCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = dict(payload.validated_data)
        terms = services.DealTerms(
            patent_id=d.pop("patent"),
            bundle_patent_ids=d.pop("bundle_patents"),
            enterprise_id=d.pop("enterprise", None),
            milestones=[services.Milestone(**m) for m in d.pop("milestones")],
            **d,
        )
        deal = service_call(services.deal_register, user=request.user, terms=terms)
        deal = self.get_queryset().get(pk=deal.pk)
        return Response(DealDetailSerializer(deal, context=self.get_serializer_context()).data, status=201)

    def _managed(self, *, industrialization: bool = False):
        deal = self.get_object()  # 404 when out of scope
        check = deal_can_record_industrialization if industrialization else deal_can_manage
        if not check(user=self.request.user, deal=deal):
            raise PermissionDenied("您无权修改该交易 / You may not change this deal")
        return deal

    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer})
    @action(detail=True, methods=["post"])
    def payments(self, request, pk=None):
        """Record a payment against one expected payment of the deal's schedule."""
        deal = self._managed()
        payload = PaymentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = dict(payload.validated_data)
        if not deal.schedule.filter(pk=d["due"]).exists():
            raise ValidationError({"due": "款项不属于该交易 / The payment is not of this deal"})
        payment = service_call(services.payment_record, user=request.user, due_id=d.pop("due"), **d)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RecordingSerializer, responses=DealDetailSerializer)
    @action(detail=True, methods=["post"])
    def recording(self, request, pk=None):
        """The CNIPA transfer registration or licence-contract recording: status, number and date."""
        deal = self._managed()
        payload = RecordingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        service_call(services.deal_record_recording, user=request.user, deal_id=deal.pk, **payload.validated_data)
        deal = self.get_queryset().get(pk=deal.pk)
        return Response(DealDetailSerializer(deal, context=self.get_serializer_context()).data)

    @extend_schema(request=IndustrializationCreateSerializer, responses={201: IndustrializationSerializer})
    @action(detail=True, methods=["post"])
    def industrialization(self, request, pk=None):
        """The counterparty enterprise or the institution records that a patent of the deal went into production."""
        deal = self._managed(industrialization=True)
        payload = IndustrializationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = dict(payload.validated_data)
        row = service_call(services.industrialization_record, user=request.user, deal_id=deal.pk, patent_id=d.pop("patent"),
                    **d)  # fmt: skip
        return Response(IndustrializationSerializer(row).data, status=status.HTTP_201_CREATED)


class OpenLicenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Open-licence declarations (public to every signed-in user, withdrawals included)."""

    serializer_class = OpenLicenceSerializer

    def get_queryset(self):
        return open_licence_list(user=self.request.user).order_by("-declared_on", "-id")

    @extend_schema(request=OpenLicenceDeclareSerializer, responses={201: OpenLicenceSerializer})
    def create(self, request):
        """Declare a patent open for licensing (institution admins)."""
        payload = OpenLicenceDeclareSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = dict(payload.validated_data)
        try:
            row = service_call(services.open_licence_declare, user=request.user, patent_id=d.pop("patent"), **d)
        except PermissionDenied:
            raise Http404 from None
        return Response(OpenLicenceSerializer(row).data, status=201)

    @extend_schema(request=WithdrawSerializer, responses=OpenLicenceSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw the declaration; licences already taken stay valid."""
        row = self.get_object()
        payload = WithdrawSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        row = service_call(services.open_licence_withdraw, user=request.user, declaration_id=row.pk,
                    reason=payload.validated_data["reason"])  # fmt: skip
        return Response(OpenLicenceSerializer(row).data)

    @extend_schema(request=None, responses={201: DealDetailSerializer})
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        """An enterprise takes the open licence on the declared terms (its written notice); the licence deal is
        created with the declared fee schedule."""
        row = self.get_object()
        deal = service_call(services.open_licence_take, user=request.user, declaration_id=row.pk)
        deal = deal_list(user=request.user).get(pk=deal.pk)
        return Response(DealDetailSerializer(deal, context={"today": timezone.localdate()}).data, status=201)
