from rest_framework.routers import DefaultRouter

from .views import DealViewSet, OpenLicenceViewSet

router = DefaultRouter()
router.register("deals", DealViewSet, basename="deal")
router.register("open-licences", OpenLicenceViewSet, basename="open-licence")
urlpatterns = router.urls
