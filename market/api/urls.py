from rest_framework.routers import SimpleRouter

from .views import EvaluationImportViewSet, MarketEvaluationViewSet

router = SimpleRouter()
router.register("market-evaluations", MarketEvaluationViewSet, basename="market-evaluation-api")
router.register("evaluation-imports", EvaluationImportViewSet, basename="evaluation-import-api")
urlpatterns = router.urls
