from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ImportJobViewSet, InventoryTemplateView

router = SimpleRouter()
router.register("inventory-imports", ImportJobViewSet, basename="inventory-import")
urlpatterns = [
    path("inventory-template/", InventoryTemplateView.as_view(), name="inventory-template-api"),
    *router.urls,
]
