from django.urls import path
from rest_framework.routers import SimpleRouter

from .tokens import AuthTokenView, TokenViewSet

router = SimpleRouter()
router.register("auth/tokens", TokenViewSet, basename="api-tokens")
urlpatterns = [
    path("auth/token/", AuthTokenView.as_view(), name="api-token"),
    *router.urls,
]
