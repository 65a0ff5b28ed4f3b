"""API tokens: exchange a username and password for a token, list one's own tokens, revoke one.

Tokens are django-rest-knox's: the database keeps only a SHA-512 digest of each (a stolen backup or an admin cannot
read a usable key), every token expires after REST_KNOX["TOKEN_TTL"], and its owner can revoke it. A token's public id
is that digest: it identifies the row but cannot be turned back into the token.

Sign-in is throttled twice: per client address by DRF (scope ``token``) and per account and per address by
django-axes, which sees this endpoint's failures because ``authenticate`` gets the request.
"""

from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from institutions.client_ip import LOCKED_MESSAGE

BAD_CREDENTIALS = "用户名或密码错误。/ Unable to sign in with these credentials."

Detail = inline_serializer("Detail", {"detail": serializers.CharField()})


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="只显示这一次 / shown this once only: send it as `Authorization: Token …`")
    expiry = serializers.DateTimeField(allow_null=True, help_text="过期时间 / when the token stops working")


class TokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it later: never the secret, only its digest as an id."""

    id = serializers.CharField(source="digest", read_only=True, help_text="SHA-512 digest of the token")

    class Meta:
        model = AuthToken
        fields = ["id", "created", "expiry"]
        read_only_fields = fields


class AuthTokenView(APIView):
    """Exchange a username and password for a new API token (send it as ``Authorization: Token …``).

    Throttled per client address, and locked out per account and per address after repeated failures.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=CredentialsSerializer,
        responses={
            200: IssuedTokenSerializer,
            400: OpenApiResponse(description="用户名或密码错误 / wrong username or password"),
            429: OpenApiResponse(Detail, description="请求过多或已锁定 / throttled or locked out"),
        },
        auth=[],
    )
    def post(self, request):
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # The plain Django request: django-axes marks a locked-out attempt on it, and its middleware reads the mark.
        user = authenticate(request=request._request, **credentials.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            return Response({"detail": LOCKED_MESSAGE}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": [BAD_CREDENTIALS]})
        instance, token = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
        return Response(IssuedTokenSerializer({"token": token, "expiry": instance.expiry}).data)


class TokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own API tokens that have not expired; revoking one deletes it."""

    serializer_class = TokenSerializer
    pagination_class = None
    lookup_value_regex = "[0-9a-f]{128}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return AuthToken.objects.none()
        return AuthToken.objects.filter(user=self.request.user, expiry__gt=timezone.now()).order_by("-created")

    @extend_schema(
        responses={
            204: OpenApiResponse(description="已吊销 / revoked"),
            404: OpenApiResponse(Detail, description="不是你的令牌或不存在 / not one of your tokens"),
        }
    )
    def destroy(self, request, pk=None):
        """Revoke one of your tokens: it stops working at once."""
        deleted, _ = AuthToken.objects.filter(user=request.user, digest=pk).delete()
        if not deleted:
            raise NotFound("没有这个令牌 / No such token")
        return Response(status=status.HTTP_204_NO_CONTENT)
