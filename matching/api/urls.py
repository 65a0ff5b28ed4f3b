from rest_framework.routers import SimpleRouter

from .views import PushViewSet

router = SimpleRouter()
router.register("pushes", PushViewSet, basename="push")
urlpatterns = router.urls
