from rest_framework.routers import DefaultRouter

from .views import PatentViewSet, ResourceLibraryViewSet

router = DefaultRouter()
router.register("patents", PatentViewSet, basename="patent")
router.register("resource-library", ResourceLibraryViewSet, basename="resource")
urlpatterns = router.urls
