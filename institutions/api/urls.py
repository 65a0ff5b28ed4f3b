from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import AuthTokenView, ImportJobViewSet, InventoryTemplateView

router = SimpleRouter()
router.register("inventory-imports", ImportJobViewSet, basename="inventory-import")
urlpatterns = [
    path("auth/token/", AuthTokenView.as_view(), name="api-token"),
    path("inventory-template/", InventoryTemplateView.as_view(), name="inventory-template-api"),
    *router.urls,
]
