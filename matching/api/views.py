"""API of pushes: the enterprise's inbox and everyone's scoped push list; the enterprise's answers."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from ..filtersets import PushFilterSet
from ..models import Push
from ..selectors import push_list
from ..services import push_mark_viewed, push_respond
from .serializers import PushDeclineSerializer, PushInterestSerializer, PushSerializer


class PushViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pushes the caller may see: an enterprise its inbox, an institution its patents', a bureau its province's."""

    serializer_class = PushSerializer
    filterset_class = PushFilterSet

    def get_queryset(self):
        return push_list(user=self.request.user).order_by("-score", "-pk")

    def _answer(self, call):
        push = self.get_object()  # 404 when out of scope
        try:
            call(push.pk)
        except Push.DoesNotExist:
            raise Http404 from None
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc
        return Response(PushSerializer(self.get_queryset().get(pk=push.pk)).data)

    @extend_schema(request=None, responses=PushSerializer)
    @action(detail=True, methods=["post"])
    def view(self, request, pk=None):
        """Mark the push viewed (a new push only; later states stay)."""
        return self._answer(lambda push_id: push_mark_viewed(user=request.user, push_id=push_id))

    @extend_schema(request=PushInterestSerializer, responses=PushSerializer)
    @action(detail=True, methods=["post"])
    def interest(self, request, pk=None):
        """The enterprise is interested."""
        payload = PushInterestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(
            lambda push_id: push_respond(
                user=request.user, push_id=push_id, interested=True, feedback=payload.validated_data["feedback"]
            )
        )

    @extend_schema(request=PushDeclineSerializer, responses=PushSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """The enterprise declines, with a reason (too early, benefit unclear, no route, outside field, price)."""
        payload = PushDeclineSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(
            lambda push_id: push_respond(
                user=request.user,
                push_id=push_id,
                interested=False,
                decline_reason=payload.validated_data["decline_reason"],
                feedback=payload.validated_data["feedback"],
            )
        )
