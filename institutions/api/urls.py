from django.urls import path
from rest_framework.routers import SimpleRouter

from .tokens import AuthTokenView, TokenViewSet
from .views import ImportJobViewSet, InventoryTemplateView

router = SimpleRouter()
router.register("inventory-imports", ImportJobViewSet, basename="inventory-import")
router.register("auth/tokens", TokenViewSet, basename="api-tokens")
urlpatterns = [
    path("auth/token/", AuthTokenView.as_view(), name="api-token"),
    path("inventory-template/", InventoryTemplateView.as_view(), name="inventory-template-api"),
    *router.urls,
]
