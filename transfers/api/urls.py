from rest_framework.routers import DefaultRouter

from .views import DealViewSet, OpenLicenceViewSet

router = DefaultRouter()
app_name = "transfers-api"  # the router names (deal-list, …) must not shadow the pages' names
router.register("deals", DealViewSet, basename="deal")
router.register("open-licences", OpenLicenceViewSet, basename="open-licence")
urlpatterns = router.urls
