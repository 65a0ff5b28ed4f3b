from rest_framework.routers import DefaultRouter

from .views import PatentViewSet, ResourceLibraryViewSet

router = DefaultRouter()
app_name = "api"
router.register("patents", PatentViewSet, basename="patent")
router.register("resource-library", ResourceLibraryViewSet, basename="resource")
urlpatterns = router.urls
